import { ConflictError, isUlid, NotFoundError, ValidationError } from '@lgm/core';
import { and, eq, type SQL, sql } from 'drizzle-orm';
import * as z from 'zod';

import { type Page, pageSize } from '../shared/cursor';
import type { Database } from './client';
import { mapPersistenceErrors } from './errors';
import { afterCursor, newestFirst, toPage } from './pagination';
import { type DocumentRow, documents, type DocumentStatus } from './schema';
import { parseInput, requireId, requireOwnerId } from './validation';

export const MAX_DOCUMENT_BYTES = 5 * 1024 * 1024 * 1024;

const newDocumentSchema = z
  .object({
    id: z.string().refine(isUlid, 'must be a ULID'),
    title: z.string().trim().min(1).max(300),
    fileName: z.string().min(1).max(255),
    contentType: z.string().min(1).max(200),
    sizeBytes: z.number().int().min(0).max(MAX_DOCUMENT_BYTES),
    s3Key: z.string().min(1).max(1024),
  })
  .strict();

const documentChangesSchema = z
  .object({
    title: z.string().trim().min(1).max(300).optional(),
    status: z.enum(['pending', 'processing', 'ready', 'failed']).optional(),
    progress: z.number().int().min(0).max(100).optional(),
    error: z
      .object({ code: z.string().min(1).max(100), message: z.string().min(1).max(2000) })
      .strict()
      .nullable()
      .optional(),
    sourceVersion: z.string().min(1).max(1024).nullable().optional(),
  })
  .strict();

export type NewDocument = z.input<typeof newDocumentSchema>;
export type DocumentChanges = z.input<typeof documentChangesSchema>;

/**
 * One owner's documents. Every statement is ANDed with the owner: another owner's document is
 * indistinguishable from a missing one (404), for reads, updates and deletes alike.
 */
export class DocumentRepository {
  private readonly ownerId: string;

  constructor(
    private readonly db: Database,
    ownerId: string,
  ) {
    this.ownerId = requireOwnerId(ownerId);
  }

  private mine(id: string): SQL {
    return and(eq(documents.ownerId, this.ownerId), eq(documents.id, id)) as SQL;
  }

  async create(input: NewDocument): Promise<DocumentRow> {
    const values = parseInput(newDocumentSchema, input, 'document');
    return mapPersistenceErrors('document', async () => {
      const [row] = await this.db
        .insert(documents)
        .values({ ...values, ownerId: this.ownerId })
        .returning();
      return row as DocumentRow;
    });
  }

  async get(id: string): Promise<DocumentRow> {
    requireId('Document', id);
    const [row] = await mapPersistenceErrors('document', () =>
      this.db.select().from(documents).where(this.mine(id)).limit(1),
    );
    if (!row) throw new NotFoundError('Document', id);
    return row;
  }

  async list(
    options: { limit?: number; cursor?: string; status?: DocumentStatus } = {},
  ): Promise<Page<DocumentRow>> {
    const limit = pageSize(options.limit);
    const conditions = [
      eq(documents.ownerId, this.ownerId),
      options.status ? eq(documents.status, options.status) : undefined,
      afterCursor(documents, options.cursor),
    ];
    const rows = await mapPersistenceErrors('document', () =>
      this.db
        .select()
        .from(documents)
        .where(and(...conditions))
        .orderBy(...newestFirst(documents))
        .limit(limit + 1),
    );
    return toPage(rows, limit);
  }

  /**
   * Applies changes if the stored version is still `expectedVersion`; a stale write is rejected
   * with DOCUMENT_VERSION_CONFLICT and changes nothing.
   */
  async update(
    id: string,
    expectedVersion: number,
    changes: DocumentChanges,
  ): Promise<DocumentRow> {
    requireId('Document', id);
    if (!Number.isSafeInteger(expectedVersion) || expectedVersion < 1) {
      throw new ValidationError('expectedVersion must be a whole number from 1.', {
        code: 'INVALID_VERSION',
      });
    }
    const values = parseInput(documentChangesSchema, changes, 'document change');
    const { error, ...rest } = values;
    const [row] = await mapPersistenceErrors('document', () =>
      this.db
        .update(documents)
        .set({
          ...rest,
          ...(error === undefined
            ? {}
            : { errorCode: error?.code ?? null, errorMessage: error?.message ?? null }),
          version: sql`${documents.version} + 1`,
          updatedAt: new Date(),
        })
        .where(and(this.mine(id), eq(documents.version, expectedVersion)))
        .returning(),
    );
    if (row) return row;
    const current = await this.get(id);
    throw new ConflictError(
      `Document '${id}' changed since it was read (version ${current.version}, not ${expectedVersion}).`,
      { code: 'DOCUMENT_VERSION_CONFLICT', details: { currentVersion: current.version } },
    );
  }

  /** Deletes the document and, by cascade, its chunks. */
  async delete(id: string): Promise<void> {
    requireId('Document', id);
    const deleted = await mapPersistenceErrors('document', () =>
      this.db.delete(documents).where(this.mine(id)).returning({ id: documents.id }),
    );
    if (deleted.length === 0) throw new NotFoundError('Document', id);
  }
}
