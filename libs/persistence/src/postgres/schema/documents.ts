import { sql } from 'drizzle-orm';
import { bigint, check, index, integer, pgEnum, pgTable, text } from 'drizzle-orm/pg-core';

import { createdAtColumn, idColumn, ownerIdColumn, updatedAtColumn } from './columns';

export const documentStatus = pgEnum('document_status', [
  'pending',
  'processing',
  'ready',
  'failed',
]);

/** An uploaded document and where its ingestion stands. The bytes live in S3 under `s3_key`. */
export const documents = pgTable(
  'documents',
  {
    id: idColumn(),
    ownerId: ownerIdColumn(),
    title: text('title').notNull(),
    fileName: text('file_name').notNull(),
    contentType: text('content_type').notNull(),
    sizeBytes: bigint('size_bytes', { mode: 'number' }).notNull(),
    s3Key: text('s3_key').notNull(),
    status: documentStatus('status').notNull().default('pending'),
    /** 0–100 while processing. */
    progress: integer('progress').notNull().default(0),
    errorCode: text('error_code'),
    errorMessage: text('error_message'),
    /** The object version (or eTag locally) the chunks were built from: ingestion's idempotency key. */
    sourceVersion: text('source_version'),
    /** Optimistic concurrency: every update names the version it read. */
    version: integer('version').notNull().default(1),
    createdAt: createdAtColumn(),
    updatedAt: updatedAtColumn(),
  },
  (table) => [
    index('documents_owner_created_idx').on(table.ownerId, table.createdAt.desc(), table.id.desc()),
    check('documents_progress_range', sql`${table.progress} between 0 and 100`),
    check('documents_size_non_negative', sql`${table.sizeBytes} >= 0`),
  ],
);

export type DocumentRow = typeof documents.$inferSelect;
export type NewDocumentRow = typeof documents.$inferInsert;
export type DocumentStatus = (typeof documentStatus.enumValues)[number];
