import { isUlid, NotFoundError } from '@lgm/core';
import { and, asc, eq, sql } from 'drizzle-orm';
import * as z from 'zod';

import type { Database } from './client';
import { mapPersistenceErrors } from './errors';
import { type ChunkRow, chunks, documents } from './schema';
import { parseInput, requireId, requireOwnerId } from './validation';

/** A chunk may hold a few thousand tokens at most; anything larger is a chunker bug or abuse. */
const MAX_CHUNK_CHARACTERS = 32_000;
const INSERT_BATCH = 500;

const chunkInputSchema = z
  .object({
    id: z.string().refine(isUlid, 'must be a ULID'),
    ordinal: z.number().int().min(0),
    text: z.string().min(1).max(MAX_CHUNK_CHARACTERS),
    headingPath: z.array(z.string().max(500)).max(12).default([]),
    pageStart: z.number().int().min(1).nullable().default(null),
    pageEnd: z.number().int().min(1).nullable().default(null),
    tokenCount: z.number().int().min(0),
    embedding: z.array(z.number().finite()).min(1).max(16_000).nullable().default(null),
  })
  .strict();

export type ChunkInput = z.input<typeof chunkInputSchema>;

/** A passage found by a search, with the document it belongs to. */
export interface ChunkMatch {
  readonly chunkId: string;
  readonly documentId: string;
  readonly documentTitle: string;
  readonly ordinal: number;
  readonly text: string;
  readonly headingPath: string[];
  readonly pageStart: number | null;
  readonly pageEnd: number | null;
  /** Cosine distance for vector search (lower is closer), ts_rank for full text (higher is better). */
  readonly score: number;
}

/**
 * One owner's chunks. Searches return only passages of the owner's `ready` documents; the owner
 * filter is in SQL, never applied after the fact.
 */
export class ChunkRepository {
  private readonly ownerId: string;

  constructor(
    private readonly db: Database,
    ownerId: string,
  ) {
    this.ownerId = requireOwnerId(ownerId);
  }

  /**
   * Replaces every chunk of a document in one transaction: readers see the old set or the new
   * one, never a mix. The document row is locked so two ingestions of it cannot interleave.
   */
  async replaceForDocument(documentId: string, input: readonly ChunkInput[]): Promise<number> {
    requireId('Document', documentId);
    const rows = input.map((chunk) => parseInput(chunkInputSchema, chunk, 'chunk'));
    return mapPersistenceErrors('chunk', () =>
      this.db.transaction(async (tx) => {
        const [document] = await tx
          .select({ id: documents.id })
          .from(documents)
          .where(and(eq(documents.ownerId, this.ownerId), eq(documents.id, documentId)))
          .for('update');
        if (!document) throw new NotFoundError('Document', documentId);
        await tx
          .delete(chunks)
          .where(and(eq(chunks.ownerId, this.ownerId), eq(chunks.documentId, documentId)));
        for (let start = 0; start < rows.length; start += INSERT_BATCH) {
          await tx
            .insert(chunks)
            .values(
              rows
                .slice(start, start + INSERT_BATCH)
                .map((row) => ({ ...row, ownerId: this.ownerId, documentId })),
            );
        }
        return rows.length;
      }),
    );
  }

  async listForDocument(documentId: string): Promise<ChunkRow[]> {
    requireId('Document', documentId);
    return mapPersistenceErrors('chunk', () =>
      this.db
        .select()
        .from(chunks)
        .where(and(eq(chunks.ownerId, this.ownerId), eq(chunks.documentId, documentId)))
        .orderBy(asc(chunks.ordinal)),
    );
  }

  /** The `k` passages nearest to `embedding` by cosine distance (HNSW index). */
  async nearest(embedding: readonly number[], k: number): Promise<ChunkMatch[]> {
    const vector = `[${embedding.map((value) => Number(value)).join(',')}]`;
    const distance = sql<number>`${chunks.embedding} <=> ${vector}::vector`;
    return this.search(distance, sql`${chunks.embedding} is not null`, distance, 'asc', k);
  }

  /** The `k` passages best matching a web-style query (`"exact phrase" -excluded or`). */
  async fullText(query: string, k: number): Promise<ChunkMatch[]> {
    const tsQuery = sql`websearch_to_tsquery('simple'::regconfig, ${query.slice(0, 1000)})`;
    const rank = sql<number>`ts_rank(${chunks.searchVector}, ${tsQuery})`;
    return this.search(rank, sql`${chunks.searchVector} @@ ${tsQuery}`, rank, 'desc', k);
  }

  private async search(
    score: ReturnType<typeof sql<number>>,
    match: ReturnType<typeof sql>,
    order: ReturnType<typeof sql<number>>,
    direction: 'asc' | 'desc',
    k: number,
  ): Promise<ChunkMatch[]> {
    const limit = Math.max(1, Math.min(100, Math.trunc(k)));
    const rows = await mapPersistenceErrors('chunk', () =>
      this.db
        .select({
          chunkId: chunks.id,
          documentId: chunks.documentId,
          documentTitle: documents.title,
          ordinal: chunks.ordinal,
          text: chunks.text,
          headingPath: chunks.headingPath,
          pageStart: chunks.pageStart,
          pageEnd: chunks.pageEnd,
          score,
        })
        .from(chunks)
        .innerJoin(documents, eq(documents.id, chunks.documentId))
        .where(
          and(
            eq(chunks.ownerId, this.ownerId),
            eq(documents.ownerId, this.ownerId),
            eq(documents.status, 'ready'),
            match,
          ),
        )
        .orderBy(direction === 'asc' ? sql`${order} asc` : sql`${order} desc`)
        .limit(limit),
    );
    return rows.map((row) => ({ ...row, score: Number(row.score) }));
  }
}
