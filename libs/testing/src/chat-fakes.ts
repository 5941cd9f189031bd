/**
 * In-memory fakes of the chat ports, for tests of the turn engine and the apps that run it: a
 * scripted `ChatModel`, a `ToolExecutor` over plain functions and a usage recorder.
 *
 * The types here are structural copies of `@lgm/bedrock`'s and `@lgm/chat`'s ports (those libs
 * test with @lgm/testing, so importing them here would make a dependency cycle). TypeScript
 * checks the fit wherever a fake is passed as the real port.
 */

/** What a model stream yields (`ChatStreamEvent` of @lgm/bedrock). */
export type FakeChatStreamEvent =
  | { readonly type: 'text_delta'; readonly text: string }
  | { readonly type: 'tool_use_start'; readonly toolUseId: string; readonly name: string }
  | { readonly type: 'tool_use_input_delta'; readonly toolUseId: string; readonly json: string }
  | { readonly type: 'tool_use_stop'; readonly toolUseId: string; readonly input: unknown }
  | {
      readonly type: 'usage';
      readonly usage: { readonly inputTokens: number; readonly outputTokens: number };
    }
  | {
      readonly type: 'stop';
      readonly reason:
        | 'end_turn'
        | 'tool_use'
        | 'max_tokens'
        | 'stop_sequence'
        | 'content_filtered'
        | 'guardrail_intervened'
        | 'cancelled';
    }
  | { readonly type: 'error'; readonly code: string; readonly message: string };

/** A text block of a message (the only block `complete` answers with). */
interface FakeTextBlock {
  readonly type: 'text';
  readonly text: string;
}

/** What the model was asked (`ChatRequest` of @lgm/bedrock, the fields tests look at). */
export interface FakeChatRequest {
  readonly modelId: string;
  readonly system?: string;
  readonly messages: readonly {
    readonly role: 'user' | 'assistant';
    readonly content: readonly unknown[];
  }[];
  readonly tools?: readonly {
    readonly name: string;
    readonly description: string;
    readonly inputSchema: Readonly<Record<string, unknown>>;
  }[];
  readonly signal?: AbortSignal;
}

/** One step of a scripted reply: an event to yield, or something to do first. */
export type ChatScriptStep =
  | FakeChatStreamEvent
  /** Waits this long (slow tokens). */
  | { readonly type: 'pause'; readonly ms: number }
  /** Waits until the request is aborted, then ends like a real adapter (`stop` cancelled). */
  | { readonly type: 'hang' }
  /** Waits until the promise settles (a test-controlled gate). */
  | { readonly type: 'gate'; readonly until: Promise<unknown> }
  /** Throws (before any output this is the adapter's "error before output" AppError). */
  | { readonly type: 'throw'; readonly error: Error };

/** A whole scripted reply: the steps of one model call. */
export type ChatScript = readonly ChatScriptStep[];

/** A scripted tool call of {@link chatReplies}.toolUse. */
export interface ScriptedToolUse {
  readonly toolUseId: string;
  readonly name: string;
  readonly input: unknown;
}

const words = (text: string): string[] => text.match(/\S+\s*|\s+/gu) ?? [];

/** Ready-made replies. Every reply that ends normally reports usage, then stops. */
export const chatReplies = {
  /** The text in one delta per word, usage, then `stop` (default `end_turn`). */
  text: (
    text: string,
    options: {
      readonly usage?: { inputTokens: number; outputTokens: number };
      readonly stopReason?: Extract<FakeChatStreamEvent, { type: 'stop' }>['reason'];
      /** The deltas to send instead of one per word. */
      readonly deltas?: readonly string[];
    } = {},
  ): ChatScript => {
    const deltas = options.deltas ?? words(text);
    return [
      ...deltas.map((delta): ChatScriptStep => ({ type: 'text_delta', text: delta })),
      {
        type: 'usage',
        usage: options.usage ?? { inputTokens: 10, outputTokens: Math.max(1, deltas.length) },
      },
      { type: 'stop', reason: options.stopReason ?? 'end_turn' },
    ];
  },
  /** Optional text, then tool calls (each input sent as one JSON delta), stop `tool_use`. */
  toolUse: (
    uses: readonly ScriptedToolUse[],
    options: {
      readonly text?: string;
      readonly usage?: { inputTokens: number; outputTokens: number };
    } = {},
  ): ChatScript => [
    ...words(options.text ?? '').map((delta): ChatScriptStep => ({
      type: 'text_delta',
      text: delta,
    })),
    ...uses.flatMap((use): ChatScriptStep[] => [
      { type: 'tool_use_start', toolUseId: use.toolUseId, name: use.name },
      { type: 'tool_use_input_delta', toolUseId: use.toolUseId, json: JSON.stringify(use.input) },
      { type: 'tool_use_stop', toolUseId: use.toolUseId, input: use.input },
    ]),
    { type: 'usage', usage: options.usage ?? { inputTokens: 10, outputTokens: 5 } },
    { type: 'stop', reason: 'tool_use' },
  ],
  /** Throws before any output (what adapters do with a refused or failed call). */
  failBeforeOutput: (error: Error): ChatScript => [{ type: 'throw', error }],
  /** Some text, then an `error` event (a failure after output started). */
  failAfterOutput: (text: string, code: string, message = 'The model failed.'): ChatScript => [
    ...words(text).map((delta): ChatScriptStep => ({ type: 'text_delta', text: delta })),
    { type: 'error', code, message },
  ],
  /** Some text, then nothing until the request is aborted (a cancel mid-answer). */
  hangAfter: (text: string): ChatScript => [
    ...words(text).map((delta): ChatScriptStep => ({ type: 'text_delta', text: delta })),
    { type: 'hang' },
  ],
} as const;

/** A `ChatModel` that plays scripted replies, one per call, in order. */
export interface ScriptedChatModel {
  stream(request: FakeChatRequest): AsyncIterable<FakeChatStreamEvent>;
  complete(request: FakeChatRequest): Promise<{
    readonly message: { readonly role: 'assistant'; readonly content: readonly FakeTextBlock[] };
    readonly stopReason: Extract<FakeChatStreamEvent, { type: 'stop' }>['reason'];
    readonly usage: { readonly inputTokens: number; readonly outputTokens: number };
  }>;
  /** Queues replies for the next calls (`stream` and `complete` share the queue). */
  enqueue(...replies: readonly ChatScript[]): void;
  /** Every request received, in order. */
  readonly requests: readonly FakeChatRequest[];
  /** Replies still queued. */
  pending(): number;
}

function waitForAbort(signal: AbortSignal | undefined): Promise<void> {
  if (signal === undefined) return new Promise<void>(() => undefined);
  if (signal.aborted) return Promise.resolve();
  return new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()));
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/**
 * Builds a scripted model. With an empty queue it answers `OK`. Like the real adapters it honours
 * `request.signal`: once aborted, the stream ends with `stop` reason `cancelled`.
 *
 * @example
 * const model = createScriptedChatModel();
 * model.enqueue(chatReplies.toolUse([{ toolUseId: 't1', name: 'clock', input: {} }]),
 *   chatReplies.text('It is noon.'));
 */
export function createScriptedChatModel(): ScriptedChatModel {
  const queue: ChatScript[] = [];
  const requests: FakeChatRequest[] = [];

  async function* play(request: FakeChatRequest): AsyncGenerator<FakeChatStreamEvent> {
    requests.push(request);
    const script = queue.shift() ?? chatReplies.text('OK');
    const { signal } = request;
    for (const step of script) {
      if (signal?.aborted) {
        yield { type: 'stop', reason: 'cancelled' };
        return;
      }
      switch (step.type) {
        case 'pause':
          await sleep(step.ms, signal);
          break;
        case 'hang':
          await waitForAbort(signal);
          yield { type: 'stop', reason: 'cancelled' };
          return;
        case 'gate':
          await Promise.race([step.until.catch(() => undefined), waitForAbort(signal)]);
          break;
        case 'throw':
          throw step.error;
        default:
          yield step;
          if (step.type === 'error') return;
      }
    }
    if (signal?.aborted) yield { type: 'stop', reason: 'cancelled' };
  }

  return {
    requests,
    stream: (request) => play(request),
    complete: async (request) => {
      let text = '';
      let usage = { inputTokens: 0, outputTokens: 0 };
      let stopReason: Extract<FakeChatStreamEvent, { type: 'stop' }>['reason'] = 'end_turn';
      for await (const event of play(request)) {
        if (event.type === 'text_delta') text += event.text;
        else if (event.type === 'usage') usage = { ...event.usage };
        else if (event.type === 'stop') stopReason = event.reason;
        else if (event.type === 'error') throw new Error(`${event.code}: ${event.message}`);
      }
      return {
        message: { role: 'assistant', content: [{ type: 'text', text }] },
        stopReason,
        usage,
      };
    },
    enqueue: (...replies) => {
      queue.push(...replies);
    },
    pending: () => queue.length,
  };
}

/** The outcome of a fake tool call (`ToolCallResult` of @lgm/chat). */
export interface FakeToolCallResult {
  readonly status: 'success' | 'error';
  readonly output: string;
  readonly truncated: boolean;
}

/** A tool of {@link createInMemoryToolExecutor}. */
export interface FakeTool {
  /** The name the model sees (Bedrock-valid: `[a-zA-Z0-9_-]{1,64}`). */
  readonly name: string;
  readonly description?: string;
  readonly inputSchema?: Readonly<Record<string, unknown>>;
  readonly server?: string;
  /** Runs the tool: a string is a successful output. Throwing is an `error` result. */
  run(
    input: unknown,
    context: { readonly ownerId: string; readonly signal?: AbortSignal },
  ): Promise<string | FakeToolCallResult> | string | FakeToolCallResult;
}

/** A recorded call of the in-memory executor. */
export interface FakeToolCall {
  readonly ownerId: string;
  readonly name: string;
  readonly input: unknown;
}

/** A `ToolExecutor` over plain functions. */
export interface InMemoryToolExecutor {
  listTools(
    ownerId: string,
    options?: { signal?: AbortSignal },
  ): Promise<
    {
      readonly spec: {
        readonly name: string;
        readonly description: string;
        readonly inputSchema: Readonly<Record<string, unknown>>;
      };
      readonly server?: string;
    }[]
  >;
  callTool(
    ownerId: string,
    name: string,
    input: unknown,
    options?: { signal?: AbortSignal },
  ): Promise<FakeToolCallResult>;
  /** Every call, in order. */
  readonly calls: readonly FakeToolCall[];
}

/**
 * Builds a tool executor that offers `tools` to every owner (or those `toolsFor` returns).
 *
 * @example
 * const tools = createInMemoryToolExecutor([{ name: 'clock', run: () => '12:00' }]);
 */
export function createInMemoryToolExecutor(
  tools: readonly FakeTool[],
  options: { readonly toolsFor?: (ownerId: string) => readonly FakeTool[] } = {},
): InMemoryToolExecutor {
  const calls: FakeToolCall[] = [];
  const available = (ownerId: string): readonly FakeTool[] => options.toolsFor?.(ownerId) ?? tools;
  return {
    calls,
    listTools: async (ownerId) =>
      available(ownerId).map((tool) => ({
        spec: {
          name: tool.name,
          description: tool.description ?? `The ${tool.name} tool.`,
          inputSchema: tool.inputSchema ?? { type: 'object', properties: {} },
        },
        ...(tool.server === undefined ? {} : { server: tool.server }),
      })),
    callTool: async (ownerId, name, input, callOptions = {}) => {
      calls.push({ ownerId, name, input });
      const tool = available(ownerId).find((candidate) => candidate.name === name);
      if (tool === undefined) {
        return { status: 'error', output: `Unknown tool '${name}'.`, truncated: false };
      }
      try {
        const result = await tool.run(input, {
          ownerId,
          ...(callOptions.signal === undefined ? {} : { signal: callOptions.signal }),
        });
        return typeof result === 'string'
          ? { status: 'success', output: result, truncated: false }
          : result;
      } catch (error) {
        return {
          status: 'error',
          output: error instanceof Error ? error.message : String(error),
          truncated: false,
        };
      }
    },
  };
}

/** A usage row of the fake recorder (`UsageRecord` of @lgm/persistence, normalized). */
export interface FakeUsageRecord {
  readonly ownerId: string;
  readonly turnId: string;
  readonly callIndex: number;
  readonly sessionId: string | null;
  readonly modelId: string;
  readonly at: Date;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly costUsd: number;
}

/** What `UsageRepository.record` accepts. */
export interface FakeUsageInput {
  readonly turnId: string;
  readonly callIndex?: number;
  readonly sessionId?: string | null;
  readonly modelId: string;
  readonly at: Date;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly costUsd: number;
}

/** In-memory usage rows of every owner; `forOwner` is one owner's `UsageRepository`. */
export interface InMemoryUsageRecorder {
  forOwner(ownerId: string): { record(input: FakeUsageInput): Promise<boolean> };
  /** Recorded rows, in order. */
  readonly records: readonly FakeUsageRecord[];
}

/** Idempotent per (owner, turn, call index) like the real `UsageRepository.record`. */
export function createInMemoryUsageRecorder(): InMemoryUsageRecorder {
  const records: FakeUsageRecord[] = [];
  return {
    records,
    forOwner: (ownerId) => ({
      record: async (input) => {
        const callIndex = input.callIndex ?? 0;
        const seen = records.some(
          (row) =>
            row.ownerId === ownerId && row.turnId === input.turnId && row.callIndex === callIndex,
        );
        if (seen) return false;
        records.push({ ...input, ownerId, callIndex, sessionId: input.sessionId ?? null });
        return true;
      },
    }),
  };
}
