import { modelsResponseSchema } from '@lgm/contracts';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';

import type { AppDeps } from '../deps';
import { errorResponses, noQuerySchema } from './common';

/** `GET /models`: the models a session may use here, and the default. */
export function registerModelRoutes(app: FastifyInstance, deps: AppDeps): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  api.get(
    '/models',
    {
      schema: {
        tags: ['models'],
        summary: 'Models usable with the configured provider, and the default',
        response: { 200: modelsResponseSchema, ...errorResponses },
        querystring: noQuerySchema,
      },
    },
    async () => ({
      provider: deps.models.provider,
      defaultModel: deps.models.defaultModel,
      models: deps.models.models.map((model) => ({ ...model })),
    }),
  );
}
