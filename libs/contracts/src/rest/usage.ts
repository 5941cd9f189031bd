import * as z from 'zod';

import { daySchema } from './common';

/** Longest range of one usage report, in days. */
export const MAX_USAGE_RANGE_DAYS = 366;

/** `GET /usage?from&to`: days are UTC, both ends included; the last 30 days when absent. */
export const usageQuerySchema = z.strictObject({
  from: daySchema.optional(),
  to: daySchema.optional(),
});
export type UsageQuery = z.infer<typeof usageQuerySchema>;

export const usageRowSchema = z.strictObject({
  day: daySchema,
  modelId: z.string(),
  inputTokens: z.number().int().nonnegative(),
  outputTokens: z.number().int().nonnegative(),
  /** List-price estimate in US dollars. */
  costUsd: z.number().nonnegative(),
});
export type UsageRow = z.infer<typeof usageRowSchema>;

export const usageTotalsSchema = z.strictObject({
  inputTokens: z.number().int().nonnegative(),
  outputTokens: z.number().int().nonnegative(),
  costUsd: z.number().nonnegative(),
});

/** Tokens and dollars by day and model, and their totals. */
export const usageResponseSchema = z.strictObject({
  from: daySchema,
  to: daySchema,
  rows: z.array(usageRowSchema),
  totals: usageTotalsSchema,
});
export type UsageResponse = z.infer<typeof usageResponseSchema>;
