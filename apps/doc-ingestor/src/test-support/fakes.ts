import type { Embedder } from '@lgm/bedrock';
import {
  ConflictError,
  createIdGenerator,
  createLogger,
  createManualClock,
  type ManualClock,
} from '@lgm/core';
import type { ChunkInput, DocumentChanges, DocumentRow, ObjectKeyParts } from '@lgm/persistence';

import type { ChunkStore, DocumentStore, IngestionPorts, SourceObjects } from '../ingestion';
import type { ObjectEvent } from '../s3-events';
import type { ObjectHead } from '../source-version';

/** In-memory stand-ins for the ingestion ports, with the same contracts as the real adapters. */

export const BUCKET = 'docs-bucket';
export const OWNER = 'owner-1';

/** DocumentRepository's behaviour, in memory: owner-scoped rows with optimistic versions. */
export class FakeDocuments {
  readonly rows = new Map<string, DocumentRow>();
  /** Every successful update, in order, for asserting status transitions. */
  readonly writes: { id: string; changes: DocumentChanges }[] = [];

  constructor(private readonly clock: ManualClock) {}

  store(ownerId: string): DocumentStore {
    const key = (id: string) => `${ownerId}/${id}`;
    return {
      find: async (id) => this.rows.get(key(id)),
      create: async (input) => {
        const now = this.clock.now();
        const row: DocumentRow = {
          ...input,
          ownerId,
          status: 'pending',
          progress: 0,
          errorCode: null,
          errorMessage: null,
          sourceVersion: null,
          version: 1,
          createdAt: now,
          updatedAt: now,
        };
        this.rows.set(key(input.id), row);
        return row;
      },
      update: async (id, expectedVersion, changes) => {
        const row = this.rows.get(key(id));
        if (row === undefined) throw new Error(`no document ${id}`);
        if (row.version !== expectedVersion) {
          throw new ConflictError('stale', { code: 'DOCUMENT_VERSION_CONFLICT' });
        }
        const { error, ...rest } = changes;
        const next: DocumentRow = {
          ...row,
          ...rest,
          ...(error === undefined
            ? {}
            : { errorCode: error?.code ?? null, errorMessage: error?.message ?? null }),
          version: row.version + 1,
          updatedAt: this.clock.now(),
        };
        this.rows.set(key(id), next);
        this.writes.push({ id, changes });
        return next;
      },
    };
  }

  /** A row as chat-api creates it before the upload. */
  async seed(parts: ObjectKeyParts, key: string): Promise<DocumentRow> {
    return this.store(parts.ownerId).create({
      id: parts.id,
      title: parts.fileName,
      fileName: parts.fileName,
      contentType: 'application/octet-stream',
      sizeBytes: 0,
      s3Key: key,
    });
  }
}

export class FakeChunks {
  readonly byDocument = new Map<string, ChunkInput[]>();
  failWith: Error | undefined;

  store(ownerId: string): ChunkStore {
    return {
      replaceForDocument: async (documentId, chunks) => {
        if (this.failWith !== undefined) throw this.failWith;
        this.byDocument.set(`${ownerId}/${documentId}`, [...chunks]);
        return chunks.length;
      },
    };
  }

  of(documentId: string, ownerId = OWNER): ChunkInput[] | undefined {
    return this.byDocument.get(`${ownerId}/${documentId}`);
  }
}

/** A bucket with (optionally) versioned objects: `put` returns what S3's event would carry. */
export class FakeBucket implements SourceObjects {
  private readonly objects = new Map<string, { head: ObjectHead; bytes: Uint8Array }>();
  private sequence = 0x100;
  private versions = 0;

  constructor(private readonly versioned: boolean) {}

  put(key: string, content: string | Uint8Array, contentType = 'text/markdown'): ObjectEvent {
    const bytes = typeof content === 'string' ? new TextEncoder().encode(content) : content;
    this.sequence += 1;
    this.versions += 1;
    const eTag = `etag-${this.sequence}`;
    const versionId = this.versioned ? `v${this.versions}` : undefined;
    this.objects.set(key, {
      bytes,
      head: {
        ...(versionId === undefined ? {} : { versionId }),
        eTag,
        size: bytes.length,
        contentType,
        metadata: {},
      },
    });
    return {
      kind: 'created',
      eventName: 'ObjectCreated:Put',
      bucket: BUCKET,
      key,
      eTag,
      sequencer: this.sequence.toString(16).toUpperCase(),
      size: bytes.length,
      ...(versionId === undefined ? {} : { versionId }),
    };
  }

  remove(key: string): ObjectEvent {
    this.objects.delete(key);
    this.sequence += 1;
    return {
      kind: 'removed',
      eventName: 'ObjectRemoved:Delete',
      bucket: BUCKET,
      key,
      sequencer: this.sequence.toString(16).toUpperCase(),
    };
  }

  async head(bucket: string, key: string): Promise<ObjectHead | undefined> {
    return bucket === BUCKET ? this.objects.get(key)?.head : undefined;
  }

  async read(parts: ObjectKeyParts): Promise<Uint8Array> {
    const key = `documents/${parts.ownerId}/${parts.id}/${parts.fileName}`;
    const object = this.objects.get(key);
    if (object === undefined) throw new Error(`no object ${key}`);
    return object.bytes;
  }
}

/** A deterministic embedder: a vector from the text's characters; counts its calls. */
export class FakeEmbedder implements Embedder {
  readonly dimensions = 4;
  readonly modelId = 'fake';
  calls = 0;
  inFlight = 0;
  maxInFlight = 0;

  constructor(private readonly delayMs = 0) {}

  async embed(texts: readonly string[], options: { signal?: AbortSignal }): Promise<number[][]> {
    this.calls += 1;
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      if (this.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
      options.signal?.throwIfAborted();
      return texts.map((text) => [text.length, text.charCodeAt(0) || 0, 1, 0]);
    } finally {
      this.inFlight -= 1;
    }
  }
}

export interface Harness {
  readonly ports: IngestionPorts;
  readonly clock: ManualClock;
  readonly documents: FakeDocuments;
  readonly chunks: FakeChunks;
  readonly bucket: FakeBucket;
  readonly embedder: FakeEmbedder;
}

export function harness(
  options: {
    versioned?: boolean;
    embedder?: FakeEmbedder;
    parser?: IngestionPorts['parser'];
  } = {},
): Harness {
  const clock = createManualClock(new Date('2026-01-01T00:00:00Z'));
  const documents = new FakeDocuments(clock);
  const chunks = new FakeChunks();
  const bucket = new FakeBucket(options.versioned ?? false);
  const embedder = options.embedder ?? new FakeEmbedder();
  return {
    clock,
    documents,
    chunks,
    bucket,
    embedder,
    ports: {
      documents: (ownerId) => documents.store(ownerId),
      chunks: (ownerId) => chunks.store(ownerId),
      objects: bucket,
      embedder,
      ...(options.parser === undefined ? {} : { parser: options.parser }),
      clock,
      nextId: createIdGenerator(clock),
      logger: createLogger({ service: 'doc-ingestor-test', level: 'silent' }),
    },
  };
}
