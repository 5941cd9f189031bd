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
    // Full text for Korean and English in one GIN-indexed vector, built by
    // `lgm_chunk_search_vector` (migration 0002): `simple` lexemes (exact forms, any script),
    // `english` stems (`groups` → `group`) and Hangul syllable bigrams (`보안그룹은` → 보안 안그 그룹
    // 룹은), so a Korean query matches whatever particle is attached. Queries are built by
    // `lgm_search_query`, which splits the query the same way. No extension is needed (pg_bigm and
    // mecab are not on PGlite or Aurora by default).
    searchTerms: tsVector('search_terms').generatedAlwaysAs(
      (): SQL => sql`lgm_chunk_search_vector(${chunks.headingPath}, ${chunks.text})`,
    ),
    createdAt: createdAtColumn(),
  },
  (table) => [
    uniqueIndex('chunks_document_ordinal_idx').on(table.documentId, table.ordinal),
    index('chunks_owner_document_idx').on(table.ownerId, table.documentId),
    index('chunks_search_terms_idx').using('gin', table.searchTerms),
    check(
      'chunks_pages_ordered',
      sql`${table.pageStart} is null or ${table.pageEnd} >= ${table.pageStart}`,
    ),
  ],
);

export type ChunkRow = typeof chunks.$inferSelect;
export type NewChunkRow = typeof chunks.$inferInsert;
