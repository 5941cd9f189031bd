import { isUlid, NotFoundError } from '@lgm/core';
import { and, eq, type SQL } from 'drizzle-orm';
import * as z from 'zod';

import { type Page, pageSize } from '../shared/cursor';
import type { Database } from './client';
import { mapPersistenceErrors } from './errors';
import { afterCursor, newestFirst, toPage } from './pagination';
import { type ArtifactRow, artifacts } from './schema';
import { parseInput, requireId, requireOwnerId } from './validation';

export const MAX_ARTIFACT_BYTES = 1024 * 1024 * 1024;

const newArtifactSchema = z
  .object({
    id: z.string().refine(isUlid, 'must be a ULID'),
    sessionId: z.string().refine(isUlid, 'must be a ULID').nullable().default(null),
    turnId: z.string().refine(isUlid, 'must be a ULID').nullable().default(null),
    name: z.string().trim().min(1).max(255),
    contentType: z.string().min(1).max(200),
    sizeBytes: z.number().int().min(0).max(MAX_ARTIFACT_BYTES),
    s3Key: z.string().min(1).max(1024),
  })
  .strict();

export type NewArtifact = z.input<typeof newArtifactSchema>;

/** One owner's artifacts: files produced by code runs and tools. */
export class ArtifactRepository {
  private readonly ownerId: string;

  constructor(
    private readonly db: Database,
    ownerId: string,
  ) {
    this.ownerId = requireOwnerId(ownerId);
  }

  private mine(id: string): SQL {
    return and(eq(artifacts.ownerId, this.ownerId), eq(artifacts.id, id)) as SQL;
  }

  async create(input: NewArtifact): Promise<ArtifactRow> {
    const values = parseInput(newArtifactSchema, input, 'artifact');
    return mapPersistenceErrors('artifact', async () => {
      const [row] = await this.db
        .insert(artifacts)
        .values({ ...values, ownerId: this.ownerId })
        .returning();
      return row as ArtifactRow;
    });
  }

  async get(id: string): Promise<ArtifactRow> {
    requireId('Artifact', id);
    const [row] = await mapPersistenceErrors('artifact', () =>
      this.db.select().from(artifacts).where(this.mine(id)).limit(1),
    );
    if (!row) throw new NotFoundError('Artifact', id);
    return row;
  }

  async list(
    options: { limit?: number; cursor?: string; sessionId?: string } = {},
  ): Promise<Page<ArtifactRow>> {
    const limit = pageSize(options.limit);
    if (options.sessionId !== undefined) requireId('Session', options.sessionId);
    const rows = await mapPersistenceErrors('artifact', () =>
      this.db
        .select()
        .from(artifacts)
        .where(
          and(
            eq(artifacts.ownerId, this.ownerId),
            options.sessionId ? eq(artifacts.sessionId, options.sessionId) : undefined,
            afterCursor(artifacts, options.cursor),
          ),
        )
        .orderBy(...newestFirst(artifacts))
        .limit(limit + 1),
    );
    return toPage(rows, limit);
  }

  async delete(id: string): Promise<void> {
    requireId('Artifact', id);
    const deleted = await mapPersistenceErrors('artifact', () =>
      this.db.delete(artifacts).where(this.mine(id)).returning({ id: artifacts.id }),
    );
    if (deleted.length === 0) throw new NotFoundError('Artifact', id);
  }
}
