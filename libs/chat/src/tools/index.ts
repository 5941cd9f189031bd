export {
  ADDRESS_NOT_ALLOWED,
  createGuardedFetch,
  type GuardedFetchOptions,
  type McpFetch,
  RESPONSE_TOO_LARGE,
} from './guarded-fetch';
export { type AddressKind, classifyAddress } from './ip-addresses';
export {
  type McpServerEntry,
  type McpServerRegistry,
  McpToolExecutor,
  type McpToolExecutorDeps,
  type McpToolExecutorOptions,
  type McpToolListingEntry,
} from './mcp-tool-executor';
export {
  assignToolNames,
  BEDROCK_TOOL_NAME,
  hashedToolName,
  MAX_BEDROCK_TOOL_NAME_LENGTH,
  plainToolName,
  type ToolToName,
} from './tool-names';
export { capOutput, renderCallResult } from './tool-result';
export {
  type HostResolver,
  MAX_MCP_SERVER_URL_CHARS,
  type McpUrlPolicy,
  systemResolver,
  validateMcpServerUrl,
} from './url-validation';
