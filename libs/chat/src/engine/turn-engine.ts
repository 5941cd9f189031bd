import {
  approximateTokens,
  type ChatMessage,
  type ChatRequest,
  type ChatStreamEvent,
  type ContentBlock,
  type TokenUsage,
} from '@lgm/bedrock';
import {
  type Citation,
  clientMessageIdSchema,
  isTerminalTurnEvent,
  MAX_USER_MESSAGE_CHARACTERS,
  type ToolCallRecord,
  type TurnEvent,
  turnEventSchema,
  type TurnOptions,
  turnOptionsSchema,
  type TurnStatus,
} from '@lgm/contracts';
import { ConflictError, isAppError, isUlid, NotFoundError, ValidationError } from '@lgm/core';
import {
  DEFAULT_SESSION_TITLE,
  type JsonValue,
  type Message,
  type Session,
  type TurnRecord,
} from '@lgm/persistence';
import { assemblePrompt, type RetrievedPassage } from '@lgm/rag';
import * as z from 'zod';

import type {
  AvailableTool,
  SessionUpdate,
  StartedTurn,
  StartTurnOptions,
  TurnOutcome,
  TurnRequest,
} from '../ports';
import { CitationTracker } from './citations';
import {
  checkSettings,
  DEFAULT_TURN_ENGINE_SETTINGS,
  type KnowledgeBase,
  type TurnEngineDeps,
  type TurnEngineInstance,
  type TurnEngineSettings,
  type TurnRecordStore,
  type TurnSessionStore,
} from './engine-deps';
import { TurnEventLog } from './event-log';
import { toHistory } from './history';
import { generalInstructions, STEP_LIMIT_NOTE, withToolRule } from './instructions';
import { shorten, splitDelta } from './text';
import { titleFromModel, titleFromQuestion } from './title';
import { runTool, type ToolRun } from './tool-runner';

const requestSchema = z.object({
  content: z
    .string()
    .trim()
    .min(1, 'must not be blank')
    .max(MAX_USER_MESSAGE_CHARACTERS, `must be at most ${MAX_USER_MESSAGE_CHARACTERS} characters`),
  clientMessageId: clientMessageIdSchema,
  options: turnOptionsSchema.optional(),
});

/** Why a turn's controller was aborted. */
type StopCause = 'cancel' | 'timeout';

/** The call index usage of a title is recorded under (the turn's model calls count from 0). */
const TITLE_CALL_INDEX = 1000;
const TITLE_TIMEOUT_MS = 15_000;
/** After its time limit plus this, a turn still marked running has lost its process. */
const LOST_TURN_GRACE_MS = 60_000;

interface RunningTurn {
  readonly ownerId: string;
  readonly controller: AbortController;
  done: Promise<TurnOutcome>;
}

/** Everything one run needs. */
interface TurnContext {
  readonly ownerId: string;
  readonly turnId: string;
  readonly session: Session;
  readonly userMessageId: string;
  readonly question: string;
  readonly options: TurnOptions;
  /** What the model is asked for (a catalog id). */
  readonly requestedModel: string;
  /** What answers (see `modelIdFor`). */
  readonly model: string;
  readonly sessions: TurnSessionStore;
  readonly turns: TurnRecordStore;
  readonly controller: AbortController;
  readonly startOptions: StartTurnOptions;
}

/** The answer as it builds up. */
interface TurnState {
  text: string;
  readonly toolCalls: ToolCallRecord[];
  inputTokens: number;
  outputTokens: number;
  costUsd: number | null;
  stopReason: string;
  failure: { code: string; message: string } | undefined;
  tracker: CitationTracker;
  /** Model calls made, for usage's call index. */
  calls: number;
}

interface ToolUse {
  readonly toolUseId: string;
  readonly name: string;
  readonly input: unknown;
}

interface ModelCallResult {
  readonly stopReason: string | undefined;
  readonly text: string;
  readonly toolUses: readonly ToolUse[];
}

/**
 * The turn engine (ARCHITECTURE §3, "Chat turn"): checks the session's owner, stores the user
 * message (idempotent on clientMessageId), retrieves passages, assembles the prompt, streams the
 * model with the owner's tools, runs tool calls in bounded steps, stores the answer with its
 * citations, tool calls, usage and stop reason, and records usage and cost. Every event is
 * delivered live and stored in batches; a turn can be cancelled from any process.
 *
 * @example
 * const engine = createTurnEngine({ sessions, turns, usage, chatModel, clock, nextId, logger });
 * const turn = await engine.start(
 *   { ownerId, sessionId, content: 'Hi', clientMessageId: 'c1' },
 *   { onEvent: (event) => socket.send(event) },
 * );
 * const outcome = await turn.done;
 */
export function createTurnEngine(deps: TurnEngineDeps): TurnEngineInstance {
  return new DefaultTurnEngine(deps);
}

class DefaultTurnEngine implements TurnEngineInstance {
  private readonly deps: TurnEngineDeps;
  private readonly settings: TurnEngineSettings;
  private readonly running = new Map<string, RunningTurn>();

  constructor(deps: TurnEngineDeps) {
    this.deps = deps;
    this.settings = checkSettings({ ...DEFAULT_TURN_ENGINE_SETTINGS, ...deps.settings });
  }

  async start(request: TurnRequest, options: StartTurnOptions = {}): Promise<StartedTurn> {
    const parsed = requestSchema.safeParse(request);
    if (!parsed.success) {
      const details = parsed.error.issues.map((issue) => ({
        path: issue.path.map(String).join('.'),
        message: issue.message,
      }));
      const first = details[0];
      throw new ValidationError(
        `The message is invalid${first ? ` (${first.path}: ${first.message})` : ''}.`,
        { code: 'INVALID_TURN_REQUEST', details },
      );
    }
    const { content, clientMessageId } = parsed.data;
    const turnOptions = parsed.data.options ?? {};
    const candidateTurnId = options.turnId ?? this.deps.nextId();
    if (!isUlid(candidateTurnId)) {
      throw new ValidationError('The turn id must be a ULID.', { code: 'INVALID_TURN_ID' });
    }
    const { ownerId, sessionId } = request;
    const sessions = this.deps.sessions(ownerId);
    const turns = this.deps.turns(ownerId);
    const session = await sessions.getSession(sessionId);
    const userMessage = await sessions.appendMessage(sessionId, {
      role: 'user',
      content: [{ type: 'text', text: content }],
      clientMessageId,
      turnId: candidateTurnId,
    });
    // A repeated clientMessageId returns the first message, which names the first turn.
    const turnId = userMessage.turnId ?? candidateTurnId;
    const requestedModel = turnOptions.model ?? session.model;
    const model = this.settings.modelIdFor(requestedModel);
    const { turn, created } = await turns.create({
      turnId,
      sessionId,
      userMessageId: userMessage.id,
      model,
      ...(session.expiresAt === undefined ? {} : { sessionExpiresAt: session.expiresAt }),
    });
    if (!created) {
      return {
        turnId,
        sessionId,
        userMessageId: turn.userMessageId,
        duplicate: true,
        done: this.outcomeOf(ownerId, turn),
      };
    }
    // Created now: a new turn, or one whose first attempt stored the message and then died.
    const controller = new AbortController();
    const entry: RunningTurn = {
      ownerId,
      controller,
      done: Promise.resolve(failedOutcome(turnId)),
    };
    this.running.set(turnId, entry);
    const context: TurnContext = {
      ownerId,
      turnId,
      session,
      userMessageId: userMessage.id,
      question: content,
      options: turnOptions,
      requestedModel,
      model,
      sessions,
      turns,
      controller,
      startOptions: options,
    };
    entry.done = this.run(context).finally(() => this.running.delete(turnId));
    return { turnId, sessionId, userMessageId: userMessage.id, duplicate: false, done: entry.done };
  }

  async cancel(ownerId: string, turnId: string): Promise<void> {
    // The stored flag first: it is what another process running the turn polls, and it proves
    // the turn is this owner's before anything local is touched.
    await this.deps.turns(ownerId).requestCancel(turnId);
    const local = this.running.get(turnId);
    if (local !== undefined && local.ownerId === ownerId) abortWith(local.controller, 'cancel');
  }

  async replay(
    ownerId: string,
    turnId: string,
    afterSeq: number,
  ): Promise<{ sessionId: string; events: TurnEvent[]; ended: boolean }> {
    const turn = await this.deps.turns(ownerId).get(turnId);
    let stored;
    try {
      stored = await this.deps
        .sessions(ownerId)
        .listTurnEvents(turn.sessionId, turnId, { afterSeq });
    } catch (error) {
      // The session was deleted: its turns went with it.
      if (isAppError(error) && error.code === 'SESSION_NOT_FOUND') {
        throw new NotFoundError('Turn', turnId);
      }
      throw error;
    }
    const events: TurnEvent[] = [];
    for (const item of stored) {
      const event = turnEventSchema.safeParse({
        turnId,
        sessionId: turn.sessionId,
        seq: item.seq,
        type: item.type,
        data: item.data,
      });
      if (event.success) events.push(event.data);
      else this.deps.logger.error({ turnId, seq: item.seq }, 'a stored turn event is malformed');
    }
    const lost =
      turn.status === 'running' &&
      this.deps.clock.now().getTime() - Date.parse(turn.createdAt) >
        this.settings.turnTimeLimitMs + LOST_TURN_GRACE_MS;
    const ended = turn.status !== 'running' || events.some(isTerminalTurnEvent) || lost;
    return { sessionId: turn.sessionId, events, ended };
  }

  runningTurns(): number {
    return this.running.size;
  }

  async shutdown(): Promise<void> {
    const turns = [...this.running.values()];
    for (const turn of turns) abortWith(turn.controller, 'cancel');
    await Promise.all(turns.map((turn) => turn.done));
  }

  /** Runs a started turn to its end. Never rejects. */
  private async run(context: TurnContext): Promise<TurnOutcome> {
    // Let the caller acknowledge the turn (it has `StartedTurn` once this microtask queue drains)
    // before the first live event.
    await new Promise((resolve) => setImmediate(resolve));
    const { turnId, controller, ownerId } = context;
    const log = new TurnEventLog({
      turnId,
      sessionId: context.session.id,
      sink: context.sessions,
      onEvent: context.startOptions.onEvent,
      flushIntervalMs: this.settings.flushIntervalMs,
      flushMaxEvents: this.settings.flushMaxEvents,
      logger: this.deps.logger,
    });
    const callerSignal = context.startOptions.signal;
    const onCallerAbort = (): void => abortWith(controller, 'cancel');
    if (callerSignal?.aborted) onCallerAbort();
    callerSignal?.addEventListener('abort', onCallerAbort, { once: true });
    const timeLimit = setTimeout(
      () => abortWith(controller, 'timeout'),
      this.settings.turnTimeLimitMs,
    );
    const stopPolling = this.pollCancelFlag(context);
    const state: TurnState = {
      text: '',
      toolCalls: [],
      inputTokens: 0,
      outputTokens: 0,
      costUsd: 0,
      stopReason: 'end_turn',
      failure: undefined,
      tracker: new CitationTracker(new Map()),
      calls: 0,
    };
    let outcome: TurnOutcome;
    try {
      try {
        await this.answer(context, log, state);
      } catch (error) {
        state.failure = this.toFailure(error, turnId);
      }
      stopPolling();
      clearTimeout(timeLimit);
      outcome = await this.finalize(context, log, state);
    } catch (error) {
      // Only a bug gets here (finalize handles storage failures itself).
      this.deps.logger.error({ err: error, turnId }, 'turn failed unexpectedly');
      const failure = {
        code: 'INTERNAL_ERROR',
        message: 'The turn failed because of an internal error.',
      };
      log.emit('turn.failed', { error: failure });
      outcome = { turnId, status: 'failed', error: failure };
    } finally {
      stopPolling();
      clearTimeout(timeLimit);
      callerSignal?.removeEventListener('abort', onCallerAbort);
    }
    await log.close();
    try {
      await context.turns.finish(turnId, {
        status: outcome.status,
        lastSeq: Math.max(0, log.lastSeq),
        ...(outcome.messageId === undefined ? {} : { messageId: outcome.messageId }),
      });
    } catch (error) {
      this.deps.logger.warn({ err: error, turnId }, 'could not mark the turn ended');
    }
    if (outcome.status === 'complete') await this.maybeTitle(context);
    this.deps.logger.info(
      { turnId, ownerId, status: outcome.status, events: log.lastSeq + 1 },
      'turn ended',
    );
    return outcome;
  }

  /** Retrieval, prompt, model calls and tool steps. Throws only for failures that end the turn. */
  private async answer(context: TurnContext, log: TurnEventLog, state: TurnState): Promise<void> {
    const { signal } = context.controller;
    const knowledgeBase =
      context.options.knowledgeBase !== false && this.deps.knowledgeBase !== undefined
        ? this.deps.knowledgeBase(context.ownerId)
        : undefined;
    log.emit('turn.started', {
      userMessageId: context.userMessageId,
      model: context.model,
      knowledgeBase: knowledgeBase !== undefined,
    });
    const [retrieval, history, tools] = await Promise.all([
      this.retrieve(context, knowledgeBase),
      this.loadHistory(context),
      this.listTools(context),
    ]);
    if (signal.aborted) return;

    const prompt = assemblePrompt({
      question: context.question,
      history,
      passages: retrieval.passages,
      options: this.settings.promptBudget,
    });
    const byChunk = new Map(retrieval.passages.map((passage) => [passage.chunkId, passage]));
    const offered = new Map<string, Citation>();
    for (const [id, citation] of prompt.citations) {
      const text = byChunk.get(citation.chunkId)?.text ?? '';
      offered.set(id, {
        id,
        chunkId: citation.chunkId,
        documentId: citation.documentId,
        title: citation.title,
        pageStart: citation.pageStart,
        pageEnd: citation.pageEnd,
        headingPath: [...citation.headingPath],
        text: shorten(text, this.settings.citationTextChars).text,
        score: citation.score,
      });
    }
    state.tracker = new CitationTracker(offered);
    const hasTools = tools.length > 0;
    let system: string;
    if (offered.size > 0) {
      system = hasTools ? withToolRule(prompt.system, prompt.language) : prompt.system;
    } else {
      system = generalInstructions(prompt.language, {
        searched: retrieval.searched,
        tools: hasTools,
      });
    }

    const toolsByName = new Map<string, AvailableTool>();
    for (const tool of tools)
      if (!toolsByName.has(tool.spec.name)) toolsByName.set(tool.spec.name, tool);
    const specs = [...toolsByName.values()].map((tool) => tool.spec);
    const messages: ChatMessage[] = [...prompt.messages];
    let conversationHasToolBlocks = false;
    for (let step = 0; ; step += 1) {
      const offering = specs.length > 0 && step < this.settings.maxSteps;
      const request: ChatRequest = {
        modelId: context.requestedModel,
        system: specs.length > 0 && !offering ? `${system}\n\n${STEP_LIMIT_NOTE}` : system,
        messages: [...messages],
        // Bedrock refuses tool blocks in the conversation without a toolConfig, so after the step
        // limit the tools stay declared and the instructions tell the model to stop using them.
        ...(offering || conversationHasToolBlocks ? { tools: specs } : {}),
        ...(this.settings.maxOutputTokens === undefined
          ? {}
          : { inference: { maxTokens: this.settings.maxOutputTokens } }),
        signal,
      };
      const call = await this.callModel(context, log, state, request);
      if (signal.aborted || state.failure !== undefined) return;
      if (call.stopReason === 'tool_use' && call.toolUses.length > 0) {
        if (!offering) {
          // The model insists after the limit: nothing more runs.
          state.stopReason = 'step_limit';
          return;
        }
        conversationHasToolBlocks = true;
        messages.push({
          role: 'assistant',
          content: [
            ...(call.text.trim() === '' ? [] : [{ type: 'text' as const, text: call.text }]),
            ...call.toolUses.map((use): ContentBlock => ({
              type: 'tool_use',
              toolUseId: use.toolUseId,
              name: use.name,
              input: use.input,
            })),
          ],
        });
        const results = await this.runTools(context, log, state, call.toolUses, toolsByName);
        // Tool output goes back as tool_result blocks: data for the model, never instructions.
        messages.push({
          role: 'user',
          content: results.map(({ use, run }): ContentBlock => ({
            type: 'tool_result',
            toolUseId: use.toolUseId,
            status: run.status,
            content: [{ type: 'text', text: run.output === '' ? '(no output)' : run.output }],
          })),
        });
        if (signal.aborted) return;
        continue;
      }
      state.stopReason = call.stopReason ?? 'end_turn';
      return;
    }
  }

  /** One streamed model call: forwards text, collects tool uses, records usage. */
  private async callModel(
    context: TurnContext,
    log: TurnEventLog,
    state: TurnState,
    request: ChatRequest,
  ): Promise<ModelCallResult> {
    const { signal } = context.controller;
    const callIndex = state.calls;
    state.calls += 1;
    let text = '';
    let stopReason: string | undefined;
    let usage: TokenUsage | undefined;
    const toolUses: ToolUse[] = [];
    const toolNames = new Map<string, string>();
    const emitText = (delta: string): void => {
      state.text += delta;
      for (const piece of splitDelta(delta)) log.emit('text.delta', { text: piece });
      for (const citation of state.tracker.feed(delta)) log.emit('citation', citation);
    };
    let iterator: AsyncIterator<ChatStreamEvent> | undefined;
    const aborted = abortPromise(signal);
    try {
      iterator = this.deps.chatModel.stream(request)[Symbol.asyncIterator]();
      for (;;) {
        const next = await Promise.race([iterator.next(), aborted]);
        if (next === ABORTED || next.done === true) break;
        const event = next.value;
        switch (event.type) {
          case 'text_delta':
            if (event.text === '') break;
            // Text after a tool step starts a new paragraph, in the live stream and the answer.
            if (text === '' && state.text !== '' && !/\s$/u.test(state.text)) emitText('\n\n');
            text += event.text;
            emitText(event.text);
            break;
          case 'tool_use_start':
            toolNames.set(event.toolUseId, event.name);
            break;
          case 'tool_use_stop':
            toolUses.push({
              toolUseId: event.toolUseId,
              name: toolNames.get(event.toolUseId) ?? '',
              input: event.input,
            });
            break;
          case 'usage':
            usage = event.usage;
            break;
          case 'stop':
            stopReason = event.reason;
            break;
          case 'error':
            state.failure = { code: event.code, message: event.message };
            break;
          default:
            break;
        }
        if (state.failure !== undefined) break;
      }
    } catch (error) {
      if (!signal.aborted) state.failure = this.toFailure(error, context.turnId);
    } finally {
      // Closes the model's stream when we stopped early; never awaited: a stream that ignores
      // its signal must not hold the turn.
      if (iterator?.return !== undefined && (signal.aborted || state.failure !== undefined)) {
        void iterator.return().catch(() => undefined);
      }
    }
    await this.recordUsage(context, state, callIndex, request, usage, text, toolUses.length);
    return { stopReason, text, toolUses };
  }

  /** Runs one step's tool calls side by side; events in the order things happen. */
  private async runTools(
    context: TurnContext,
    log: TurnEventLog,
    state: TurnState,
    uses: readonly ToolUse[],
    toolsByName: ReadonlyMap<string, AvailableTool>,
  ): Promise<{ use: ToolUse; run: ToolRun }[]> {
    const executor = this.deps.toolExecutor;
    for (const use of uses) {
      const server = toolsByName.get(use.name)?.server;
      log.emit('tool.call', {
        toolUseId: use.toolUseId,
        name: use.name,
        ...(server === undefined ? {} : { server }),
        input: use.input,
      });
    }
    const records: (ToolCallRecord | undefined)[] = uses.map(() => undefined);
    const results = await Promise.all(
      uses.map(async (use, index) => {
        let run: ToolRun;
        if (index >= this.settings.maxToolCallsPerStep) {
          run = errorRun(
            `Not run: at most ${this.settings.maxToolCallsPerStep} tool calls run at once.`,
          );
        } else if (executor === undefined || !toolsByName.has(use.name)) {
          run = errorRun(`Unknown tool '${use.name}'.`);
        } else {
          run = await runTool(executor, {
            ownerId: context.ownerId,
            name: use.name,
            input: use.input,
            timeoutMs: this.settings.toolTimeoutMs,
            maxOutputChars: this.settings.maxToolOutputChars,
            signal: context.controller.signal,
          });
        }
        log.emit('tool.result', {
          toolUseId: use.toolUseId,
          name: use.name,
          status: run.status,
          output: run.output,
          truncated: run.truncated,
          durationMs: run.durationMs,
        });
        const server = toolsByName.get(use.name)?.server;
        records[index] = {
          toolUseId: use.toolUseId,
          name: use.name,
          ...(server === undefined ? {} : { server }),
          input: use.input,
          status: run.status,
          output: run.output,
          truncated: run.truncated,
          durationMs: run.durationMs,
        };
        return { use, run };
      }),
    );
    for (const record of records) if (record !== undefined) state.toolCalls.push(record);
    return results;
  }

  /** Stores the answer and emits the terminal event. */
  private async finalize(
    context: TurnContext,
    log: TurnEventLog,
    state: TurnState,
  ): Promise<TurnOutcome> {
    const { turnId } = context;
    const cause = stopCause(context.controller.signal);
    let failure = state.failure;
    if (failure === undefined && cause === 'timeout') {
      failure = {
        code: 'TURN_TIMEOUT',
        message: `The answer took longer than ${Math.round(this.settings.turnTimeLimitMs / 1000)} s and was stopped.`,
      };
    }
    let status: TurnStatus =
      failure !== undefined ? 'failed' : cause === 'cancel' ? 'cancelled' : 'complete';
    const stopReason =
      status === 'cancelled' ? 'cancelled' : status === 'failed' ? 'error' : state.stopReason;
    const usage = {
      inputTokens: state.inputTokens,
      outputTokens: state.outputTokens,
      costUsd: state.costUsd,
    };

    let messageId: string | undefined;
    // A failure before any output stores nothing; everything else stores what there is.
    if (status !== 'failed' || state.text !== '' || state.toolCalls.length > 0) {
      try {
        const message = await context.sessions.appendMessage(context.session.id, {
          role: 'assistant',
          content: [{ type: 'text', text: state.text }],
          turnId,
          citations: state.tracker.all() as unknown as JsonValue[],
          toolCalls: state.toolCalls as unknown as JsonValue[],
          usage: { inputTokens: usage.inputTokens, outputTokens: usage.outputTokens },
          stopReason: stopReason.slice(0, 64),
          status,
        });
        messageId = message.id;
      } catch (error) {
        this.deps.logger.error({ err: error, turnId }, 'could not store the answer');
        status = 'failed';
        failure ??= this.toFailure(error, turnId);
      }
    }

    if (status === 'failed') {
      const error = failure ?? { code: 'INTERNAL_ERROR', message: 'The turn failed.' };
      log.emit('turn.failed', { ...(messageId === undefined ? {} : { messageId }), error });
      return { turnId, status, ...(messageId === undefined ? {} : { messageId }), error };
    }
    // Stored whenever the status is not failed (the catch above turns a failed store into one).
    const storedId = messageId ?? '';
    log.emit('turn.completed', { messageId: storedId, status, stopReason, usage });
    return { turnId, status, messageId: storedId };
  }

  private async retrieve(
    context: TurnContext,
    knowledgeBase: KnowledgeBase | undefined,
  ): Promise<{ passages: readonly RetrievedPassage[]; searched: boolean }> {
    if (knowledgeBase === undefined) return { passages: [], searched: false };
    const { signal } = context.controller;
    try {
      if (!(await knowledgeBase.hasReadyDocuments())) return { passages: [], searched: false };
      const passages = await knowledgeBase.retrieve(context.question, { signal });
      return { passages, searched: true };
    } catch (error) {
      if (!signal.aborted) {
        this.deps.logger.warn(
          { err: error, turnId: context.turnId },
          'retrieval failed; answering without passages',
        );
      }
      return { passages: [], searched: false };
    }
  }

  private async loadHistory(context: TurnContext): Promise<ChatMessage[]> {
    if (this.settings.historyMessages === 0) return [];
    try {
      const messages: Message[] = [];
      let cursor: string | undefined;
      do {
        const page = await context.sessions.listMessages(context.session.id, {
          limit: 100,
          ...(cursor === undefined ? {} : { cursor }),
        });
        messages.push(...page.items);
        cursor = page.nextCursor;
        // Keep memory bounded on very long sessions: only the tail is used.
        if (messages.length > 4 * this.settings.historyMessages + 100) {
          messages.splice(0, messages.length - (4 * this.settings.historyMessages + 100));
        }
      } while (cursor !== undefined);
      return toHistory(messages, {
        beforeMessageId: context.userMessageId,
        limit: this.settings.historyMessages,
      });
    } catch (error) {
      this.deps.logger.warn(
        { err: error, turnId: context.turnId },
        'could not read the history; answering without it',
      );
      return [];
    }
  }

  private async listTools(context: TurnContext): Promise<AvailableTool[]> {
    const executor = this.deps.toolExecutor;
    if (executor === undefined || context.options.tools === false) return [];
    try {
      return await executor.listTools(context.ownerId, { signal: context.controller.signal });
    } catch (error) {
      if (!context.controller.signal.aborted) {
        this.deps.logger.warn(
          { err: error, turnId: context.turnId },
          'listing tools failed; answering without tools',
        );
      }
      return [];
    }
  }

  private async recordUsage(
    context: TurnContext,
    state: TurnState,
    callIndex: number,
    request: ChatRequest,
    reported: TokenUsage | undefined,
    text: string,
    toolUses: number,
  ): Promise<void> {
    let usage = reported;
    if (usage === undefined) {
      // Nothing came back: a call refused before output costs nothing. A call stopped mid-answer
      // (cancel, stream failure) reports no usage, so it is estimated rather than lost.
      if (text === '' && toolUses === 0) return;
      usage = {
        inputTokens: approximateTokens(
          [request.system ?? '', ...request.messages.map(messageText)].join('\n'),
        ),
        outputTokens: approximateTokens(text),
      };
    }
    const price = this.settings.priceOf(context.model, usage);
    state.inputTokens += usage.inputTokens;
    state.outputTokens += usage.outputTokens;
    state.costUsd = state.costUsd === null || price === null ? null : round(state.costUsd + price);
    await this.saveUsage(context, callIndex, usage, price);
  }

  private async saveUsage(
    context: TurnContext,
    callIndex: number,
    usage: TokenUsage,
    price: number | null,
  ): Promise<void> {
    try {
      await this.deps.usage(context.ownerId).record({
        turnId: context.turnId,
        callIndex,
        sessionId: context.session.id,
        modelId: context.model,
        at: this.deps.clock.now(),
        inputTokens: usage.inputTokens,
        outputTokens: usage.outputTokens,
        costUsd: price ?? 0,
      });
    } catch (error) {
      // Usage is accounting, not the answer: a failed write is logged, the turn goes on.
      this.deps.logger.warn({ err: error, turnId: context.turnId }, 'could not record usage');
    }
  }

  /** Reads the stored cancel flag every `cancelPollMs` while the turn runs. */
  private pollCancelFlag(context: TurnContext): () => void {
    let polling = false;
    const timer = setInterval(() => {
      if (polling || context.controller.signal.aborted) return;
      polling = true;
      context.turns
        .isCancelRequested(context.turnId)
        .then((requested) => {
          if (requested) abortWith(context.controller, 'cancel');
        })
        .catch((error: unknown) =>
          this.deps.logger.warn({ err: error, turnId: context.turnId }, 'cancel poll failed'),
        )
        .finally(() => {
          polling = false;
        });
    }, this.settings.cancelPollMs);
    timer.unref?.();
    return () => clearInterval(timer);
  }

  /** A title for a session still named by default, after its first complete answer. */
  private async maybeTitle(context: TurnContext): Promise<void> {
    const { session } = context;
    if (this.settings.titles === 'off' || session.title !== DEFAULT_SESSION_TITLE) return;
    try {
      let title: string | undefined;
      if (this.settings.titles === 'model') {
        try {
          const generated = await titleFromModel(
            this.deps.chatModel,
            context.requestedModel,
            context.question,
            AbortSignal.timeout(TITLE_TIMEOUT_MS),
          );
          const price = this.settings.priceOf(context.model, generated.usage);
          await this.saveUsage(context, TITLE_CALL_INDEX, generated.usage, price);
          if (generated.title !== '') title = generated.title;
        } catch (error) {
          this.deps.logger.warn(
            { err: error, turnId: context.turnId },
            'title generation failed; using the question',
          );
        }
      }
      title ??= titleFromQuestion(context.question);
      const updated = await context.sessions.updateSession(session.id, { title }, session.version);
      const change: SessionUpdate = {
        id: updated.id,
        title: updated.title,
        updatedAt: updated.updatedAt,
      };
      this.notify(context, change);
    } catch (error) {
      // Renamed meanwhile (a version conflict) or deleted: the user's choice wins.
      if (!(error instanceof ConflictError)) {
        this.deps.logger.warn({ err: error, turnId: context.turnId }, 'could not set the title');
      }
    }
  }

  private notify(context: TurnContext, change: SessionUpdate): void {
    for (const listener of [
      (value: SessionUpdate) => this.deps.onSessionUpdated?.(context.ownerId, value),
      context.startOptions.onSessionUpdated,
    ]) {
      try {
        listener?.(change);
      } catch (error) {
        this.deps.logger.warn({ err: error, turnId: context.turnId }, 'session listener failed');
      }
    }
  }

  /** The outcome of a turn another start (or process) runs. */
  private async outcomeOf(ownerId: string, turn: TurnRecord): Promise<TurnOutcome> {
    const local = this.running.get(turn.turnId);
    if (local !== undefined && local.ownerId === ownerId) return local.done;
    const deadline = Date.now() + this.settings.turnTimeLimitMs + LOST_TURN_GRACE_MS;
    let current = turn;
    while (current.status === 'running') {
      if (Date.now() > deadline) {
        return {
          turnId: turn.turnId,
          status: 'failed',
          error: { code: 'TURN_LOST', message: 'The turn stopped without finishing.' },
        };
      }
      await new Promise((resolve) => setTimeout(resolve, this.settings.cancelPollMs));
      try {
        current = await this.deps.turns(ownerId).get(turn.turnId);
      } catch (error) {
        return { turnId: turn.turnId, status: 'failed', error: this.toFailure(error, turn.turnId) };
      }
    }
    return this.endedOutcome(ownerId, current);
  }

  private async endedOutcome(ownerId: string, turn: TurnRecord): Promise<TurnOutcome> {
    const status: TurnStatus = turn.status === 'running' ? 'failed' : turn.status;
    const base = {
      turnId: turn.turnId,
      status,
      ...(turn.messageId === undefined ? {} : { messageId: turn.messageId }),
    };
    if (status !== 'failed') return base;
    try {
      const { events } = await this.replay(
        ownerId,
        turn.turnId,
        Math.max(-1, (turn.lastSeq ?? 0) - 1),
      );
      const terminal = events.find((event) => event.type === 'turn.failed');
      if (terminal?.type === 'turn.failed') return { ...base, error: terminal.data.error };
    } catch {
      // Fall through to a generic error.
    }
    return { ...base, error: { code: 'TURN_FAILED', message: 'The turn failed.' } };
  }

  /** An error as the `turn.failed` event carries it; internal details stay in the logs. */
  private toFailure(error: unknown, turnId: string): { code: string; message: string } {
    if (isAppError(error) && (error.status < 500 || MODEL_ERROR.test(error.code))) {
      // Client mistakes and the model adapters' errors are written for the user.
      return { code: error.code, message: error.message };
    }
    this.deps.logger.error({ err: error, turnId }, 'turn failed');
    if (isAppError(error) && error.status === 503) {
      // Storage outages name tables and operations: keep the code, not the message.
      return { code: error.code, message: 'A service the answer needs is unavailable; try again.' };
    }
    return { code: 'INTERNAL_ERROR', message: 'The turn failed because of an internal error.' };
  }
}

const ABORTED = Symbol('aborted');
/** Codes of the model adapters' errors (@lgm/bedrock), whose messages are meant for users. */
const MODEL_ERROR = /^(MODEL_|CONTEXT_TOO_LONG$)/u;

function abortPromise(signal: AbortSignal): Promise<typeof ABORTED> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve(ABORTED);
    else signal.addEventListener('abort', () => resolve(ABORTED), { once: true });
  });
}

function abortWith(controller: AbortController, cause: StopCause): void {
  if (!controller.signal.aborted) controller.abort(cause);
}

function stopCause(signal: AbortSignal): StopCause | undefined {
  if (!signal.aborted) return undefined;
  return signal.reason === 'timeout' ? 'timeout' : 'cancel';
}

function errorRun(output: string): ToolRun {
  return { status: 'error', output, truncated: false, durationMs: 0 };
}

function failedOutcome(turnId: string): TurnOutcome {
  return {
    turnId,
    status: 'failed',
    error: { code: 'INTERNAL_ERROR', message: 'The turn did not start.' },
  };
}

function messageText(message: ChatMessage): string {
  return message.content
    .map((block) => {
      if (block.type === 'text') return block.text;
      if (block.type === 'tool_use') return JSON.stringify(block.input) ?? '';
      if (block.type === 'tool_result') {
        return block.content.map((part) => (part.type === 'text' ? part.text : '')).join('\n');
      }
      return '';
    })
    .join('\n');
}

const round = (dollars: number): number => Math.round(dollars * 1e8) / 1e8;
