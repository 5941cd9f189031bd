import { createHttpApp, type ServiceContext } from '@lgm/server-kit';
import type { FastifyInstance } from 'fastify';

export type AppDeps = ServiceContext;

/** The local worker's HTTP face: health now; run requests arrive with the code-execution issue. */
export function buildApp(deps: AppDeps): FastifyInstance {
  return createHttpApp(deps);
}
