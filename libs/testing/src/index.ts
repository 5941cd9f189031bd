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
  chatReplies,
  type ChatScript,
  type ChatScriptStep,
  createInMemoryToolExecutor,
  createInMemoryUsageRecorder,
  createScriptedChatModel,
  type FakeChatRequest,
  type FakeChatStreamEvent,
  type FakeTool,
  type FakeToolCall,
  type FakeToolCallResult,
  type FakeUsageInput,
  type FakeUsageRecord,
  type InMemoryToolExecutor,
  type InMemoryUsageRecorder,
  type ScriptedChatModel,
  type ScriptedToolUse,
} from './chat-fakes';
export {
  type EntryRun,
  findWorkspaceRoot,
  probeEntryHealth,
  runEntry,
  type RunningEntry,
  startEntry,
} from './entry-process';
export {
  type BrokenMcpServer,
  type BrokenMcpServerMode,
  defaultMcpTestTools,
  MCP_INJECTION_TEXT,
  type McpTestServer,
  type McpTestServerCall,
  type McpTestServerOptions,
  type McpTestServerRequest,
  type McpTestTool,
  type McpTestToolContext,
  startBrokenMcpServer,
  startMcpTestServer,
} from './mcp-test-server';
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
export {
  authHeader,
  createTestIdentity,
  type TestIdentity,
  type TestIdentityOptions,
  type TestTokenOverrides,
  type TestTokenSignature,
} from './test-identity';
