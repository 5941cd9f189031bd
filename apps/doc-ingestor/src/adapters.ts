import { HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { isAppError } from '@lgm/core';
import {
  ChunkRepository,
  type Database,
  DocumentRepository,
  type ObjectKeyParts,
  S3BlobStore,
  toBlobStoreError,
} from '@lgm/persistence';

import type { ChunkStore, DocumentStore, SourceObjects } from './ingestion';
import type { ObjectHead } from './source-version';

/** The ingestion ports over PostgreSQL (drizzle repositories) and S3. */

export function documentStore(db: Database, ownerId: string): DocumentStore {
  const repository = new DocumentRepository(db, ownerId);
  return {
    async find(id) {
      try {
        return await repository.get(id);
      } catch (error) {
        if (isAppError(error) && error.status === 404) return undefined;
        throw error;
      }
    },
    create: (input) => repository.create(input),
    update: (id, version, changes) => repository.update(id, version, changes),
  };
}

export function chunkStore(db: Database, ownerId: string): ChunkStore {
  const repository = new ChunkRepository(db, ownerId);
  return { replaceForDocument: (id, chunks) => repository.replaceForDocument(id, chunks) };
}

/**
 * Reads go through the owner-scoped blob store (the key is rebuilt from validated parts); the
 * head is a raw HeadObject because the idempotency rule needs the current versionId, which the
 * blob store's BlobInfo does not carry.
 */
export function s3SourceObjects(s3: S3Client, bucket: string): SourceObjects {
  const blobs = new S3BlobStore({ s3, bucket });
  return {
    async head(eventBucket, key): Promise<ObjectHead | undefined> {
      try {
        const output = await s3.send(new HeadObjectCommand({ Bucket: eventBucket, Key: key }));
        return {
          ...(output.VersionId === undefined || output.VersionId === 'null'
            ? {}
            : { versionId: output.VersionId }),
          eTag: (output.ETag ?? '').replace(/"/g, ''),
          size: output.ContentLength ?? 0,
          contentType: output.ContentType ?? 'application/octet-stream',
          metadata: output.Metadata ?? {},
        };
      } catch (error) {
        const appError = toBlobStoreError(error);
        if (appError.status === 404) return undefined;
        throw appError;
      }
    },
    async read(parts: ObjectKeyParts) {
      const store = blobs.forOwner(parts.ownerId, 'documents');
      const object = await store.getBytes({ id: parts.id, fileName: parts.fileName });
      return object.bytes;
    },
  };
}
