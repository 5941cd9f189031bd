/**
 * `ChatModel` over Amazon Bedrock's Converse API (`ConverseStream` for streaming, `Converse` for
 * whole answers), with tool use, inference settings, an optional guardrail, cancellation and our
 * retry policy (retries only before any output reached the caller).
 */
import type {
  BedrockRuntimeClient,
  ContentBlock as BedrockContentBlock,
  ConverseStreamOutput,
  Message as BedrockMessage,
  StopReason as BedrockStopReason,
  Tool as BedrockTool,
  ToolResultContentBlock,
  ToolUseBlock,
} from '@aws-sdk/client-bedrock-runtime';
import { ConverseCommand, ConverseStreamCommand } from '@aws-sdk/client-bedrock-runtime';
import { AppError, ServiceUnavailableError } from '@lgm/core';

import { isAbortError, isRetryableBedrockError, toBedrockAppError } from './bedrock-errors';
import { findModel } from './model-catalog';
import type {
  ChatCompletion,
  ChatModel,
  ChatRequest,
  ChatStreamEvent,
  ContentBlock,
  StopReason,
  TokenUsage,
} from './ports';
import {
  backoffDelay,
  DEFAULT_RETRY_POLICY,
  realSleep,
  type RetryDeps,
  type RetryPolicy,
  withRetry,
} from './retry';

/** The part of `BedrockRuntimeClient` the adapters use (the real client satisfies it). */
export type BedrockRuntimeClientLike = Pick<BedrockRuntimeClient, 'send'>;

/** A Bedrock guardrail applied to every call; its trace is turned off. */
export interface BedrockGuardrail {
  readonly id: string;
  readonly version: string;
}

export interface BedrockChatModelOptions {
  /** Built by the caller, e.g. with `createBedrockRuntimeClient` (SDK retries off). */
  readonly client: BedrockRuntimeClientLike;
  readonly guardrail?: BedrockGuardrail;
  readonly retryPolicy?: RetryPolicy;
  /** Injected in tests so backoff never really waits. */
  readonly sleep?: RetryDeps['sleep'];
  readonly random?: RetryDeps['random'];
  /**
   * Maps `ChatRequest.modelId` to what Bedrock is called with. Default: the catalog's Bedrock id for
   * a catalog id, otherwise the id unchanged (a Bedrock model id, inference profile or ARN).
   */
  readonly resolveModelId?: (modelId: string) => string;
}

/** The SDK's JSON document type. */
type Json = NonNullable<ToolUseBlock['input']>;

const STOP_REASONS: Readonly<Record<string, StopReason>> = {
  end_turn: 'end_turn',
  tool_use: 'tool_use',
  max_tokens: 'max_tokens',
  stop_sequence: 'stop_sequence',
  content_filtered: 'content_filtered',
  guardrail_intervened: 'guardrail_intervened',
  // The input plus the answer filled the window: for the caller that is a length stop.
  model_context_window_exceeded: 'max_tokens',
};

function toStopReason(reason: BedrockStopReason | string | undefined): StopReason {
  return (reason !== undefined && STOP_REASONS[reason]) || 'end_turn';
}

function toBedrockBlock(block: ContentBlock): BedrockContentBlock {
  switch (block.type) {
    case 'text':
      return { text: block.text };
    case 'image':
      return { image: { format: block.format, source: { bytes: block.bytes } } };
    case 'document':
      return {
        document: { format: block.format, name: block.name, source: { bytes: block.bytes } },
      };
    case 'tool_use':
      return {
        toolUse: { toolUseId: block.toolUseId, name: block.name, input: block.input as Json },
      };
    case 'tool_result':
      // Tool output travels as a toolResult block (data the model reads), never as user text.
      return {
        toolResult: {
          toolUseId: block.toolUseId,
          status: block.status,
          content: block.content.map((part): ToolResultContentBlock =>
            part.type === 'text' ? { text: part.text } : { json: part.json as Json },
          ),
        },
      };
  }
}

/** The request fields Converse and ConverseStream share. */
function toConverseInput(request: ChatRequest, modelId: string) {
  const inference = request.inference;
  return {
    modelId,
    messages: request.messages.map((message): BedrockMessage => ({
      role: message.role,
      content: message.content.map(toBedrockBlock),
    })),
    ...(request.system ? { system: [{ text: request.system }] } : {}),
    ...(request.tools && request.tools.length > 0
      ? {
          toolConfig: {
            tools: request.tools.map((tool): BedrockTool => ({
              toolSpec: {
                name: tool.name,
                description: tool.description,
                inputSchema: { json: tool.inputSchema as Json },
              },
            })),
          },
        }
      : {}),
    ...(inference
      ? {
          inferenceConfig: {
            ...(inference.maxTokens === undefined ? {} : { maxTokens: inference.maxTokens }),
            ...(inference.temperature === undefined ? {} : { temperature: inference.temperature }),
            ...(inference.topP === undefined ? {} : { topP: inference.topP }),
            ...(inference.stopSequences === undefined
              ? {}
              : { stopSequences: [...inference.stopSequences] }),
          },
        }
      : {}),
  };
}

function fromBedrockBlocks(blocks: readonly BedrockContentBlock[] | undefined): ContentBlock[] {
  const content: ContentBlock[] = [];
  for (const block of blocks ?? []) {
    if (block.text !== undefined) content.push({ type: 'text', text: block.text });
    else if (block.toolUse !== undefined) {
      content.push({
        type: 'tool_use',
        toolUseId: block.toolUse.toolUseId ?? '',
        name: block.toolUse.name ?? '',
        input: block.toolUse.input ?? {},
      });
    }
    // Reasoning, citations and other blocks are not part of our ports yet: dropped.
  }
  return content;
}

const ABORTED = Symbol('aborted');

/** An open tool-use block: its id, name and the input JSON text received so far. */
interface OpenToolUse {
  readonly toolUseId: string;
  json: string;
}

/**
 * The Bedrock `ChatModel`.
 *
 * @example
 * const model = new BedrockChatModel({ client: createBedrockRuntimeClient({ region: 'us-east-1' }) });
 * for await (const event of model.stream({ modelId: 'nova-lite', messages })) { ... }
 */
export class BedrockChatModel implements ChatModel {
  private readonly client: BedrockRuntimeClientLike;
  private readonly guardrail: BedrockGuardrail | undefined;
  private readonly policy: RetryPolicy;
  private readonly deps: RetryDeps;
  private readonly resolveModelId: (modelId: string) => string;

  constructor(options: BedrockChatModelOptions) {
    this.client = options.client;
    this.guardrail = options.guardrail;
    this.policy = options.retryPolicy ?? DEFAULT_RETRY_POLICY;
    this.deps = { sleep: options.sleep ?? realSleep, random: options.random ?? Math.random };
    this.resolveModelId = options.resolveModelId ?? ((id) => findModel(id)?.bedrockModelId ?? id);
  }

  /**
   * Streams one answer. Failures before any output are retried (throttling, 5xx) and then thrown
   * as AppErrors; a failure after output started ends the stream with an `error` event. Aborting
   * `request.signal` closes the connection and ends with `stop` reason `cancelled`.
   */
  async *stream(request: ChatRequest): AsyncGenerator<ChatStreamEvent, void, undefined> {
    const signal = request.signal;
    if (signal?.aborted) {
      yield { type: 'stop', reason: 'cancelled' };
      return;
    }
    const input = {
      ...toConverseInput(request, this.resolveModelId(request.modelId)),
      ...(this.guardrail
        ? {
            guardrailConfig: {
              guardrailIdentifier: this.guardrail.id,
              guardrailVersion: this.guardrail.version,
              trace: 'disabled' as const,
            },
          }
        : {}),
    };
    // Our own controller: aborted by the caller's signal, and by us when the consumer stops early
    // or the stream fails, so the HTTP/2 stream is always closed.
    const connection = new AbortController();
    let aborted: Promise<typeof ABORTED> | undefined;
    let resolveAborted: ((value: typeof ABORTED) => void) | undefined;
    // One listener: closes the connection and wakes a consumer waiting for the next event.
    const onAbort = (): void => {
      connection.abort(signal?.reason);
      resolveAborted?.(ABORTED);
    };
    if (signal) {
      aborted = new Promise((resolve) => {
        resolveAborted = resolve;
      });
      signal.addEventListener('abort', onAbort, { once: true });
    }
    let yielded = false;
    try {
      for (let attempt = 1; ; attempt += 1) {
        const toolUses = new Map<number, OpenToolUse>();
        let stopReason: StopReason | undefined;
        try {
          const response = await this.client.send(new ConverseStreamCommand(input), {
            abortSignal: connection.signal,
          });
          if (!response.stream) throw new Error('ConverseStream returned no stream.');
          const iterator = response.stream[Symbol.asyncIterator]();
          for (;;) {
            const next = aborted
              ? await Promise.race([iterator.next(), aborted])
              : await iterator.next();
            if (next === ABORTED) break;
            if (next.done) break;
            const event = next.value;
            const out = this.translate(event, toolUses);
            if (out === undefined) {
              if (event.messageStop) stopReason = toStopReason(event.messageStop.stopReason);
              continue;
            }
            yielded = true;
            yield out;
            if (out.type === 'error') return;
          }
          if (signal?.aborted) {
            yield { type: 'stop', reason: 'cancelled' };
            return;
          }
          if (stopReason === undefined) {
            throw new ServiceUnavailableError('The model stream ended before the answer did.', {
              code: 'MODEL_STREAM_ERROR',
            });
          }
          yield { type: 'stop', reason: stopReason };
          return;
        } catch (error) {
          if (signal?.aborted || isAbortError(error)) {
            yield { type: 'stop', reason: 'cancelled' };
            return;
          }
          if (!yielded && attempt < this.policy.maxAttempts && isRetryableBedrockError(error)) {
            try {
              await this.deps.sleep(backoffDelay(attempt, this.policy, this.deps.random), signal);
            } catch {
              yield { type: 'stop', reason: 'cancelled' };
              return;
            }
            continue;
          }
          const appError = toBedrockAppError(error, request.modelId);
          if (!yielded) throw appError;
          yield { type: 'error', code: appError.code, message: appError.message };
          return;
        }
      }
    } finally {
      signal?.removeEventListener('abort', onAbort);
      // Closes the connection when the consumer stopped early or the stream failed; a no-op after a
      // complete answer (the response has ended).
      connection.abort();
    }
  }

  /** One SDK stream event as at most one of ours; `undefined` for events with nothing to yield. */
  private translate(
    event: ConverseStreamOutput,
    toolUses: Map<number, OpenToolUse>,
  ): ChatStreamEvent | undefined {
    const delta = event.contentBlockDelta;
    if (delta !== undefined) {
      const text = delta.delta?.text;
      if (text !== undefined) return { type: 'text_delta', text };
      const json = delta.delta?.toolUse?.input;
      const open = toolUses.get(delta.contentBlockIndex ?? -1);
      if (json !== undefined && open !== undefined) {
        open.json += json;
        return { type: 'tool_use_input_delta', toolUseId: open.toolUseId, json };
      }
      return undefined;
    }
    const start = event.contentBlockStart;
    if (start !== undefined) {
      const toolUse = start.start?.toolUse;
      if (toolUse === undefined) return undefined;
      const toolUseId = toolUse.toolUseId ?? '';
      toolUses.set(start.contentBlockIndex ?? -1, { toolUseId, json: '' });
      return { type: 'tool_use_start', toolUseId, name: toolUse.name ?? '' };
    }
    const stop = event.contentBlockStop;
    if (stop !== undefined) {
      const index = stop.contentBlockIndex ?? -1;
      const open = toolUses.get(index);
      if (open === undefined) return undefined;
      toolUses.delete(index);
      try {
        // A tool without parameters streams no input at all.
        const input: unknown = open.json.trim() === '' ? {} : JSON.parse(open.json);
        return { type: 'tool_use_stop', toolUseId: open.toolUseId, input };
      } catch {
        return {
          type: 'error',
          code: 'MODEL_TOOL_INPUT_INVALID',
          message: `The model sent tool input for '${open.toolUseId}' that is not valid JSON.`,
        };
      }
    }
    const metadata = event.metadata;
    if (metadata !== undefined) {
      return {
        type: 'usage',
        usage: {
          inputTokens: metadata.usage?.inputTokens ?? 0,
          outputTokens: metadata.usage?.outputTokens ?? 0,
        },
      };
    }
    // Exceptions normally arrive as thrown errors; a decoder that yields them gets the same path.
    const exception =
      event.internalServerException ??
      event.modelStreamErrorException ??
      event.validationException ??
      event.throttlingException ??
      event.serviceUnavailableException;
    if (exception !== undefined) throw exception;
    return undefined;
  }

  /** One whole answer via Converse, with the same retry policy and error mapping. */
  async complete(request: ChatRequest): Promise<ChatCompletion> {
    const input = {
      ...toConverseInput(request, this.resolveModelId(request.modelId)),
      ...(this.guardrail
        ? {
            guardrailConfig: {
              guardrailIdentifier: this.guardrail.id,
              guardrailVersion: this.guardrail.version,
              trace: 'disabled' as const,
            },
          }
        : {}),
    };
    try {
      const response = await withRetry(
        () =>
          this.client.send(
            new ConverseCommand(input),
            request.signal ? { abortSignal: request.signal } : {},
          ),
        {
          isRetryable: isRetryableBedrockError,
          policy: this.policy,
          deps: this.deps,
          ...(request.signal ? { signal: request.signal } : {}),
        },
      );
      const usage: TokenUsage = {
        inputTokens: response.usage?.inputTokens ?? 0,
        outputTokens: response.usage?.outputTokens ?? 0,
      };
      return {
        message: {
          role: 'assistant',
          content: fromBedrockBlocks(response.output?.message?.content),
        },
        stopReason: toStopReason(response.stopReason),
        usage,
      };
    } catch (error) {
      if (request.signal?.aborted || isAbortError(error)) {
        // 499: the caller closed the request (nginx's convention); nothing failed on our side.
        throw new AppError('MODEL_CANCELLED', 499, 'The model call was cancelled.', {
          cause: error,
        });
      }
      throw toBedrockAppError(error, request.modelId);
    }
  }
}

/**
 * A `ChatModel` over Bedrock.
 *
 * @example
 * const model = createBedrockChatModel({ client: createBedrockRuntimeClient({ region }) });
 */
export function createBedrockChatModel(options: BedrockChatModelOptions): ChatModel {
  return new BedrockChatModel(options);
}
