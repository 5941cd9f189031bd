import { ConflictError } from '@lgm/core';
import { sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import type pg from 'pg';

import type { Database } from './client';
import * as schema from './schema';

export interface MigrateOptions {
  /** The folder of drizzle-kit's SQL migrations (`libs/persistence/drizzle`, shipped with the code). */
  readonly migrationsFolder: string;
  /** Dimensions of the configured embedding model: `chunks.embedding` becomes `vector(N)`. */
  readonly embeddingDimensions: number;
}

export const HNSW_INDEX_NAME = 'chunks_embedding_hnsw_idx';

/** pgvector's HNSW index accepts `vector` columns of at most 2,000 dimensions. */
export const MAX_EMBEDDING_DIMENSIONS = 2000;

/**
 * Applies every pending migration, then fixes `chunks.embedding` to the configured dimensions with
 * an HNSW cosine index. Safe to run on every boot and from several processes at once: the whole
 * run holds a session advisory lock on one dedicated connection (drizzle's migrator takes none).
 */
export async function migrateDatabase(pool: pg.Pool, options: MigrateOptions): Promise<void> {
  if (
    !Number.isInteger(options.embeddingDimensions) ||
    options.embeddingDimensions < 1 ||
    options.embeddingDimensions > MAX_EMBEDDING_DIMENSIONS
  ) {
    throw new RangeError(
      `embeddingDimensions must be a whole number from 1 to ${MAX_EMBEDDING_DIMENSIONS}, got ${options.embeddingDimensions}`,
    );
  }
  const client = await pool.connect();
  try {
    await client.query(`select pg_advisory_lock(hashtext('lgm.migrate'))`);
    try {
      const db = drizzle({ client, schema });
      await migrate(db, { migrationsFolder: options.migrationsFolder });
      await ensureEmbeddingColumn(db, options.embeddingDimensions);
    } finally {
      await client.query(`select pg_advisory_unlock(hashtext('lgm.migrate'))`);
    }
  } finally {
    client.release();
  }
}

/**
 * `vector(N)` and its HNSW index, N from configuration. Changing N is allowed only while no chunk
 * has an embedding: vectors of another model are meaningless, so existing documents would have to
 * be re-indexed first, and that is said plainly instead of failing later in a query.
 */
export async function ensureEmbeddingColumn(db: Database, dimensions: number): Promise<void> {
  await db.transaction(async (tx) => {
    const current = await tx.execute<{ dimensions: number }>(sql`
      select a.atttypmod as dimensions
      from pg_attribute a
      where a.attrelid = 'chunks'::regclass and a.attname = 'embedding' and not a.attisdropped`);
    const existing = current.rows[0]?.dimensions ?? -1;
    if (existing !== dimensions) {
      if (existing > 0) {
        const embedded = await tx.execute<{ count: number }>(
          sql`select count(*)::int as count from chunks where embedding is not null`,
        );
        if ((embedded.rows[0]?.count ?? 0) > 0) {
          throw new ConflictError(
            `The database holds ${existing}-dimensional embeddings but the configured model makes ${dimensions}. ` +
              'Re-index the documents (or point at a database made for this model) before switching models.',
            { code: 'EMBEDDING_DIMENSIONS_MISMATCH' },
          );
        }
      }
      await tx.execute(sql.raw(`drop index if exists ${HNSW_INDEX_NAME}`));
      await tx.execute(
        sql.raw(`alter table chunks alter column embedding type vector(${dimensions})`),
      );
    }
    // Cosine distance, matching normalised Titan v2 and local embeddings (ARCHITECTURE §3).
    await tx.execute(
      sql.raw(
        `create index if not exists ${HNSW_INDEX_NAME} on chunks using hnsw (embedding vector_cosine_ops)`,
      ),
    );
  });
}
