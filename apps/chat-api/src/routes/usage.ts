import { usageQuerySchema, usageResponseSchema } from '@lgm/contracts';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';

import type { AppDeps } from '../deps';
import { errorResponses, storesOf } from './common';

/** Days a report covers when the client names none. */
const DEFAULT_DAYS = 30;
const DAY_MS = 86_400_000;

/** `GET /usage`: the caller's tokens and list-price dollars by UTC day and model. */
export function registerUsageRoutes(app: FastifyInstance, deps: AppDeps): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  api.get(
    '/usage',
    {
      schema: {
        tags: ['usage'],
        summary: 'Tokens and dollars by day and model (the last 30 days by default)',
        querystring: usageQuerySchema,
        response: { 200: usageResponseSchema, ...errorResponses },
      },
    },
    async (request) => {
      const today = deps.clock.now();
      const to = request.query.to ?? day(today);
      const from =
        request.query.from ??
        day(new Date(Date.parse(`${to}T00:00:00Z`) - (DEFAULT_DAYS - 1) * DAY_MS));
      const rows = await storesOf(deps, request).usage.summarize({ from, to });
      const totals = rows.reduce(
        (sum, row) => ({
          inputTokens: sum.inputTokens + row.inputTokens,
          outputTokens: sum.outputTokens + row.outputTokens,
          costUsd: sum.costUsd + row.costUsd,
        }),
        { inputTokens: 0, outputTokens: 0, costUsd: 0 },
      );
      return {
        from,
        to,
        rows: rows.map((row) => ({ ...row })),
        // Summing many 8-decimal amounts in floating point leaves noise below a micro-dollar.
        totals: { ...totals, costUsd: Math.round(totals.costUsd * 1e8) / 1e8 },
      };
    },
  );
}

function day(instant: Date): string {
  return instant.toISOString().slice(0, 10);
}
