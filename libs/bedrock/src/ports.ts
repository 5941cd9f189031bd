/**
 * The model layer's ports. The turn engine speaks only these; adapters (Bedrock, OpenAI-compatible,
 * extractive, local) implement them. Shapes follow Bedrock's Converse API closely because it is the
 * production path, without importing the SDK.
 */

/** A piece of a message. */
export type ContentBlock =
  | { readonly type: 'text'; readonly text: string }
  | {
      readonly type: 'image';
      readonly format: 'png' | 'jpeg' | 'gif' | 'webp';
      readonly bytes: Uint8Array;
    }
  | {
      readonly type: 'document';
      readonly format: 'pdf' | 'csv' | 'doc' | 'docx' | 'xls' | 'xlsx' | 'html' | 'txt' | 'md';
      /** Bedrock requires a name: letters, numbers, spaces, hyphens, parentheses, brackets. */
      readonly name: string;
      readonly bytes: Uint8Array;
    }
  | {
      readonly type: 'tool_use';
      readonly toolUseId: string;
      readonly name: string;
      readonly input: unknown;
    }
  | {
      readonly type: 'tool_result';
      readonly toolUseId: string;
      readonly status: 'success' | 'error';
      /** Tool output is untrusted data: adapters pass it as data, never as instructions. */
      readonly content: readonly (
        | { readonly type: 'text'; readonly text: string }
        | { readonly type: 'json'; readonly json: unknown }
      )[];
    };

export interface ChatMessage {
  readonly role: 'user' | 'assistant';
  readonly content: readonly ContentBlock[];
}

/** A tool the model may call; `inputSchema` is JSON Schema. */
export interface ToolSpec {
  readonly name: string;
  readonly description: string;
  readonly inputSchema: Readonly<Record<string, unknown>>;
}

export interface InferenceSettings {
  readonly maxTokens?: number;
  readonly temperature?: number;
  readonly topP?: number;
  readonly stopSequences?: readonly string[];
}

export interface ChatRequest {
  /** Catalog id of the model (see the model catalog); adapters map it to their provider's id. */
  readonly modelId: string;
  readonly system?: string;
  readonly messages: readonly ChatMessage[];
  readonly tools?: readonly ToolSpec[];
  readonly inference?: InferenceSettings;
  /** Aborting stops generation; the stream ends with a `stop` event of reason `cancelled`. */
  readonly signal?: AbortSignal;
}

export type StopReason =
  | 'end_turn'
  | 'tool_use'
  | 'max_tokens'
  | 'stop_sequence'
  | 'content_filtered'
  | 'guardrail_intervened'
  | 'cancelled';

export interface TokenUsage {
  readonly inputTokens: number;
  readonly outputTokens: number;
}

/** What a streaming model call yields, in order. */
export type ChatStreamEvent =
  | { readonly type: 'text_delta'; readonly text: string }
  | { readonly type: 'tool_use_start'; readonly toolUseId: string; readonly name: string }
  /** A fragment of the tool input's JSON text; fragments concatenate to the whole input. */
  | { readonly type: 'tool_use_input_delta'; readonly toolUseId: string; readonly json: string }
  | { readonly type: 'tool_use_stop'; readonly toolUseId: string; readonly input: unknown }
  | { readonly type: 'usage'; readonly usage: TokenUsage }
  | { readonly type: 'stop'; readonly reason: StopReason }
  /**
   * The model failed after output started (no retry is possible then): what streamed stays valid,
   * the turn fails with this code.
   */
  | { readonly type: 'error'; readonly code: string; readonly message: string };

/** The whole answer of a non-streaming call. */
export interface ChatCompletion {
  readonly message: ChatMessage;
  readonly stopReason: StopReason;
  readonly usage: TokenUsage;
}

export interface ChatModel {
  /** Streams one model response. Errors before any output are thrown as AppErrors. */
  stream(request: ChatRequest): AsyncIterable<ChatStreamEvent>;
  complete(request: ChatRequest): Promise<ChatCompletion>;
}

/** What the text is for: some models embed queries and documents differently. */
export type EmbeddingPurpose = 'document' | 'query';

export interface Embedder {
  /** Length of every vector this embedder returns. */
  readonly dimensions: number;
  /** A stable id of the model and its settings, stored with the vectors. */
  readonly modelId: string;
  /** One unit-length vector per text, in order. Batches and bounds concurrency itself. */
  embed(
    texts: readonly string[],
    options: { purpose: EmbeddingPurpose; signal?: AbortSignal },
  ): Promise<number[][]>;
}
