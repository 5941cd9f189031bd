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
    /** A turn's model calls are recorded once each: replays of the same call change nothing. */
    turnId: text('turn_id').notNull(),
    /** Which model call of the turn (a tool loop calls the model several times), from 0. */
    callIndex: integer('call_index').notNull().default(0),
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
    uniqueIndex('usage_owner_turn_call_idx').on(table.ownerId, table.turnId, table.callIndex),
    index('usage_owner_day_idx').on(table.ownerId, table.day),
    check(
      'usage_tokens_non_negative',
      sql`${table.inputTokens} >= 0 and ${table.outputTokens} >= 0`,
    ),
    check('usage_cost_non_negative', sql`${table.costUsd} >= 0`),
    check('usage_call_index_non_negative', sql`${table.callIndex} >= 0`),
  ],
);

export type UsageRow = typeof usage.$inferSelect;
export type NewUsageRow = typeof usage.$inferInsert;
