import { sql } from 'drizzle-orm';
import {
  check,
  date,
  index,
  integer,
  numeric,
  pgTable,
  text,
  uniqueIndex,
} from 'drizzle-orm/pg-core';

import { createdAtColumn, idColumn, ownerIdColumn } from './columns';

/** Tokens and dollars of one model call in one turn; summed by day and model for the user. */
export const usage = pgTable(
  'usage',
  {
    id: idColumn(),
    ownerId: ownerIdColumn(),
    sessionId: text('session_id'),
    /** A turn is recorded once: replays of the same turn change nothing. */
    turnId: text('turn_id').notNull(),
    modelId: text('model_id').notNull(),
    /** The UTC day the turn happened, for cheap daily aggregation. */
    day: date('day', { mode: 'string' }).notNull(),
    inputTokens: integer('input_tokens').notNull(),
    outputTokens: integer('output_tokens').notNull(),
    /** US dollars; numeric, so sums are exact. */
    costUsd: numeric('cost_usd', { precision: 14, scale: 8 }).notNull(),
    createdAt: createdAtColumn(),
  },
  (table) => [
    uniqueIndex('usage_owner_turn_model_idx').on(table.ownerId, table.turnId, table.modelId),
    index('usage_owner_day_idx').on(table.ownerId, table.day),
    check(
      'usage_tokens_non_negative',
      sql`${table.inputTokens} >= 0 and ${table.outputTokens} >= 0`,
    ),
    check('usage_cost_non_negative', sql`${table.costUsd} >= 0`),
  ],
);

export type UsageRow = typeof usage.$inferSelect;
export type NewUsageRow = typeof usage.$inferInsert;
