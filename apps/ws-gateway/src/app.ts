import { createHttpApp, type ServiceContext } from '@lgm/server-kit';
import type { FastifyInstance } from 'fastify';

export type AppDeps = ServiceContext;

/** The local ws-gateway server: health now; the WebSocket endpoint arrives with the chat issue. */
export function buildApp(deps: AppDeps): FastifyInstance {
  return createHttpApp(deps);
}
