import { sql } from 'drizzle-orm';
import { bigint, check, index, pgTable, text } from 'drizzle-orm/pg-core';

import { createdAtColumn, idColumn, ownerIdColumn } from './columns';

/** A file produced for a user (by a code run or a tool), stored in S3 under `s3_key`. */
export const artifacts = pgTable(
  'artifacts',
  {
    id: idColumn(),
    ownerId: ownerIdColumn(),
    sessionId: text('session_id'),
    turnId: text('turn_id'),
    name: text('name').notNull(),
    contentType: text('content_type').notNull(),
    sizeBytes: bigint('size_bytes', { mode: 'number' }).notNull(),
    s3Key: text('s3_key').notNull(),
    createdAt: createdAtColumn(),
  },
  (table) => [
    index('artifacts_owner_created_idx').on(table.ownerId, table.createdAt.desc(), table.id.desc()),
    index('artifacts_owner_session_idx').on(table.ownerId, table.sessionId),
    check('artifacts_size_non_negative', sql`${table.sizeBytes} >= 0`),
  ],
);

export type ArtifactRow = typeof artifacts.$inferSelect;
export type NewArtifactRow = typeof artifacts.$inferInsert;
