import { CopyObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { Clock } from '@lgm/core';
import { type BlobStore, buildObjectKey, toBlobStoreError } from '@lgm/persistence';

import type { DocumentSources } from './deps';

/**
 * Reindexing without a queue of our own: the object is copied onto itself (metadata replaced, as
 * S3 requires of a self-copy), which S3 reports as a new `ObjectCreated:Copy` event. On a
 * versioned bucket that is a new version, on an unversioned one a newer sequencer: either way
 * doc-ingestor's idempotency rule (apps/doc-ingestor/src/source-version.ts) sees a new event for
 * the object as it is now, and ingests it again through the same path as an upload.
 */
export function s3DocumentSources(options: {
  readonly s3: S3Client;
  readonly bucket: string;
  /** The owner's `documents/` blob store. */
  readonly documentBlobs: (ownerId: string) => BlobStore;
  readonly clock: Clock;
}): DocumentSources {
  return {
    async reindex(ownerId, file) {
      // Proves the object exists (OBJECT_NOT_FOUND otherwise) and keeps its type and metadata.
      const current = await options.documentBlobs(ownerId).head(file);
      const key = buildObjectKey({ area: 'documents', ownerId, ...file });
      try {
        await options.s3.send(
          new CopyObjectCommand({
            Bucket: options.bucket,
            Key: key,
            CopySource: `${options.bucket}/${encodeURIComponent(key).replaceAll('%2F', '/')}`,
            MetadataDirective: 'REPLACE',
            ContentType: current.contentType,
            Metadata: { ...current.metadata, 'reindexed-at': options.clock.now().toISOString() },
          }),
        );
      } catch (error) {
        throw toBlobStoreError(error);
      }
    },
  };
}
