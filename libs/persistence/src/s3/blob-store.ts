import { Readable, Transform, type TransformCallback } from 'node:stream';

import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { InternalError, PayloadTooLargeError, ValidationError } from '@lgm/core';
import * as z from 'zod';

import { decodeCursor, encodeCursor, type Page, pageSize } from '../shared/cursor';
import { toBlobStoreError } from './errors';
import {
  assertFileName,
  assertObjectId,
  type BlobArea,
  buildObjectKey,
  ownerPrefix,
  parseObjectKey,
} from './keys';

/** Identifies one object inside an owner's area: the document/artifact id and its file name. */
export interface BlobKey {
  /** ULID of the document or artifact. */
  readonly id: string;
  /** A name that passes `assertFileName` (run user input through `sanitizeFileName` first). */
  readonly fileName: string;
}

export type BlobBody = Uint8Array | string | Readable;

export interface PutBlobOptions {
  readonly contentType: string;
  /** User metadata (`x-amz-meta-*`): lowercase keys, printable ASCII values, 2 KB in total. */
  readonly metadata?: Readonly<Record<string, string>>;
  /** Required when the body is a stream: S3 needs the length up front for a single PUT. */
  readonly contentLength?: number;
}

export interface PutBlobResult {
  readonly eTag: string;
  readonly size: number;
}

export interface BlobInfo extends BlobKey {
  readonly size: number;
  readonly contentType: string;
  /** The entity tag without quotes, as S3 event records carry it. */
  readonly eTag: string;
  readonly lastModified?: Date;
  readonly metadata: Readonly<Record<string, string>>;
}

export interface BlobObject extends BlobInfo {
  /** The content; consume or destroy it, or the connection stays checked out. */
  readonly body: Readable;
}

export interface BlobListItem extends BlobKey {
  readonly size: number;
  readonly eTag: string;
  readonly lastModified?: Date;
}

export interface ListBlobsOptions {
  /** Narrows the listing inside the owner's area, e.g. a document id (`01J…/`). */
  readonly prefix?: string;
  readonly limit?: number;
  readonly cursor?: string;
}

export interface PresignPutInput extends BlobKey {
  readonly contentType: string;
  /** The exact size the client will upload (a browser's `File.size`); it is signed into the URL. */
  readonly contentLength: number;
  /** A tighter bound than the store's `maxObjectBytes` for this upload. */
  readonly maxBytes?: number;
  readonly expiresInSeconds?: number;
}

export interface PresignedUpload extends BlobKey {
  readonly url: string;
  readonly method: 'PUT';
  /**
   * Headers the client must send verbatim. `Content-Length` is signed too, but browsers set it
   * from the body themselves (it is a forbidden header for scripts).
   */
  readonly headers: Readonly<Record<string, string>>;
  readonly contentLength: number;
  readonly expiresAt: Date;
}

export interface PresignGetInput extends BlobKey {
  readonly expiresInSeconds?: number;
  /** `attachment` (default) makes browsers download under the original, possibly Korean, name. */
  readonly disposition?: 'attachment' | 'inline';
}

export interface PresignedDownload {
  readonly url: string;
  readonly expiresAt: Date;
}

/**
 * The blob store port, scoped to one owner and one area. Keys are built from (owner, id, file
 * name) inside the adapter, so nothing a caller passes can reach another owner's objects.
 */
export interface BlobStore {
  readonly ownerId: string;
  readonly area: BlobArea;
  put(key: BlobKey, body: BlobBody, options: PutBlobOptions): Promise<PutBlobResult>;
  /** Throws NotFoundError (`OBJECT_NOT_FOUND`) when there is no such object for this owner. */
  get(key: BlobKey): Promise<BlobObject>;
  getBytes(key: BlobKey): Promise<BlobInfo & { readonly bytes: Uint8Array }>;
  head(key: BlobKey): Promise<BlobInfo>;
  /** Idempotent, as S3's DELETE is: deleting a missing object succeeds. */
  delete(key: BlobKey): Promise<void>;
  list(options?: ListBlobsOptions): Promise<Page<BlobListItem>>;
  presignPut(input: PresignPutInput): Promise<PresignedUpload>;
  presignGet(input: PresignGetInput): Promise<PresignedDownload>;
}

export interface S3BlobStoreOptions {
  readonly s3: S3Client;
  readonly bucket: string;
  /** Largest object put() and presignPut() accept. Default 100 MiB. */
  readonly maxObjectBytes?: number;
  /** Longest presigned URL lifetime callers may ask for. Default 1 hour. */
  readonly maxExpiresInSeconds?: number;
  /** Lifetime of presigned URLs when the caller names none. Default 10 minutes. */
  readonly defaultExpiresInSeconds?: number;
  readonly now?: () => Date;
}

export const DEFAULT_MAX_OBJECT_BYTES = 100 * 1024 * 1024;
const DEFAULT_MAX_EXPIRES_IN_SECONDS = 3600;
const DEFAULT_EXPIRES_IN_SECONDS = 600;
/** https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingMetadata.html (2 KB user metadata). */
const MAX_METADATA_BYTES = 2048;
const METADATA_KEY = /^[a-z0-9][a-z0-9-]{0,127}$/;
const PRINTABLE_ASCII = /^[\x20-\x7E]*$/;
const TOKEN = "[A-Za-z0-9!#$%&'*+.^_`|~-]+";
const CONTENT_TYPE = new RegExp(
  `^${TOKEN}/${TOKEN}(?:\\s*;\\s*${TOKEN}=(?:${TOKEN}|"[\\x20\\x21\\x23-\\x5B\\x5D-\\x7E]*"))*$`,
);

/** The list cursor: where to resume (relative to the owner's prefix) and the prefix it belongs to. */
const listCursorSchema = z.object({
  after: z.string().min(1).max(400),
  prefix: z.string().max(300),
});

/**
 * S3 implementation of {@link BlobStore}. One instance per bucket; `forOwner` hands out stores
 * confined to `<area>/<ownerId>/`.
 *
 * @example
 * const blobs = new S3BlobStore({ s3, bucket: 'lgm-data' }).forOwner(principal.sub, 'documents');
 * const upload = await blobs.presignPut({ id, fileName, contentType, contentLength: file.size });
 */
export class S3BlobStore {
  readonly #s3: S3Client;
  readonly #bucket: string;
  readonly #maxObjectBytes: number;
  readonly #maxExpires: number;
  readonly #defaultExpires: number;
  readonly #now: () => Date;

  constructor(options: S3BlobStoreOptions) {
    if (options.bucket.length === 0) throw new InternalError('S3BlobStore needs a bucket name.');
    this.#s3 = options.s3;
    this.#bucket = options.bucket;
    this.#maxObjectBytes = options.maxObjectBytes ?? DEFAULT_MAX_OBJECT_BYTES;
    this.#maxExpires = options.maxExpiresInSeconds ?? DEFAULT_MAX_EXPIRES_IN_SECONDS;
    this.#defaultExpires = Math.min(
      options.defaultExpiresInSeconds ?? DEFAULT_EXPIRES_IN_SECONDS,
      this.#maxExpires,
    );
    this.#now = options.now ?? (() => new Date());
  }

  /** A store confined to one owner's objects in one area. Throws INVALID_OBJECT_KEY on a bad id. */
  forOwner(ownerId: string, area: BlobArea): BlobStore {
    const prefix = ownerPrefix(area, ownerId);
    return new OwnerBlobStore(this.#settings(), ownerId, area, prefix);
  }

  #settings(): StoreSettings {
    return {
      s3: this.#s3,
      bucket: this.#bucket,
      maxObjectBytes: this.#maxObjectBytes,
      maxExpires: this.#maxExpires,
      defaultExpires: this.#defaultExpires,
      now: this.#now,
    };
  }
}

interface StoreSettings {
  readonly s3: S3Client;
  readonly bucket: string;
  readonly maxObjectBytes: number;
  readonly maxExpires: number;
  readonly defaultExpires: number;
  readonly now: () => Date;
}

class OwnerBlobStore implements BlobStore {
  constructor(
    private readonly settings: StoreSettings,
    readonly ownerId: string,
    readonly area: BlobArea,
    private readonly prefix: string,
  ) {}

  async put(key: BlobKey, body: BlobBody, options: PutBlobOptions): Promise<PutBlobResult> {
    const objectKey = this.#key(key);
    assertContentType(options.contentType);
    const metadata = validateMetadata(options.metadata);
    const limit = this.settings.maxObjectBytes;
    const size = bodySize(body, options.contentLength);
    if (size > limit) throw tooLarge(limit);

    let guard: LengthGuard | undefined;
    let payload: Uint8Array | string | Readable = body;
    const abort = new AbortController();
    if (body instanceof Readable) {
      // A stream that yields more than it declared aborts the request rather than storing a
      // truncated or oversized object.
      guard = new LengthGuard(size, () => abort.abort());
      payload = body.pipe(guard);
      // pipe() does not forward source errors; without this a failing source would hang the PUT.
      body.once('error', (error) => guard?.destroy(error));
    }
    try {
      const output = await this.settings.s3.send(
        new PutObjectCommand({
          Bucket: this.settings.bucket,
          Key: objectKey,
          Body: payload,
          ContentType: options.contentType,
          ContentLength: size,
          Metadata: metadata,
        }),
        { abortSignal: abort.signal },
      );
      return { eTag: unquote(output.ETag), size };
    } catch (error) {
      if (guard?.exceeded === true) throw tooLarge(size);
      throw toBlobStoreError(error);
    }
  }

  async get(key: BlobKey): Promise<BlobObject> {
    const objectKey = this.#key(key);
    try {
      const output = await this.settings.s3.send(
        new GetObjectCommand({ Bucket: this.settings.bucket, Key: objectKey }),
      );
      if (!(output.Body instanceof Readable)) {
        throw new InternalError('S3 returned a body that is not a Node.js stream.');
      }
      return { ...key, ...describeObject(output), body: output.Body };
    } catch (error) {
      throw toBlobStoreError(error);
    }
  }

  async getBytes(key: BlobKey): Promise<BlobInfo & { readonly bytes: Uint8Array }> {
    const { body, ...info } = await this.get(key);
    try {
      const chunks: Buffer[] = [];
      for await (const chunk of body) chunks.push(Buffer.from(chunk as Uint8Array));
      return { ...info, bytes: new Uint8Array(Buffer.concat(chunks)) };
    } catch (error) {
      throw toBlobStoreError(error);
    }
  }

  async head(key: BlobKey): Promise<BlobInfo> {
    const objectKey = this.#key(key);
    try {
      const output = await this.settings.s3.send(
        new HeadObjectCommand({ Bucket: this.settings.bucket, Key: objectKey }),
      );
      return { ...key, ...describeObject(output) };
    } catch (error) {
      throw toBlobStoreError(error);
    }
  }

  async delete(key: BlobKey): Promise<void> {
    const objectKey = this.#key(key);
    try {
      await this.settings.s3.send(
        new DeleteObjectCommand({ Bucket: this.settings.bucket, Key: objectKey }),
      );
    } catch (error) {
      throw toBlobStoreError(error);
    }
  }

  async list(options: ListBlobsOptions = {}): Promise<Page<BlobListItem>> {
    const limit = pageSize(options.limit);
    const relativePrefix = options.prefix ?? '';
    assertListPrefix(relativePrefix);
    let startAfter: string | undefined;
    if (options.cursor !== undefined) {
      const cursor = decodeCursor(listCursorSchema, options.cursor);
      if (cursor.prefix !== relativePrefix) {
        throw new ValidationError('The pagination cursor is invalid.', { code: 'INVALID_CURSOR' });
      }
      assertRelativeKey(cursor.after);
      // The cursor only carries a position *inside* this owner's prefix, so even a forged one
      // cannot start a listing anywhere else.
      startAfter = this.prefix + cursor.after;
    }
    try {
      // StartAfter rather than ContinuationToken: it is portable (s3rver's continuation tokens
      // use DES, which OpenSSL 3 no longer ships, so its truncated listings fail with a 500),
      // and a relative key is a cursor we can validate instead of an opaque token we must trust.
      const output = await this.settings.s3.send(
        new ListObjectsV2Command({
          Bucket: this.settings.bucket,
          Prefix: this.prefix + relativePrefix,
          MaxKeys: limit,
          StartAfter: startAfter,
        }),
      );
      const items: BlobListItem[] = [];
      let lastKey: string | undefined;
      for (const entry of output.Contents ?? []) {
        if (entry.Key === undefined) continue;
        lastKey = entry.Key;
        const parts = tryParse(entry.Key);
        // Keys that this store could not have written (foreign tools, stray uploads) are skipped.
        if (parts === undefined || parts.ownerId !== this.ownerId || parts.area !== this.area) {
          continue;
        }
        items.push({
          id: parts.id,
          fileName: parts.fileName,
          size: entry.Size ?? 0,
          eTag: unquote(entry.ETag),
          ...(entry.LastModified === undefined ? {} : { lastModified: entry.LastModified }),
        });
      }
      if (output.IsTruncated === true && lastKey !== undefined) {
        const nextCursor = encodeCursor({
          after: lastKey.slice(this.prefix.length),
          prefix: relativePrefix,
        });
        return { items, nextCursor };
      }
      return { items };
    } catch (error) {
      throw toBlobStoreError(error);
    }
  }

  async presignPut(input: PresignPutInput): Promise<PresignedUpload> {
    const objectKey = this.#key(input);
    assertContentType(input.contentType);
    const limit = Math.min(
      input.maxBytes ?? this.settings.maxObjectBytes,
      this.settings.maxObjectBytes,
    );
    if (!Number.isSafeInteger(input.contentLength) || input.contentLength < 0) {
      throw new ValidationError('contentLength must be a whole number of bytes.', {
        code: 'INVALID_CONTENT_LENGTH',
      });
    }
    if (input.contentLength > limit) throw tooLarge(limit);
    const expiresIn = this.#expiry(input.expiresInSeconds);
    try {
      const url = await getSignedUrl(
        this.settings.s3,
        new PutObjectCommand({
          Bucket: this.settings.bucket,
          Key: objectKey,
          ContentType: input.contentType,
          ContentLength: input.contentLength,
        }),
        {
          expiresIn,
          signingDate: this.settings.now(),
          // The presigner leaves Content-Type unsigned by default; signing it and the length makes
          // S3 refuse (403 SignatureDoesNotMatch) any other type or any other number of bytes.
          signableHeaders: new Set(['content-type', 'content-length']),
        },
      );
      return {
        id: input.id,
        fileName: input.fileName,
        url,
        method: 'PUT',
        headers: { 'Content-Type': input.contentType },
        contentLength: input.contentLength,
        expiresAt: new Date(this.settings.now().getTime() + expiresIn * 1000),
      };
    } catch (error) {
      throw toBlobStoreError(error);
    }
  }

  async presignGet(input: PresignGetInput): Promise<PresignedDownload> {
    const objectKey = this.#key(input);
    const expiresIn = this.#expiry(input.expiresInSeconds);
    try {
      const url = await getSignedUrl(
        this.settings.s3,
        new GetObjectCommand({
          Bucket: this.settings.bucket,
          Key: objectKey,
          ResponseContentDisposition: contentDisposition(
            input.disposition ?? 'attachment',
            input.fileName,
          ),
        }),
        { expiresIn, signingDate: this.settings.now() },
      );
      return { url, expiresAt: new Date(this.settings.now().getTime() + expiresIn * 1000) };
    } catch (error) {
      throw toBlobStoreError(error);
    }
  }

  #key(key: BlobKey): string {
    return buildObjectKey({
      area: this.area,
      ownerId: this.ownerId,
      id: key.id,
      fileName: key.fileName,
    });
  }

  #expiry(requested: number | undefined): number {
    const seconds = requested ?? this.settings.defaultExpires;
    if (!Number.isInteger(seconds) || seconds < 1 || seconds > this.settings.maxExpires) {
      throw new ValidationError(
        `expiresInSeconds must be a whole number from 1 to ${this.settings.maxExpires}.`,
        { code: 'INVALID_EXPIRY' },
      );
    }
    return seconds;
  }
}

/** Counts bytes through a stream and gives up once more than the declared length arrives. */
class LengthGuard extends Transform {
  exceeded = false;
  #seen = 0;

  constructor(
    private readonly declared: number,
    private readonly onExceeded: () => void,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#seen += chunk.length;
    if (this.#seen > this.declared) {
      if (!this.exceeded) {
        this.exceeded = true;
        this.onExceeded();
      }
      // Swallow the rest: the request is already aborted, and an 'error' here would go unheard.
      callback();
      return;
    }
    callback(null, chunk);
  }
}

function tooLarge(limit: number): PayloadTooLargeError {
  return new PayloadTooLargeError(`The object is larger than ${limit} bytes.`, {
    code: 'OBJECT_TOO_LARGE',
    details: { maxBytes: limit },
  });
}

function bodySize(body: BlobBody, declared: number | undefined): number {
  if (typeof body === 'string') return Buffer.byteLength(body, 'utf8');
  if (body instanceof Uint8Array) return body.byteLength;
  if (declared === undefined || !Number.isSafeInteger(declared) || declared < 0) {
    throw new ValidationError('A streamed body needs its contentLength.', {
      code: 'CONTENT_LENGTH_REQUIRED',
    });
  }
  return declared;
}

function assertContentType(contentType: string): void {
  if (contentType.length > 255 || !CONTENT_TYPE.test(contentType)) {
    throw new ValidationError('The content type is not a valid media type.', {
      code: 'INVALID_CONTENT_TYPE',
    });
  }
}

function validateMetadata(
  metadata: Readonly<Record<string, string>> | undefined,
): Record<string, string> | undefined {
  if (metadata === undefined) return undefined;
  let bytes = 0;
  for (const [key, value] of Object.entries(metadata)) {
    // S3 sends metadata as HTTP headers: keys are lowercased and values must be ASCII.
    if (!METADATA_KEY.test(key) || !PRINTABLE_ASCII.test(value)) {
      throw new ValidationError('Object metadata keys must be lowercase and values ASCII.', {
        code: 'INVALID_METADATA',
        details: { key },
      });
    }
    bytes += key.length + value.length;
  }
  if (bytes > MAX_METADATA_BYTES) {
    throw new ValidationError(`Object metadata is larger than ${MAX_METADATA_BYTES} bytes.`, {
      code: 'INVALID_METADATA',
    });
  }
  return { ...metadata };
}

/** A list prefix is relative to the owner's area and may not contain anything a key cannot. */
function assertListPrefix(prefix: string): void {
  if (
    Buffer.byteLength(prefix, 'utf8') > 300 ||
    prefix.startsWith('/') ||
    prefix.includes('..') ||
    /[\\\p{Cc}\p{Cs}]/u.test(prefix)
  ) {
    throw new ValidationError('The list prefix is not valid.', { code: 'INVALID_PREFIX' });
  }
}

/** The resume position of a cursor must be `<ulid>/<file name>`, i.e. inside the owner's area. */
function assertRelativeKey(relative: string): void {
  const slash = relative.indexOf('/');
  try {
    if (slash < 0) throw new Error('no separator');
    assertObjectId(relative.slice(0, slash));
    assertFileName(relative.slice(slash + 1));
  } catch {
    throw new ValidationError('The pagination cursor is invalid.', { code: 'INVALID_CURSOR' });
  }
}

function tryParse(key: string): ReturnType<typeof parseObjectKey> | undefined {
  try {
    return parseObjectKey(key);
  } catch {
    return undefined;
  }
}

interface ObjectOutput {
  readonly ContentLength?: number;
  readonly ContentType?: string;
  readonly ETag?: string;
  readonly LastModified?: Date;
  readonly Metadata?: Record<string, string>;
}

function describeObject(output: ObjectOutput): Omit<BlobInfo, keyof BlobKey> {
  return {
    size: output.ContentLength ?? 0,
    contentType: output.ContentType ?? 'application/octet-stream',
    eTag: unquote(output.ETag),
    ...(output.LastModified === undefined ? {} : { lastModified: output.LastModified }),
    metadata: { ...output.Metadata },
  };
}

function unquote(eTag: string | undefined): string {
  return (eTag ?? '').replace(/^"|"$/g, '');
}

/** RFC 6266 with an RFC 5987 `filename*` so non-ASCII names survive; an ASCII fallback for old clients. */
function contentDisposition(type: 'attachment' | 'inline', fileName: string): string {
  const fallback = fileName.replace(/[^\x20-\x7E]|["\\]/g, '_');
  const encoded = encodeURIComponent(fileName).replace(
    /['()*]/g,
    (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `${type}; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}
