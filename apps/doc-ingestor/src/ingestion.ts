import type { Embedder } from '@lgm/bedrock';
import {
  AppError,
  type Clock,
  type IdGenerator,
  isAppError,
  type Logger,
  ServiceUnavailableError,
} from '@lgm/core';
import type {
  ChunkInput,
  DocumentChanges,
  DocumentRow,
  NewDocument,
  ObjectKeyParts,
} from '@lgm/persistence';
import { parseObjectKey } from '@lgm/persistence';
import { type Chunk, chunkBlocks, type ChunkerOptions, type DocumentBlock } from '@lgm/rag';

import { type DocumentParser, type ParsedPart, parseInParts } from './document-parser';
import type { ObjectEvent } from './s3-events';
import {
  decideCreated,
  decideRemoved,
  decodeSourceToken,
  encodeSourceToken,
  type ObjectHead,
  type StoredSource,
  tokenOf,
} from './source-version';

/** One owner's documents, as the ingestor uses them (DocumentRepository implements it). */
export interface DocumentStore {
  /** The row, or `undefined` when this owner has no such document. */
  find(id: string): Promise<DocumentRow | undefined>;
  create(input: NewDocument): Promise<DocumentRow>;
  /** Optimistic: throws a 409 AppError when the row moved past `expectedVersion`. */
  update(id: string, expectedVersion: number, changes: DocumentChanges): Promise<DocumentRow>;
}

/** One owner's chunks (ChunkRepository implements it). */
export interface ChunkStore {
  /** Replaces every chunk of the document in one transaction. */
  replaceForDocument(documentId: string, chunks: readonly ChunkInput[]): Promise<number>;
}

/** The uploaded objects, read-only: the original is never modified. */
export interface SourceObjects {
  /** The object as it is now, or `undefined` if it does not exist. */
  head(bucket: string, key: string): Promise<ObjectHead | undefined>;
  /** The object's bytes, through the owner-scoped blob store. */
  read(key: ObjectKeyParts): Promise<Uint8Array>;
}

export interface IngestionPorts {
  documents(ownerId: string): DocumentStore;
  chunks(ownerId: string): ChunkStore;
  readonly objects: SourceObjects;
  readonly embedder: Embedder;
  /** Defaults to {@link parseInParts}; tests pass a scripted one. */
  readonly parser?: DocumentParser;
  readonly clock: Clock;
  readonly nextId: IdGenerator;
  readonly logger: Logger;
}

export interface IngestionSettings {
  /** The documents bucket; events from any other bucket are ignored. */
  readonly bucket: string;
  /** A document still running after this ends `failed` with DOCUMENT_TIMEOUT. */
  readonly timeLimitMs: number;
  /** Texts per embedding request. */
  readonly embedBatchSize: number;
  /** Embedding requests in flight at once for one document. */
  readonly embedConcurrency: number;
  /** Progress is written when it moved by at least this many points (not per chunk). */
  readonly progressStep: number;
  /** Objects larger than this fail with DOCUMENT_TOO_LARGE before they are downloaded. */
  readonly maxDocumentBytes: number;
  readonly chunker?: ChunkerOptions;
}

export const DEFAULT_INGESTION_SETTINGS: Omit<IngestionSettings, 'bucket'> = {
  timeLimitMs: 5 * 60_000,
  embedBatchSize: 32,
  embedConcurrency: 2,
  progressStep: 10,
  maxDocumentBytes: 100 * 1024 * 1024,
};

/** What happened to one event. */
export type IngestionOutcome =
  | { readonly outcome: 'ready'; readonly documentId: string; readonly chunks: number }
  | {
      readonly outcome: 'failed';
      readonly documentId: string;
      readonly code: string;
      readonly message: string;
    }
  | { readonly outcome: 'removed'; readonly documentId: string }
  | { readonly outcome: 'skipped'; readonly documentId: string; readonly reason: string }
  | { readonly outcome: 'ignored'; readonly reason: string };

/** Parsing takes this share of the progress bar; embedding the rest up to storing. */
const PARSE_SHARE = 80;
const EMBED_DONE = 95;
/** A `processing` row untouched this long after the time limit belongs to a crashed run. */
const LEASE_GRACE_MS = 60_000;

/** Another event took the document over while this run worked; it stops without writing. */
class Superseded extends Error {}

/** The time limit ran out. */
class TimedOut extends Error {}

/**
 * Failures that mean "this input can never work": the document is marked `failed` and the event
 * is done. 408/409/429 are transient (timeouts, races, throttling) and 5xx are infrastructure:
 * they are thrown so the queue retries the event and, in the end, parks it in the DLQ.
 */
function isPermanent(error: unknown): error is AppError {
  return (
    isAppError(error) &&
    error.status >= 400 &&
    error.status < 500 &&
    ![408, 409, 429].includes(error.status)
  );
}

function isVersionConflict(error: unknown): boolean {
  return isAppError(error) && error.code === 'DOCUMENT_VERSION_CONFLICT';
}

/**
 * The ingestion core: one S3 object event in, the document's status and chunks out. It knows
 * nothing of SQS, Lambda or HTTP; callers deliver events one key at a time.
 *
 * @example
 * const ingestion = createDocumentIngestion(ports, { ...DEFAULT_INGESTION_SETTINGS, bucket });
 * await ingestion.apply(event);
 */
export function createDocumentIngestion(
  ports: IngestionPorts,
  settings: IngestionSettings,
): { apply(event: ObjectEvent): Promise<IngestionOutcome> } {
  const parser = ports.parser ?? parseInParts;

  function storedSource(row: DocumentRow): StoredSource {
    const age = ports.clock.now().getTime() - row.updatedAt.getTime();
    return {
      token: decodeSourceToken(row.sourceVersion),
      status: row.status,
      leaseExpired: row.status === 'processing' && age > settings.timeLimitMs + LEASE_GRACE_MS,
    };
  }

  async function apply(event: ObjectEvent): Promise<IngestionOutcome> {
    if (event.bucket !== settings.bucket) {
      return { outcome: 'ignored', reason: `bucket ${event.bucket} is not the documents bucket` };
    }
    let parts: ObjectKeyParts;
    try {
      parts = parseObjectKey(event.key);
    } catch {
      return { outcome: 'ignored', reason: 'the key is not documents/<owner>/<id>/<file>' };
    }
    if (parts.area !== 'documents') return { outcome: 'ignored', reason: 'not a document key' };
    return event.kind === 'created' ? created(event, parts) : removed(event, parts);
  }

  async function removed(event: ObjectEvent, parts: ObjectKeyParts): Promise<IngestionOutcome> {
    const documents = ports.documents(parts.ownerId);
    const row = await documents.find(parts.id);
    if (row === undefined) {
      // chat-api deleted the row (and, by cascade, the chunks) before deleting the object.
      return { outcome: 'skipped', documentId: parts.id, reason: 'no document row' };
    }
    const current = await ports.objects.head(event.bucket, event.key);
    const decision = decideRemoved(event, current, storedSource(row));
    if (decision.action === 'skip') {
      return { outcome: 'skipped', documentId: parts.id, reason: decision.reason };
    }
    await ports.chunks(parts.ownerId).replaceForDocument(parts.id, []);
    // The row stays, `failed` with a reason the UI can show: the object went away behind the
    // API's back (a lifecycle rule, an operator). Deleting documents is chat-api's job.
    const changes: DocumentChanges = {
      status: 'failed',
      progress: 0,
      error: {
        code: 'DOCUMENT_SOURCE_DELETED',
        message: 'The uploaded file was deleted, so the document is no longer searchable.',
      },
      sourceVersion: encodeSourceToken(tokenOf(event)),
    };
    try {
      await documents.update(row.id, row.version, changes);
    } catch (error) {
      if (!isVersionConflict(error)) throw error;
      const fresh = await documents.find(row.id);
      if (fresh !== undefined) await documents.update(fresh.id, fresh.version, changes);
    }
    ports.logger.info({ documentId: parts.id, event: event.eventName }, 'document source removed');
    return { outcome: 'removed', documentId: parts.id };
  }

  async function created(event: ObjectEvent, parts: ObjectKeyParts): Promise<IngestionOutcome> {
    const documents = ports.documents(parts.ownerId);
    const current = await ports.objects.head(event.bucket, event.key);
    let row = await documents.find(parts.id);
    const decision = decideCreated(
      event,
      current,
      row === undefined ? undefined : storedSource(row),
    );
    if (decision.action === 'skip') {
      if (decision.reason === 'in-progress') {
        // Another delivery is running it: retry later instead of dropping the event, in case
        // that run dies (the lease then expires and a redelivery takes over).
        throw new ServiceUnavailableError(`Document '${parts.id}' is being ingested already.`, {
          code: 'INGESTION_IN_PROGRESS',
        });
      }
      return { outcome: 'skipped', documentId: parts.id, reason: decision.reason };
    }
    if (current === undefined) throw new Error('unreachable: decideCreated skips missing objects');
    if (row === undefined) {
      // chat-api creates the row before the upload; until its document routes exist, an upload
      // without a row (a script, the S3 console) gets one built from the key and the object.
      row = await documents.create({
        id: parts.id,
        title: current.metadata['title'] ?? parts.fileName,
        fileName: parts.fileName,
        contentType: current.contentType,
        sizeBytes: current.size,
        s3Key: event.key,
      });
    }
    const run = new IngestionRun(ports, settings, parser, documents, parts, row, event);
    return run.execute(current);
  }

  return { apply };
}

/** One document's ingestion, from `processing` to `ready` or `failed`. */
class IngestionRun {
  private row: DocumentRow;
  private readonly token: string;
  private progress = 0;
  private readonly abort = new AbortController();

  constructor(
    private readonly ports: IngestionPorts,
    private readonly settings: IngestionSettings,
    private readonly parser: DocumentParser,
    private readonly documents: DocumentStore,
    private readonly parts: ObjectKeyParts,
    row: DocumentRow,
    private readonly event: ObjectEvent,
  ) {
    this.row = row;
    this.token = encodeSourceToken(tokenOf(event));
  }

  private get id(): string {
    return this.parts.id;
  }

  async execute(head: ObjectHead): Promise<IngestionOutcome> {
    const started = this.ports.clock.now().getTime();
    try {
      await this.claim();
    } catch (error) {
      if (error instanceof Superseded) return this.superseded();
      throw error;
    }
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.abort.abort();
        reject(new TimedOut());
      }, this.settings.timeLimitMs);
    });
    try {
      const chunks = await Promise.race([this.work(head), timeout]);
      await this.write({ status: 'ready', progress: 100, error: null });
      this.ports.logger.info(
        { documentId: this.id, chunks, ms: this.ports.clock.now().getTime() - started },
        'document ready',
      );
      return { outcome: 'ready', documentId: this.id, chunks };
    } catch (error) {
      return await this.settle(error);
    } finally {
      clearTimeout(timer);
      this.abort.abort();
    }
  }

  /** Turns a failure into the document's final state, or rethrows it for the queue to retry. */
  private async settle(error: unknown): Promise<IngestionOutcome> {
    if (error instanceof Superseded) return this.superseded();
    const failure =
      error instanceof TimedOut
        ? {
            code: 'DOCUMENT_TIMEOUT',
            message: `Processing took longer than ${Math.round(this.settings.timeLimitMs / 1000)} s and was stopped.`,
          }
        : isPermanent(error)
          ? { code: error.code, message: error.message.slice(0, 2000) }
          : undefined;
    if (failure === undefined) {
      // Infrastructure: hand the event back (so the redelivery is not taken for a duplicate of a
      // run in progress) and throw. If even this write fails, the lease expires instead.
      await this.write({ status: 'pending', progress: 0, sourceVersion: null }).catch(
        () => undefined,
      );
      throw error;
    }
    try {
      await this.write({ status: 'failed', progress: 0, error: failure });
    } catch (writeError) {
      if (writeError instanceof Superseded) return this.superseded();
      throw writeError;
    }
    this.ports.logger.warn({ documentId: this.id, code: failure.code }, 'document failed');
    return { outcome: 'failed', documentId: this.id, ...failure };
  }

  private superseded(): IngestionOutcome {
    this.ports.logger.info({ documentId: this.id }, 'a newer event took the document over');
    return { outcome: 'skipped', documentId: this.id, reason: 'superseded' };
  }

  /** Marks the row `processing` for this event: from here on, the row says who owns it. */
  private async claim(): Promise<void> {
    this.row = await this.documents
      .update(this.id, this.row.version, {
        status: 'processing',
        progress: 0,
        error: null,
        sourceVersion: this.token,
      })
      .catch((error: unknown) => {
        if (isVersionConflict(error)) throw new Superseded();
        throw error;
      });
  }

  /**
   * Writes to the row if it is still this run's. A conflict caused by someone else's edit (a
   * rename) is retried on the fresh row; a conflict caused by another event means Superseded.
   */
  private async write(changes: DocumentChanges): Promise<void> {
    try {
      this.row = await this.documents.update(this.id, this.row.version, changes);
    } catch (error) {
      if (!isVersionConflict(error)) throw error;
      const fresh = await this.documents.find(this.id);
      if (fresh === undefined || fresh.sourceVersion !== this.token) throw new Superseded();
      if (fresh.status !== 'processing') throw new Superseded();
      this.row = await this.documents.update(this.id, fresh.version, changes);
    }
  }

  private async reportProgress(value: number): Promise<void> {
    const next = Math.max(0, Math.min(99, Math.floor(value)));
    if (next - this.progress < this.settings.progressStep) return;
    this.progress = next;
    await this.write({ progress: next });
  }

  private checkTime(): void {
    if (this.abort.signal.aborted) throw new TimedOut();
  }

  /** The parsed blocks, one part at a time, reporting progress as parts (pages) complete. */
  private async *blocksOf(
    parts: AsyncIterable<ParsedPart>,
  ): AsyncGenerator<DocumentBlock, void, undefined> {
    for await (const part of parts) {
      this.checkTime();
      yield* part.blocks;
      await this.reportProgress(part.fraction * PARSE_SHARE);
    }
  }

  /** Read, parse, chunk, embed, store. Returns the number of chunks stored. */
  private async work(head: ObjectHead): Promise<number> {
    if (head.size > this.settings.maxDocumentBytes) {
      throw new AppError(
        'DOCUMENT_TOO_LARGE',
        413,
        `The document is ${head.size} bytes; the limit is ${this.settings.maxDocumentBytes}.`,
      );
    }
    const bytes = await this.ports.objects.read(this.parts);
    this.checkTime();

    const parsed = this.parser(bytes, {
      fileName: this.parts.fileName,
      declaredContentType: head.contentType,
      maxBytes: this.settings.maxDocumentBytes,
    });

    const embedded: ChunkInput[] = [];
    const embedder = new BatchEmbedder(
      this.ports.embedder,
      this.settings.embedBatchSize,
      this.settings.embedConcurrency,
      this.abort.signal,
      (chunks, vectors) => {
        chunks.forEach((chunk, index) => {
          embedded[chunk.ordinal] = {
            id: this.ports.nextId(),
            ordinal: chunk.ordinal,
            text: chunk.text,
            headingPath: [...chunk.headingPath],
            pageStart: chunk.pageStart,
            pageEnd: chunk.pageEnd,
            tokenCount: chunk.tokenCount,
            embedding: vectors[index] ?? null,
          };
        });
      },
    );
    for await (const chunk of chunkBlocks(this.blocksOf(parsed), this.settings.chunker ?? {})) {
      this.checkTime();
      await embedder.add(chunk);
    }
    await embedder.flush();
    this.checkTime();
    if (embedded.length === 0) {
      throw new AppError('DOCUMENT_HAS_NO_TEXT', 422, 'The document contains no text.');
    }
    await this.reportProgress(EMBED_DONE);

    // Last check before the one write that cannot be undone by a status change: a newer event
    // (or the time limit) may have taken the row since the last progress write.
    const fresh = await this.documents.find(this.id);
    if (fresh === undefined || fresh.sourceVersion !== this.token) throw new Superseded();
    this.checkTime();
    return this.ports.chunks(this.parts.ownerId).replaceForDocument(this.id, embedded);
  }
}

/**
 * Groups chunks into embedding requests and keeps at most `concurrency` of them in flight, so a
 * large document neither waits on one request at a time nor floods the model's rate limit.
 * Throttling is retried inside the Embedder adapters; what still fails here fails the run.
 */
class BatchEmbedder {
  private batch: Chunk[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private failure: unknown;

  constructor(
    private readonly embedder: Embedder,
    private readonly batchSize: number,
    private readonly concurrency: number,
    private readonly signal: AbortSignal,
    private readonly onEmbedded: (chunks: readonly Chunk[], vectors: number[][]) => void,
  ) {}

  async add(chunk: Chunk): Promise<void> {
    this.batch.push(chunk);
    if (this.batch.length >= this.batchSize) await this.send();
  }

  async flush(): Promise<void> {
    if (this.batch.length > 0) await this.send();
    await Promise.all(this.inFlight);
    this.rethrow();
  }

  private rethrow(): void {
    if (this.failure !== undefined) throw this.failure;
  }

  private async send(): Promise<void> {
    const chunks = this.batch;
    this.batch = [];
    while (this.inFlight.size >= this.concurrency) await Promise.race(this.inFlight);
    this.rethrow();
    const request = this.embedder
      .embed(
        chunks.map((chunk) => chunk.text),
        { purpose: 'document', signal: this.signal },
      )
      .then((vectors) => this.onEmbedded(chunks, vectors))
      .catch((error: unknown) => {
        this.failure ??= error;
      })
      .finally(() => this.inFlight.delete(request));
    this.inFlight.add(request);
  }
}
