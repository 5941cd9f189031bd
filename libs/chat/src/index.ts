export {
  type ChatServiceConfig,
  chatServiceConfigSchema,
  chatServiceConfigShape,
  checkChatServiceConfig,
  defaultModelIdOf,
} from './config';
export {
  DEFAULT_TURN_ENGINE_SETTINGS,
  type KnowledgeBase,
  type TurnEngineDeps,
  type TurnEngineInstance,
  type TurnEngineSettings,
  type TurnRecordStore,
  type TurnSessionStore,
  type UsageRecorder,
} from './engine/engine-deps';
export { createNoToolExecutor } from './engine/no-tools';
export { MAX_DELTA_BYTES, splitDelta } from './engine/text';
export { createTurnEngine } from './engine/turn-engine';
export type {
  AvailableTool,
  SessionUpdate,
  SessionUpdateListener,
  StartedTurn,
  StartTurnOptions,
  ToolCallResult,
  ToolExecutor,
  TurnEngine,
  TurnEventListener,
  TurnOutcome,
  TurnRequest,
} from './ports';
export {
  type ChatRuntime,
  type ChatRuntimeContext,
  type ChatRuntimeOverrides,
  createChatRuntime,
  type StaticCredentials,
} from './runtime';
export {
  McpToolExecutor,
  type McpToolExecutorDeps,
  type McpToolExecutorOptions,
  type McpUrlPolicy,
  validateMcpServerUrl,
} from './tools';
