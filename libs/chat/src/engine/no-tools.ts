import type { ToolExecutor } from '../ports';

/** A tool executor that offers nothing: the default until MCP tools are configured. */
export function createNoToolExecutor(): ToolExecutor {
  return {
    listTools: async () => [],
    callTool: async (_ownerId, name) => ({
      status: 'error',
      output: `Unknown tool '${name}'.`,
      truncated: false,
    }),
  };
}
