/**
 * A ChatModel over the OpenAI-compatible Chat Completions API (`POST {baseUrl}/chat/completions`)
 * as Ollama, vLLM and llama.cpp serve it: streaming with tools, usage and cancellation, retries
 * before any output, and failures mapped to the same AppError codes as the Bedrock adapter.
 */
import { randomUUID } from 'node:crypto';

import { AppError } from '@lgm/core';

import {
  backoffDelay,
  invalidResponse,
  mapHttpFailure,
  networkFailure,
  type OpenAiConnectionOptions,
  readJsonBody,
  redact,
  requestHeaders,
  resolveConnection,
  type ResolvedConnection,
  responseFailure,
  RetryableFailure,
  timeoutError,
} from './openai-http';
import { SseParser } from './openai-sse';
import {
  chunkSchema,
  completionSchema,
  mapFinishReason,
  type OpenAiImageMode,
  type ToolCallDelta,
  toOpenAiMessages,
} from './openai-wire';
import type {
  ChatCompletion,
  ChatModel,
  ChatRequest,
  ChatStreamEvent,
  ContentBlock,
  TokenUsage,
} from './ports';

export interface OpenAiChatModelOptions extends OpenAiConnectionOptions {
  /** Catalog id → the server's model name (`llama3.1:8b`); ids not listed are sent as they are. */
  readonly models?: Readonly<Record<string, string>>;
  /** Longest silence between two stream chunks before the call fails. Default 60 s. */
  readonly idleTimeoutMs?: number;
  /** Whether images are sent as data URLs. Default `data-url`. */
  readonly images?: OpenAiImageMode;
}

/** Thrown inside an attempt when the caller aborted; turned into a `cancelled` stop. */
class Cancelled extends Error {}

/**
 * @example
 * const model = new OpenAiChatModel({ baseUrl: 'http://127.0.0.1:11434/v1' });
 * for await (const event of model.stream({ modelId: 'llama3.1', messages })) console.log(event);
 */
export class OpenAiChatModel implements ChatModel {
  private readonly connection: ResolvedConnection;
  private readonly models: Readonly<Record<string, string>>;
  private readonly idleTimeoutMs: number;
  private readonly images: OpenAiImageMode;

  constructor(options: OpenAiChatModelOptions) {
    this.connection = resolveConnection(options);
    this.models = options.models ?? {};
    this.idleTimeoutMs = options.idleTimeoutMs ?? 60_000;
    this.images = options.images ?? 'data-url';
  }

  async *stream(request: ChatRequest): AsyncGenerator<ChatStreamEvent, void, undefined> {
    const { signal } = request;
    if (signal?.aborted) {
      yield { type: 'stop', reason: 'cancelled' };
      return;
    }
    const body = JSON.stringify({
      ...this.requestBody(request),
      stream: true,
      stream_options: { include_usage: true },
    });
    for (let attempt = 0; ; attempt += 1) {
      let yielded = false;
      try {
        for await (const event of this.attempt(body, request)) {
          yielded = true;
          yield event;
        }
        return;
      } catch (error) {
        if (error instanceof Cancelled || signal?.aborted) {
          yield { type: 'stop', reason: 'cancelled' };
          return;
        }
        const appError = error instanceof RetryableFailure ? error.error : asAppError(error);
        if (yielded) {
          // Output has reached the caller: a retry would duplicate it, so the turn fails here.
          yield { type: 'error', code: appError.code, message: appError.message };
          return;
        }
        if (!(error instanceof RetryableFailure) || attempt >= this.connection.maxRetries) {
          throw appError;
        }
        await this.connection.sleep(
          backoffDelay(this.connection, attempt, error.retryAfterMs),
          signal,
        );
        if (signal?.aborted) {
          yield { type: 'stop', reason: 'cancelled' };
          return;
        }
      }
    }
  }

  async complete(request: ChatRequest): Promise<ChatCompletion> {
    const cancelled: ChatCompletion = {
      message: { role: 'assistant', content: [] },
      stopReason: 'cancelled',
      usage: { inputTokens: 0, outputTokens: 0 },
    };
    const { signal } = request;
    if (signal?.aborted) return cancelled;
    const body = JSON.stringify({ ...this.requestBody(request), stream: false });
    for (let attempt = 0; ; attempt += 1) {
      try {
        return await this.completeOnce(body, request);
      } catch (error) {
        if (error instanceof Cancelled || signal?.aborted) return cancelled;
        if (!(error instanceof RetryableFailure)) throw asAppError(error);
        if (attempt >= this.connection.maxRetries) throw error.error;
        await this.connection.sleep(
          backoffDelay(this.connection, attempt, error.retryAfterMs),
          signal,
        );
        if (signal?.aborted) return cancelled;
      }
    }
  }

  private requestBody(request: ChatRequest): Record<string, unknown> {
    const body: Record<string, unknown> = {
      model: this.models[request.modelId] ?? request.modelId,
      messages: toOpenAiMessages(request, this.images),
    };
    // An empty `tools` array is rejected by OpenAI and some vLLM versions: send none instead.
    if (request.tools !== undefined && request.tools.length > 0) {
      body.tools = request.tools.map((tool) => ({
        type: 'function',
        function: { name: tool.name, description: tool.description, parameters: tool.inputSchema },
      }));
    }
    const inference = request.inference ?? {};
    if (inference.maxTokens !== undefined) body.max_tokens = inference.maxTokens;
    if (inference.temperature !== undefined) body.temperature = inference.temperature;
    if (inference.topP !== undefined) body.top_p = inference.topP;
    if (inference.stopSequences !== undefined && inference.stopSequences.length > 0) {
      body.stop = [...inference.stopSequences];
    }
    return body;
  }

  /**
   * One HTTP call, streamed. Throws `Cancelled`, a `RetryableFailure` or an AppError; the caller
   * decides between retry, an `error` event and a thrown error depending on what was yielded.
   */
  private async *attempt(
    body: string,
    request: ChatRequest,
  ): AsyncGenerator<ChatStreamEvent, void, undefined> {
    const call = new CallControl(request.signal, this.connection.requestTimeoutMs);
    try {
      const response = await this.post(call, body);
      if (!response.ok) {
        const errorBody = await call.guard(() => readJsonBody(response));
        throw responseFailure(response, errorBody, request.modelId, this.connection);
      }
      if (response.body === null) throw invalidResponse('The model server sent no body.');
      const translator = new StreamTranslator(
        request.modelId,
        this.connection,
        request.inference?.stopSequences ?? [],
      );
      const parser = new SseParser();
      const reader = response.body.getReader();
      call.restartTimer(this.idleTimeoutMs);
      for (;;) {
        const { done, value } = await call.guard(() => reader.read());
        if (done) break;
        call.restartTimer(this.idleTimeoutMs);
        for (const sse of parser.push(value)) {
          yield* translator.handle(sse.data);
          if (translator.finished) return;
        }
      }
      for (const sse of parser.end()) {
        yield* translator.handle(sse.data);
        if (translator.finished) return;
      }
      yield* translator.endOfBody();
    } finally {
      call.dispose();
    }
  }

  private post(call: CallControl, body: string): Promise<Response> {
    return call.guard(() =>
      this.connection.fetch(`${this.connection.baseUrl}/chat/completions`, {
        method: 'POST',
        headers: requestHeaders(this.connection),
        body,
        signal: call.signal,
      }),
    );
  }

  private async completeOnce(body: string, request: ChatRequest): Promise<ChatCompletion> {
    const call = new CallControl(request.signal, this.connection.requestTimeoutMs);
    try {
      const response = await this.post(call, body);
      const json = await call.guard(() => readJsonBody(response));
      if (!response.ok) {
        throw responseFailure(response, json, request.modelId, this.connection);
      }
      const parsed = completionSchema.safeParse(json);
      if (!parsed.success) throw invalidResponse('The model server sent an unreadable completion.');
      const choice = parsed.data.choices[0];
      if (choice === undefined) throw invalidResponse('The model server sent no choice.');
      const content: ContentBlock[] = [];
      if (choice.message.content) content.push({ type: 'text', text: choice.message.content });
      for (const toolCall of choice.message.tool_calls ?? []) {
        content.push({
          type: 'tool_use',
          toolUseId: toolCall.id ?? newToolUseId(),
          name: toolCall.function.name,
          input: parseToolInput(toolCall.function.arguments ?? '', toolCall.function.name),
        });
      }
      const stops = request.inference?.stopSequences ?? [];
      return {
        message: { role: 'assistant', content },
        stopReason: mapFinishReason(
          choice.finish_reason ?? undefined,
          (choice.message.tool_calls?.length ?? 0) > 0,
          typeof choice.stop_reason === 'string' && stops.includes(choice.stop_reason),
        ),
        usage: toUsage(parsed.data.usage) ?? { inputTokens: 0, outputTokens: 0 },
      };
    } finally {
      call.dispose();
    }
  }
}

/**
 * One call's abort wiring: the caller's signal, the request timeout and then the idle timeout all
 * abort one controller, and `guard` turns the resulting rejections into our failures.
 */
class CallControl {
  private readonly controller = new AbortController();
  private cause: 'caller' | 'timeout' | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private timeoutMs: number;
  private readonly onCallerAbort = (): void => this.abort('caller');

  constructor(
    private readonly callerSignal: AbortSignal | undefined,
    timeoutMs: number,
  ) {
    this.timeoutMs = timeoutMs;
    callerSignal?.addEventListener('abort', this.onCallerAbort, { once: true });
    this.restartTimer(timeoutMs);
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  restartTimer(ms: number): void {
    this.timeoutMs = ms;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.abort('timeout'), ms);
  }

  async guard<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      if (this.cause === 'caller') throw new Cancelled();
      if (this.cause === 'timeout') throw timeoutError(this.timeoutMs);
      if (error instanceof AppError || error instanceof RetryableFailure) throw error;
      throw networkFailure(error);
    }
  }

  /** Also aborts: a consumer that stops early must not leave the server generating. */
  dispose(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.callerSignal?.removeEventListener('abort', this.onCallerAbort);
    if (!this.controller.signal.aborted) this.controller.abort();
  }

  private abort(cause: 'caller' | 'timeout'): void {
    this.cause ??= cause;
    this.controller.abort();
  }
}

interface ToolCallSlot {
  id: string | undefined;
  name: string | undefined;
  arguments: string;
  started: boolean;
}

/**
 * Turns SSE `data` payloads into our events. Tool calls arrive as deltas keyed by `index`: the
 * first carries id and name, later ones argument fragments (OpenAI, vLLM, llama.cpp); Ollama sends
 * each call whole in one delta and older versions omit `index`, so calls are also keyed by id.
 */
class StreamTranslator {
  finished = false;
  private readonly slots = new Map<string, ToolCallSlot>();
  private lastSlotKey: string | undefined;
  private finishReason: string | undefined;
  private matchedStop = false;
  private usage: TokenUsage | undefined;
  private toolCallsClosed = false;

  constructor(
    private readonly modelId: string,
    private readonly connection: ResolvedConnection,
    private readonly stopSequences: readonly string[],
  ) {}

  *handle(data: string): Generator<ChatStreamEvent, void, undefined> {
    if (data.trim() === '[DONE]') {
      yield* this.close();
      return;
    }
    let json: unknown;
    try {
      json = JSON.parse(data) as unknown;
    } catch {
      throw invalidResponse('The model server sent a stream chunk that is not JSON.');
    }
    const parsed = chunkSchema.safeParse(json);
    if (!parsed.success) throw invalidResponse('The model server sent an unreadable stream chunk.');
    const chunk = parsed.data;
    if (chunk.error !== undefined && chunk.error !== null) {
      // Servers report failures inside the stream (vLLM, llama.cpp, Ollama) with a 200 status.
      const code = (chunk.error as { code?: unknown }).code;
      const status = typeof code === 'number' && code >= 400 ? code : 500;
      throw mapHttpFailure(status, json, this.modelId, this.connection, null);
    }
    const usage = toUsage(chunk.usage);
    // Last one wins: vLLM's continuous usage stats are cumulative.
    if (usage !== undefined) this.usage = usage;
    for (const choice of chunk.choices ?? []) {
      if (choice.index !== undefined && choice.index !== 0) continue;
      const delta = choice.delta;
      if (delta?.content) yield { type: 'text_delta', text: delta.content };
      for (const toolCall of delta?.tool_calls ?? []) yield* this.toolCallDelta(toolCall);
      if (choice.finish_reason) {
        this.finishReason = choice.finish_reason;
        if (typeof choice.stop_reason === 'string') {
          this.matchedStop = this.stopSequences.includes(choice.stop_reason);
        }
        yield* this.closeToolCalls();
      }
    }
  }

  /** The body ended without `[DONE]`: fine after a finish reason, a broken stream otherwise. */
  *endOfBody(): Generator<ChatStreamEvent, void, undefined> {
    if (this.finished) return;
    if (this.finishReason === undefined) {
      throw networkFailure(new Error('The model server closed the stream before it finished.'));
    }
    yield* this.close();
  }

  private *close(): Generator<ChatStreamEvent, void, undefined> {
    yield* this.closeToolCalls();
    if (this.usage !== undefined) yield { type: 'usage', usage: this.usage };
    yield {
      type: 'stop',
      reason: mapFinishReason(this.finishReason, this.slots.size > 0, this.matchedStop),
    };
    this.finished = true;
  }

  private *toolCallDelta(delta: ToolCallDelta): Generator<ChatStreamEvent, void, undefined> {
    const key = this.slotKey(delta);
    let slot = this.slots.get(key);
    if (slot === undefined) {
      slot = { id: undefined, name: undefined, arguments: '', started: false };
      this.slots.set(key, slot);
    }
    this.lastSlotKey = key;
    // Later deltas may repeat id or name (some vLLM parsers): the first announced ones stand.
    if (slot.id === undefined && delta.id) slot.id = delta.id;
    if (slot.name === undefined && delta.function?.name) slot.name = delta.function.name;
    const fragment = delta.function?.arguments ?? '';
    if (!slot.started && slot.name !== undefined) {
      slot.id ??= newToolUseId();
      slot.started = true;
      yield { type: 'tool_use_start', toolUseId: slot.id, name: slot.name };
      // Fragments that came before the name are flushed now, in order.
      if (slot.arguments.length > 0) {
        yield { type: 'tool_use_input_delta', toolUseId: slot.id, json: slot.arguments };
      }
    }
    slot.arguments += fragment;
    if (slot.started && slot.id !== undefined && fragment.length > 0) {
      yield { type: 'tool_use_input_delta', toolUseId: slot.id, json: fragment };
    }
  }

  private slotKey(delta: ToolCallDelta): string {
    if (delta.index !== undefined) return `i${delta.index}`;
    if (delta.id) return `id:${delta.id}`;
    return this.lastSlotKey ?? 'i0';
  }

  private *closeToolCalls(): Generator<ChatStreamEvent, void, undefined> {
    if (this.toolCallsClosed) return;
    this.toolCallsClosed = true;
    for (const slot of this.slots.values()) {
      if (!slot.started || slot.id === undefined || slot.name === undefined) {
        throw invalidResponse('The model server streamed a tool call without a name.');
      }
      yield {
        type: 'tool_use_stop',
        toolUseId: slot.id,
        input: parseToolInput(slot.arguments, slot.name),
      };
    }
  }
}

function parseToolInput(text: string, toolName: string): unknown {
  if (text.trim().length === 0) return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new AppError(
      'MODEL_TOOL_INPUT_INVALID',
      502,
      `The model called tool '${toolName}' with input that is not valid JSON.`,
    );
  }
}

function newToolUseId(): string {
  return `call_${randomUUID().replace(/-/g, '').slice(0, 24)}`;
}

function toUsage(
  usage: { prompt_tokens: number; completion_tokens: number } | null | undefined,
): TokenUsage | undefined {
  if (usage === null || usage === undefined) return undefined;
  return { inputTokens: usage.prompt_tokens, outputTokens: usage.completion_tokens };
}

function asAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new AppError('MODEL_UNAVAILABLE', 503, redact(message, undefined));
}
