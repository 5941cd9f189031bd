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
const MAX_SUMMARY_DAYS = 366;

/** One owner's model usage. Recording is idempotent per (turn, model). */
export class UsageRepository {
  private readonly ownerId: string;

  constructor(
    private readonly db: Database,
    ownerId: string,
    private readonly nextId: IdGenerator,
  ) {
    this.ownerId = requireOwnerId(ownerId);
  }

  /** Records a turn's usage; returns false when that turn and model were recorded already. */
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
        .onConflictDoNothing({ target: [usage.ownerId, usage.turnId, usage.modelId] })
        .returning({ id: usage.id }),
    );
    return inserted.length > 0;
  }

  /** Sums by UTC day and model over [from, to], both `YYYY-MM-DD`, at most a year. */
  async summarize(range: { from: string; to: string }): Promise<UsageSummaryRow[]> {
    const from = Date.parse(`${range.from}T00:00:00Z`);
    const to = Date.parse(`${range.to}T00:00:00Z`);
    if (
      !dayPattern.test(range.from) ||
      !dayPattern.test(range.to) ||
      Number.isNaN(from) ||
      Number.isNaN(to) ||
      to < from
    ) {
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
