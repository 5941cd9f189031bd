export {
  BedrockChatModel,
  type BedrockChatModelOptions,
  type BedrockGuardrail,
  type BedrockRuntimeClientLike,
  createBedrockChatModel,
} from './bedrock-chat-model';
export { type BedrockClientSettings, createBedrockRuntimeClient } from './bedrock-client';
export {
  COHERE_MAX_BATCH,
  COHERE_MAX_CHARACTERS,
  CohereEmbedder,
  type CohereEmbedderOptions,
} from './bedrock-cohere-embedder';
export { isRetryableBedrockError, toBedrockAppError } from './bedrock-errors';
export {
  checkModelSettings,
  EMBEDDINGS_PROVIDERS,
  type EmbeddingsProvider,
  LLM_PROVIDERS,
  type LlmProvider,
  type ModelSettings,
  modelSettingsSchema,
  modelSettingsShape,
} from './config';
export {
  approximateTokens,
  createExtractiveChatModel,
  EXTRACTIVE_MODEL_ID,
  ExtractiveChatModel,
  type ExtractiveChatModelOptions,
} from './extractive-chat-model';
export {
  encodePassage,
  MAX_PASSAGE_CHARS,
  MAX_PASSAGES,
  parsePassages,
  type Passage,
} from './extractive-passages';
export {
  createLocalEmbedder,
  findLocalEmbedderAssets,
  LOCAL_EMBEDDER_DIMENSIONS,
  LOCAL_EMBEDDER_LIMITATIONS,
  LOCAL_EMBEDDER_MODEL_ID,
  LocalEmbedder,
  type LocalEmbedderOptions,
} from './local-embedder';
export {
  costOf,
  findModel,
  getModel,
  MODEL_CATALOG,
  type ModelCatalogEntry,
} from './model-catalog';
export {
  createOnnxEmbedder,
  OnnxEmbedder,
  type OnnxEmbedderOptions,
  type TransformersModule,
} from './onnx-embedder';
export { OpenAiChatModel, type OpenAiChatModelOptions } from './openai-chat-model';
export { OpenAiEmbedder, type OpenAiEmbedderOptions } from './openai-embedder';
export { type OpenAiConnectionOptions } from './openai-http';
export { type SseEvent, SseParser } from './openai-sse';
export { type OpenAiImageMode } from './openai-wire';
export type {
  ChatCompletion,
  ChatMessage,
  ChatModel,
  ChatRequest,
  ChatStreamEvent,
  ContentBlock,
  Embedder,
  EmbeddingPurpose,
  InferenceSettings,
  StopReason,
  TokenUsage,
  ToolSpec,
} from './ports';
export {
  checkEmbeddingDimensions,
  createChatModel,
  createEmbedder,
  type ProviderDeps,
} from './providers';
export {
  backoffDelay,
  DEFAULT_RETRY_POLICY,
  realSleep,
  type RetryDeps,
  type RetryPolicy,
  withRetry,
} from './retry';
export {
  TITAN_EMBED_V2_MODEL_ID,
  TITAN_MAX_CHARACTERS,
  type TitanDimensions,
  TitanEmbedder,
  type TitanEmbedderOptions,
} from './titan-embedder';
