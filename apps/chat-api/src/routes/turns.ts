import {
  cancelTurnResponseSchema,
  turnEventsQuerySchema,
  turnEventsResponseSchema,
  turnParamsSchema,
} from '@lgm/contracts';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import * as z from 'zod';

import type { AppDeps } from '../deps';
import { errorResponses, noQuerySchema } from './common';

const tags = ['turns'];

/** A turn's stored events (recovery without a socket) and cancelling a running turn. */
export function registerTurnRoutes(app: FastifyInstance, deps: AppDeps): void {
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.get(
    '/turns/:turnId/events',
    {
      schema: {
        tags,
        summary: 'The stored events of a turn after `afterSeq` (all when absent)',
        params: turnParamsSchema,
        querystring: turnEventsQuerySchema,
        response: { 200: turnEventsResponseSchema, ...errorResponses },
      },
    },
    async (request) => {
      const { turnId } = request.params;
      const replay = await deps.engine.replay(
        request.principal.sub,
        turnId,
        request.query.afterSeq ?? -1,
      );
      return { turnId, sessionId: replay.sessionId, events: replay.events, ended: replay.ended };
    },
  );

  api.post(
    '/turns/:turnId/cancel',
    {
      schema: {
        tags,
        summary: 'Stop a running turn; its partial answer is stored as cancelled',
        params: turnParamsSchema,
        // Nothing to send; a body with fields is a client mistake worth reporting.
        body: z.strictObject({}).nullish(),
        response: { 202: cancelTurnResponseSchema, ...errorResponses },
        querystring: noQuerySchema,
      },
    },
    async (request, reply) => {
      const { turnId } = request.params;
      await deps.engine.cancel(request.principal.sub, turnId);
      return reply.code(202).send({ turnId, status: 'cancelling' as const });
    },
  );
}
