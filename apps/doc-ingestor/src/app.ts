import { createHttpApp, type ServiceContext } from '@lgm/server-kit';
import type { FastifyInstance } from 'fastify';

export type AppDeps = ServiceContext;

/**
 * The local worker's HTTP face: health now; the dev stack will deliver its S3 object events here
 * with the knowledge-base issue.
 */
export function buildApp(deps: AppDeps): FastifyInstance {
  return createHttpApp(deps);
}
