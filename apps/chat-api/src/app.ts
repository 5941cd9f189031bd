import { createHttpApp, type ServiceContext } from '@lgm/server-kit';
import type { FastifyInstance } from 'fastify';

export type AppDeps = ServiceContext;

/** chat-api's routes on LGM's fastify base. The same app serves Lambda and the local server. */
export function buildApp(deps: AppDeps): FastifyInstance {
  return createHttpApp(deps);
}
