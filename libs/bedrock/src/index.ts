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
