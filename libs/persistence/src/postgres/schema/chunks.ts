import { type SQL, sql } from 'drizzle-orm';
import { check, index, integer, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';

import { createdAtColumn, embeddingVector, idColumn, ownerIdColumn, tsVector } from './columns';
import { documents } from './documents';

/**
 * Passages of a ready document: text, where it sits (pages, heading path, ordinal), its embedding
 * and a generated full-text vector. The owner is repeated here so every search filters in SQL
 * without a join.
 */
export const chunks = pgTable(
  'chunks',
  {
    id: idColumn(),
    ownerId: ownerIdColumn(),
    documentId: text('document_id')
      .notNull()
      .references(() => documents.id, { onDelete: 'cascade' }),
    ordinal: integer('ordinal').notNull(),
    text: text('text').notNull(),
    /** Headings from the document root to this passage, e.g. `Setup › Networking`. */
    headingPath: text('heading_path')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    pageStart: integer('page_start'),
    pageEnd: integer('page_end'),
    tokenCount: integer('token_count').notNull(),
    embedding: embeddingVector('embedding'),
    // `simple` folds case without language-specific stemming, so Korean and English text both
    // index; language-aware ranking belongs to the retrieval issue. `lgm_chunk_search_text` (created
    // by the first migration) is an IMMUTABLE wrapper: generated columns refuse array_to_string,
    // which PostgreSQL marks only STABLE.
    searchVector: tsVector('search_vector').generatedAlwaysAs(
      (): SQL =>
        sql`to_tsvector('simple'::regconfig, lgm_chunk_search_text(${chunks.headingPath}, ${chunks.text}))`,
    ),
    createdAt: createdAtColumn(),
  },
  (table) => [
    uniqueIndex('chunks_document_ordinal_idx').on(table.documentId, table.ordinal),
    index('chunks_owner_document_idx').on(table.ownerId, table.documentId),
    index('chunks_search_vector_idx').using('gin', table.searchVector),
    check(
      'chunks_pages_ordered',
      sql`${table.pageStart} is null or ${table.pageEnd} >= ${table.pageStart}`,
    ),
  ],
);

export type ChunkRow = typeof chunks.$inferSelect;
export type NewChunkRow = typeof chunks.$inferInsert;
