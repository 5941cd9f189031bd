import { errorBodySchema } from '@lgm/contracts';
import { ValidationError } from '@lgm/core';
import type { FastifyRequest } from 'fastify';
import * as z from 'zod';

import type { AppDeps, OwnerStores } from '../deps';

/** Error answers every route documents (their body is the same everywhere). */
export const errorResponses = {
  '4xx': errorBodySchema.describe('The request was refused; `error.code` says why.'),
  '5xx': errorBodySchema.describe('The service failed; retry later.'),
} as const;

/** The verified caller's stores. Every route reaches data only through these. */
export function storesOf(deps: AppDeps, request: FastifyRequest): OwnerStores {
  return deps.stores(request.principal.sub);
}

/** Refuses a model the configured provider cannot run. */
export function requireKnownModel(deps: AppDeps, model: string): string {
  if (!deps.models.models.some((entry) => entry.id === model)) {
    throw new ValidationError(`Model '${model}' is not available here; GET /models lists them.`, {
      code: 'UNKNOWN_MODEL',
      details: { model },
    });
  }
  return model;
}

/** Routes without query parameters refuse any: a stray `?x=` is a client mistake. */
export const noQuerySchema = z.strictObject({});
