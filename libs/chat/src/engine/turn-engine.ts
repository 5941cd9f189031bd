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
import { CancelWatch, type WatchedTurn } from './cancel-watch';
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
  /** See `TurnContext.recorded`. */
  readonly recorded: Promise<boolean>;
  done: Promise<TurnOutcome>;
}

/** What a turn reads before its first model call; started as early as each can be. */
interface Prefetch {
  readonly retrieval: Promise<{ passages: readonly RetrievedPassage[]; searched: boolean }>;
  readonly tools: Promise<AvailableTool[]>;
  /** The session's stored messages (the turn's own among them: `toHistory` drops it). */
  readonly messages: Promise<Message[]>;
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
  /**
   * Settles once the turn's record is written: true when this start created it; false when the
   * id turned out to be recorded already (then this run is not the turn's and stores nothing);
   * rejected when the write failed (the turn fails).
   */
  readonly recorded: Promise<boolean>;
  readonly prefetch: Prefetch;
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
  private readonly cancelWatch: CancelWatch;

  constructor(deps: TurnEngineDeps) {
    this.deps = deps;
    this.settings = checkSettings({ ...DEFAULT_TURN_ENGINE_SETTINGS, ...deps.settings });
    this.cancelWatch = new CancelWatch({
      read: deps.cancelFlags ?? ((turns) => this.readCancelFlagsOneByOne(turns)),
      intervalMs: this.settings.cancelPollMs,
      logger: deps.logger,
    });
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
    const controller = new AbortController();
    // Before the first token, as much as can overlap does, in an order that keeps the path to
    // the ack short. Retrieval reads only this owner's own documents and needs only the question:
    // it starts at once, beside the session check and the user message's writes. The history and
    // the tool listing start once the message is stored, beside the turn's record (a store that
    // serialises requests, as the local one does, would otherwise queue them ahead of the writes
    // the ack waits for). A start that ends early (refused, duplicate) aborts them; none rejects.
    const sessionRead = sessions.getSession(sessionId);
    const knowledgeBase =
      turnOptions.knowledgeBase !== false && this.deps.knowledgeBase !== undefined
        ? this.deps.knowledgeBase(ownerId)
        : undefined;
    const retrieval = this.retrieve(knowledgeBase, content, controller.signal, candidateTurnId);
    let session: Session;
    let appended: { message: Message; created: boolean };
    try {
      session = await sessionRead;
      // The session object stands for the owner check just made: no second read of it.
      appended = await sessions.append(session, {
        role: 'user',
        content: [{ type: 'text', text: content }],
        clientMessageId,
        turnId: candidateTurnId,
      });
    } catch (error) {
      abortWith(controller, 'cancel');
      throw error;
    }
    const userMessage = appended.message;
    // A repeated clientMessageId returns the first message, which names the first turn.
    const turnId = userMessage.turnId ?? candidateTurnId;
    const requestedModel = turnOptions.model ?? session.model;
    const model = this.settings.modelIdFor(requestedModel);
    const record = {
      turnId,
      sessionId,
      userMessageId: userMessage.id,
      model,
      ...(session.expiresAt === undefined ? {} : { sessionExpiresAt: session.expiresAt }),
    };
    let recorded: Promise<boolean>;
    if (appended.created) {
      // A message stored just now names a turn nobody has recorded: the turn starts at once and
      // its record is written beside the reads (the run waits for it before the model).
      recorded = turns.create(record).then(({ created }) => created);
      // Handled by the run; this only keeps a rejection from counting as unhandled meanwhile.
      recorded.catch(() => undefined);
    } else {
      // A retried message: its turn may be running or over, or its first attempt died before
      // recording it. The record decides, before anything runs.
      let created: { turn: TurnRecord; created: boolean };
      try {
        created = await turns.create(record);
      } catch (error) {
        abortWith(controller, 'cancel');
        throw error;
      }
      if (!created.created) {
        abortWith(controller, 'cancel');
        return {
          turnId,
          sessionId,
          userMessageId: created.turn.userMessageId,
          duplicate: true,
          done: this.outcomeOf(ownerId, created.turn),
        };
      }
      recorded = Promise.resolve(true);
    }
    const messages = this.loadMessages(sessions, session, turnId);
    const tools = this.listTools(ownerId, turnOptions, controller.signal, turnId);
    const entry: RunningTurn = {
      ownerId,
      controller,
      recorded,
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
      recorded,
      prefetch: { retrieval, tools, messages },
    };
    entry.done = this.run(context).finally(() => this.running.delete(turnId));
    return { turnId, sessionId, userMessageId: userMessage.id, duplicate: false, done: entry.done };
  }

  async cancel(ownerId: string, turnId: string): Promise<void> {
    const local = this.running.get(turnId);
    if (local !== undefined && local.ownerId === ownerId) {
      // Running here for this owner: stopped at once. The stored flag follows for anyone else
      // watching, once the turn's record exists (it may still be on its way).
      abortWith(local.controller, 'cancel');
      if (!(await local.recorded.catch(() => false))) return;
    }
    // Otherwise the stored flag alone: it is what another process running the turn polls, and
    // it proves the turn is this owner's (TURN_NOT_FOUND if not).
    await this.deps.turns(ownerId).requestCancel(turnId);
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
    const { turnId, controller, ownerId, session } = context;
    const log = new TurnEventLog({
      turnId,
      sessionId: session.id,
      // The checked session: flushes do not read its META again (see SessionRef).
      store: (events) => context.sessions.putTurnEvents(session, turnId, events),
      // Stored once the record is this turn's; also when writing it failed (the events are the
      // session's, and a retry of the message runs the turn again over the same seqs).
      storeWhen: context.recorded.then(
        (created) => created,
        () => true,
      ),
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
    const stopPolling = this.watchCancelFlag(context);
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
        if (error !== NOT_THIS_TURN) state.failure = this.toFailure(error, turnId);
      }
      stopPolling();
      clearTimeout(timeLimit);
      if (!(await context.recorded.catch(() => true))) {
        return await this.abandon(context, log, callerSignal, onCallerAbort);
      }
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
    log.emit('turn.started', {
      userMessageId: context.userMessageId,
      model: context.model,
      knowledgeBase:
        context.options.knowledgeBase !== false && this.deps.knowledgeBase !== undefined,
    });
    const [created, retrieval, stored, tools] = await Promise.all([
      context.recorded,
      context.prefetch.retrieval,
      context.prefetch.messages,
      context.prefetch.tools,
    ]);
    if (!created) throw NOT_THIS_TURN;
    if (signal.aborted) return;
    const history =
      this.settings.historyMessages === 0
        ? []
        : toHistory(stored, {
            beforeMessageId: context.userMessageId,
            limit: this.settings.historyMessages,
          });

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
          usage: {
            inputTokens: usage.inputTokens,
            outputTokens: usage.outputTokens,
            // Whole micro-dollars: the stored usage holds integers, and a reload shows the cost.
            ...(usage.costUsd === null ? {} : { costMicroUsd: Math.round(usage.costUsd * 1e6) }),
          },
          stopReason: stopReason.slice(0, 64),
          model: context.model,
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

  /** Passages for the question. Never rejects. */
  private async retrieve(
    knowledgeBase: KnowledgeBase | undefined,
    question: string,
    signal: AbortSignal,
    turnId: string,
  ): Promise<{ passages: readonly RetrievedPassage[]; searched: boolean }> {
    if (knowledgeBase === undefined) return { passages: [], searched: false };
    try {
      if (!(await knowledgeBase.hasReadyDocuments())) return { passages: [], searched: false };
      if (signal.aborted) return { passages: [], searched: false };
      const passages = await knowledgeBase.retrieve(question, { signal });
      return { passages, searched: true };
    } catch (error) {
      if (!signal.aborted) {
        this.deps.logger.warn(
          { err: error, turnId },
          'retrieval failed; answering without passages',
        );
      }
      return { passages: [], searched: false };
    }
  }

  /** The session's messages (the tail of a long one), for the history. Never rejects. */
  private async loadMessages(
    sessions: TurnSessionStore,
    session: Session,
    turnId: string,
  ): Promise<Message[]> {
    if (this.settings.historyMessages === 0) return [];
    try {
      const messages: Message[] = [];
      let cursor: string | undefined;
      do {
        const page = await sessions.listMessages(session, {
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
      return messages;
    } catch (error) {
      this.deps.logger.warn(
        { err: error, turnId },
        'could not read the history; answering without it',
      );
      return [];
    }
  }

  /** The owner's tools, unless the turn asks for none. Never rejects. */
  private async listTools(
    ownerId: string,
    options: TurnOptions,
    signal: AbortSignal,
    turnId: string,
  ): Promise<AvailableTool[]> {
    const executor = this.deps.toolExecutor;
    if (executor === undefined || options.tools === false) return [];
    try {
      return await executor.listTools(ownerId, { signal });
    } catch (error) {
      if (!signal.aborted) {
        this.deps.logger.warn(
          { err: error, turnId },
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

  /** Watches the turn's stored cancel flag (from when its record exists) until stopped. */
  private watchCancelFlag(context: TurnContext): () => void {
    let stopped = false;
    let unwatch: (() => void) | undefined;
    void context.recorded.then(
      (created) => {
        if (!created || stopped) return;
        unwatch = this.cancelWatch.watch({ ownerId: context.ownerId, turnId: context.turnId }, () =>
          abortWith(context.controller, 'cancel'),
        );
      },
      () => undefined,
    );
    return () => {
      stopped = true;
      unwatch?.();
    };
  }

  /** The cancel flags of turns of any owners, one read per turn (without `cancelFlags`). */
  private async readCancelFlagsOneByOne(turns: readonly WatchedTurn[]): Promise<Set<string>> {
    const requested = new Set<string>();
    await Promise.all(
      turns.map(async ({ ownerId, turnId }) => {
        try {
          if (await this.deps.turns(ownerId).isCancelRequested(turnId)) requested.add(turnId);
        } catch (error) {
          this.deps.logger.warn({ err: error, turnId }, 'cancel poll failed');
        }
      }),
    );
    return requested;
  }

  /**
   * Ends a run whose turn id was already recorded when its record was written, which a new
   * message cannot cause (ids are fresh ULIDs) short of a bug: the turn belongs to whoever
   * recorded it, so this run stores nothing (no answer, no events, no end) and tells its
   * listener it failed.
   */
  private async abandon(
    context: TurnContext,
    log: TurnEventLog,
    callerSignal: AbortSignal | undefined,
    onCallerAbort: () => void,
  ): Promise<TurnOutcome> {
    callerSignal?.removeEventListener('abort', onCallerAbort);
    abortWith(context.controller, 'cancel');
    this.deps.logger.error({ turnId: context.turnId }, 'turn id already recorded; run abandoned');
    const error = { code: 'TURN_ID_TAKEN', message: 'The turn could not start; send it again.' };
    log.emit('turn.failed', { error });
    await log.close();
    return { turnId: context.turnId, status: 'failed', error };
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
/** Thrown inside a run whose turn id someone else recorded (see `abandon`). */
const NOT_THIS_TURN = Symbol('not this turn');
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
