import { type IdGenerator, isUlid, ValidationError } from '@lgm/core';
import { and, asc, between, eq, sql } from 'drizzle-orm';
import * as z from 'zod';

import type { Database } from './client';
import { mapPersistenceErrors } from './errors';
import { usage } from './schema';
import { parseInput, requireOwnerId } from './validation';

const usageRecordSchema = z
  .object({
    turnId: z.string().refine(isUlid, 'must be a ULID'),
    /** Which model call of the turn, from 0; each call is recorded once. */
    callIndex: z.number().int().min(0).max(1000).default(0),
    sessionId: z.string().refine(isUlid, 'must be a ULID').nullable().default(null),
    modelId: z.string().min(1).max(200),
    at: z.date(),
    inputTokens: z.number().int().min(0).max(10_000_000),
    outputTokens: z.number().int().min(0).max(10_000_000),
    costUsd: z.number().finite().min(0).max(1_000_000),
  })
  .strict();

export type UsageRecord = z.input<typeof usageRecordSchema>;

/** Tokens and dollars of one day and one model. */
export interface UsageSummaryRow {
  readonly day: string;
  readonly modelId: string;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly costUsd: number;
}

const dayPattern = /^\d{4}-\d{2}-\d{2}$/;

/** Epoch milliseconds of a real calendar day `YYYY-MM-DD` (2024-02-30 is not one). */
function parseDay(value: unknown): number | undefined {
  if (typeof value !== 'string' || !dayPattern.test(value)) return undefined;
  const time = Date.parse(`${value}T00:00:00Z`);
  return Number.isNaN(time) || new Date(time).toISOString().slice(0, 10) !== value
    ? undefined
    : time;
}
const MAX_SUMMARY_DAYS = 366;

/** One owner's model usage. Recording is idempotent per (turn, model call). */
export class UsageRepository {
  private readonly ownerId: string;

  constructor(
    private readonly db: Database,
    ownerId: string,
    private readonly nextId: IdGenerator,
  ) {
    this.ownerId = requireOwnerId(ownerId);
  }

  /** Records one model call of a turn; returns false when that call was recorded already. */
  async record(input: UsageRecord): Promise<boolean> {
    const { at, costUsd, ...values } = parseInput(usageRecordSchema, input, 'usage record');
    const inserted = await mapPersistenceErrors('usage record', () =>
      this.db
        .insert(usage)
        .values({
          ...values,
          id: this.nextId(),
          ownerId: this.ownerId,
          day: at.toISOString().slice(0, 10),
          costUsd: costUsd.toFixed(8),
        })
        .onConflictDoNothing({ target: [usage.ownerId, usage.turnId, usage.callIndex] })
        .returning({ id: usage.id }),
    );
    return inserted.length > 0;
  }

  /** Sums by UTC day and model over [from, to], both `YYYY-MM-DD`, at most a year. */
  async summarize(range: { from: string; to: string }): Promise<UsageSummaryRow[]> {
    const from = parseDay(range.from);
    const to = parseDay(range.to);
    if (from === undefined || to === undefined || to < from) {
      throw new ValidationError('from and to must be days (YYYY-MM-DD) with from ≤ to.', {
        code: 'INVALID_DATE_RANGE',
      });
    }
    if ((to - from) / 86_400_000 >= MAX_SUMMARY_DAYS) {
      throw new ValidationError(`A usage summary covers at most ${MAX_SUMMARY_DAYS} days.`, {
        code: 'INVALID_DATE_RANGE',
      });
    }
    const rows = await mapPersistenceErrors('usage record', () =>
      this.db
        .select({
          day: usage.day,
          modelId: usage.modelId,
          inputTokens: sql<string>`sum(${usage.inputTokens})`,
          outputTokens: sql<string>`sum(${usage.outputTokens})`,
          costUsd: sql<string>`sum(${usage.costUsd})`,
        })
        .from(usage)
        .where(and(eq(usage.ownerId, this.ownerId), between(usage.day, range.from, range.to)))
        .groupBy(usage.day, usage.modelId)
        .orderBy(asc(usage.day), asc(usage.modelId)),
    );
    return rows.map((row) => ({
      day: row.day,
      modelId: row.modelId,
      inputTokens: Number(row.inputTokens),
      outputTokens: Number(row.outputTokens),
      costUsd: Number(row.costUsd),
    }));
  }
}
