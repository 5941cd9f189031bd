export {
  apiGatewayRestEvent,
  apiGatewayWebSocketEvent,
  lambdaContext,
  type RestEventInput,
  type WebSocketEventInput,
} from './aws-events';
export {
  type BedrockEmulator,
  type BedrockEmulatorRequest,
  type BedrockEmulatorScript,
  bedrockScripts,
  type EmulatedToolUse,
  type EmulatedUsage,
  hashedEmbedding,
  startBedrockEmulator,
} from './bedrock-emulator';
export {
  type EntryRun,
  findWorkspaceRoot,
  probeEntryHealth,
  runEntry,
  type RunningEntry,
  startEntry,
} from './entry-process';
export {
  type OpenAiFake,
  openAiFakeEmbedding,
  type OpenAiFakeEmbeddingOptions,
  openAiFakeErrors,
  type OpenAiFakeReply,
  type OpenAiFakeRequest,
  type OpenAiFakeStreamOptions,
  type OpenAiFakeToolCall,
  startOpenAiFake,
} from './openai-fake';
export { testServiceContext } from './service-context';
export { silentLogger } from './silent-logger';
