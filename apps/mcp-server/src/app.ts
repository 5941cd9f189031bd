import { createHttpApp, type ServiceContext } from '@lgm/server-kit';
import type { FastifyInstance } from 'fastify';

export type AppDeps = ServiceContext;

/**
 * The MCP server's HTTP app: health now; the Streamable HTTP endpoint `/mcp` and its tools arrive
 * with the MCP issue. The same app runs in the Fargate container and locally.
 */
export function buildApp(deps: AppDeps): FastifyInstance {
  return createHttpApp(deps);
}
