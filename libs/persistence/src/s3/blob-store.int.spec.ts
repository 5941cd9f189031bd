import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';

import type { S3Client } from '@aws-sdk/client-s3';
import { createIdGenerator } from '@lgm/core';
import { type LocalS3, startLocalS3 } from '@lgm/local-stack';
import type { S3EventRecord } from 'aws-lambda';

import { type BlobStore, S3BlobStore } from './blob-store';
import { createS3Client } from './client';
import { decodeEventObjectKey, parseObjectKey } from './keys';

const BUCKET = 'lgm-blob-test';
const newId = createIdGenerator();

async function codeOf(action: () => Promise<unknown>): Promise<string | undefined> {
  try {
    await action();
  } catch (error) {
    return (error as { code?: string }).code;
  }
  return undefined;
}

describe('S3BlobStore against the local S3', () => {
  let dataDir: string;
  let local: LocalS3;
  let s3: S3Client;
  let store: S3BlobStore;
  const events: S3EventRecord[] = [];

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'lgm-blob-'));
    local = await startLocalS3({
      dataDir,
      buckets: [BUCKET],
      onObjectEvent: (record) => {
        events.push(record);
      },
    });
    s3 = createS3Client({
      region: local.region,
      endpoint: local.endpoint,
      credentials: local.credentials,
      maxAttempts: 1,
    });
    store = new S3BlobStore({ s3, bucket: BUCKET, maxObjectBytes: 1024 });
  });

  afterAll(async () => {
    s3.destroy();
    await local.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  /** Each test gets its own owner, as CONVENTIONS asks. */
  function newOwner(area: 'documents' | 'artifacts' = 'documents'): BlobStore {
    return store.forOwner(`owner-${newId()}`, area);
  }

  async function eventFor(key: string, name: string): Promise<S3EventRecord> {
    for (let attempt = 0; attempt < 50; attempt++) {
      const found = events.find(
        (record) => record.eventName === name && decodeEventObjectKey(record.s3.object.key) === key,
      );
      if (found !== undefined) return found;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error(`no ${name} event for ${key}`);
  }

  it('puts, heads, gets and deletes an object', async () => {
    const blobs = newOwner();
    const key = { id: newId(), fileName: 'notes.md' };

    const put = await blobs.put(key, '# Hello', {
      contentType: 'text/markdown; charset=utf-8',
      metadata: { source: 'test' },
    });
    const head = await blobs.head(key);
    const got = await blobs.getBytes(key);
    await blobs.delete(key);

    expect(put).toEqual({ eTag: expect.stringMatching(/^[0-9a-f]{32}$/), size: 7 });
    expect(head).toMatchObject({ ...key, size: 7, eTag: put.eTag, metadata: { source: 'test' } });
    expect(head.contentType).toBe('text/markdown; charset=utf-8');
    expect(Buffer.from(got.bytes).toString('utf8')).toBe('# Hello');
    expect(await codeOf(() => blobs.head(key))).toBe('OBJECT_NOT_FOUND');
    expect(await codeOf(() => blobs.get(key))).toBe('OBJECT_NOT_FOUND');
    await expect(blobs.delete(key)).resolves.toBeUndefined();
  });

  it('round-trips Korean and spaced file names, streamed bodies included', async () => {
    const blobs = newOwner('artifacts');
    const korean = { id: newId(), fileName: '분기 보고서 (최종).txt' };
    const spaced = { id: newId(), fileName: 'my file name.csv' };

    await blobs.put(korean, new TextEncoder().encode('안녕하세요'), { contentType: 'text/plain' });
    await blobs.put(spaced, Readable.from([Buffer.from('a,b\n'), Buffer.from('1,2\n')]), {
      contentType: 'text/csv',
      contentLength: 8,
    });

    const object = await blobs.get(korean);
    const chunks: Buffer[] = [];
    for await (const chunk of object.body) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).toString('utf8')).toBe('안녕하세요');
    expect(object.fileName).toBe('분기 보고서 (최종).txt');
    expect(Buffer.from((await blobs.getBytes(spaced)).bytes).toString()).toBe('a,b\n1,2\n');
    const listed = await blobs.list();
    expect(listed.items.map((item) => item.fileName).sort()).toEqual(
      ['my file name.csv', '분기 보고서 (최종).txt'].sort(),
    );
  });

  it('lists page by page with opaque cursors (page size 2 across 5 objects)', async () => {
    const blobs = newOwner();
    const keys = Array.from({ length: 5 }, (_, index) => ({
      id: newId(),
      fileName: `file-${index}.txt`,
    }));
    for (const key of keys) await blobs.put(key, key.fileName, { contentType: 'text/plain' });

    const pages: string[][] = [];
    let cursor: string | undefined;
    do {
      const page = await blobs.list({ limit: 2, ...(cursor === undefined ? {} : { cursor }) });
      pages.push(page.items.map((item) => item.fileName));
      cursor = page.nextCursor;
    } while (cursor !== undefined);

    expect(pages).toEqual([
      ['file-0.txt', 'file-1.txt'],
      ['file-2.txt', 'file-3.txt'],
      ['file-4.txt'],
    ]);
    const byId = await blobs.list({ prefix: `${keys[2]?.id}/` });
    expect(byId.items).toEqual([
      expect.objectContaining({ id: keys[2]?.id, fileName: 'file-2.txt', size: 10 }),
    ]);
  });

  it('uploads through a presigned PUT as a browser would, and downloads through a presigned GET', async () => {
    const blobs = newOwner();
    const key = { id: newId(), fileName: '보고서 v2.pdf' };
    const bytes = new TextEncoder().encode('%PDF-1.7 fake');

    const upload = await blobs.presignPut({
      ...key,
      contentType: 'application/pdf',
      contentLength: bytes.byteLength,
      expiresInSeconds: 60,
    });
    const signed = new URL(upload.url).searchParams;
    const putResponse = await fetch(upload.url, {
      method: upload.method,
      headers: upload.headers,
      body: bytes,
    });
    const download = await blobs.presignGet({ ...key, expiresInSeconds: 60 });
    const getResponse = await fetch(download.url);

    expect(signed.get('X-Amz-SignedHeaders')).toBe('content-length;content-type;host');
    // WHEN_REQUIRED: no SDK checksum a browser could not reproduce.
    expect([...signed.keys()].some((name) => name.toLowerCase().includes('checksum'))).toBe(false);
    expect(putResponse.status).toBe(200);
    expect(await blobs.head(key)).toMatchObject({
      size: bytes.byteLength,
      contentType: 'application/pdf',
    });
    expect(getResponse.status).toBe(200);
    expect(new Uint8Array(await getResponse.arrayBuffer())).toEqual(bytes);
    expect(getResponse.headers.get('content-disposition')).toBe(
      `attachment; filename="___ v2.pdf"; filename*=UTF-8''%EB%B3%B4%EA%B3%A0%EC%84%9C%20v2.pdf`,
    );
  });

  it('refuses uploads larger than allowed, before and after the URL exists', async () => {
    const blobs = newOwner();
    const key = { id: newId(), fileName: 'big.bin' };

    // Our bound: no URL for a declared size over the limit, nor over a tighter per-call bound.
    expect(
      await codeOf(() =>
        blobs.presignPut({ ...key, contentType: 'application/octet-stream', contentLength: 1025 }),
      ),
    ).toBe('OBJECT_TOO_LARGE');
    expect(
      await codeOf(() =>
        blobs.presignPut({ ...key, contentType: 'text/plain', contentLength: 20, maxBytes: 10 }),
      ),
    ).toBe('OBJECT_TOO_LARGE');
    // S3's bound: the URL signs the declared length, so sending more bytes breaks the signature.
    const upload = await blobs.presignPut({ ...key, contentType: 'text/plain', contentLength: 4 });
    const oversized = await fetch(upload.url, {
      method: 'PUT',
      headers: upload.headers,
      body: 'far more than four bytes',
    });
    const otherType = await fetch(upload.url, {
      method: 'PUT',
      headers: { 'Content-Type': 'text/html' },
      body: 'four',
    });

    expect(oversized.status).toBe(403);
    expect(await oversized.text()).toContain('SignatureDoesNotMatch');
    expect(otherType.status).toBe(403);
    expect(await codeOf(() => blobs.head(key))).toBe('OBJECT_NOT_FOUND');
    // put() checks sizes itself, for buffers and for streams that lie about their length. The
    // SDK warns on the console when a streaming request is aborted; that noise is expected here.
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    expect(
      await codeOf(() => blobs.put(key, new Uint8Array(1025), { contentType: 'text/plain' })),
    ).toBe('OBJECT_TOO_LARGE');
    expect(
      await codeOf(() =>
        blobs.put(key, Readable.from([Buffer.alloc(8)]), {
          contentType: 'text/plain',
          contentLength: 4,
        }),
      ),
    ).toBe('OBJECT_TOO_LARGE');
    warn.mockRestore();
  });

  it('emits one S3 event per put and per delete, with the key encoded as S3 does', async () => {
    const blobs = newOwner();
    const key = { id: newId(), fileName: '회의록 2024.txt' };

    const put = await blobs.put(key, 'minutes', { contentType: 'text/plain' });
    await blobs.delete(key);

    const objectKey = `documents/${blobs.ownerId}/${key.id}/회의록 2024.txt`;
    const created = await eventFor(objectKey, 'ObjectCreated:Put');
    const removed = await eventFor(objectKey, 'ObjectRemoved:Delete');
    expect(created.s3.object).toEqual({
      key: `documents/${blobs.ownerId}/${key.id}/%ED%9A%8C%EC%9D%98%EB%A1%9D+2024.txt`,
      size: 7,
      eTag: put.eTag,
      sequencer: expect.stringMatching(/^[0-9A-F]{18}$/),
    });
    expect(parseObjectKey(decodeEventObjectKey(created.s3.object.key))).toMatchObject({
      ownerId: blobs.ownerId,
      ...key,
    });
    expect(removed.s3.object.sequencer > created.s3.object.sequencer).toBe(true);
    expect(
      events.filter((record) => decodeEventObjectKey(record.s3.object.key) === objectKey),
    ).toHaveLength(2);
  });

  it("keeps owners apart: B can neither read, list, presign nor delete A's objects", async () => {
    const ownerA = newOwner();
    const ownerB = newOwner();
    const key = { id: newId(), fileName: 'secret.txt' };
    await ownerA.put(key, 'A only', { contentType: 'text/plain' });
    const pageOfA = await ownerA.list({ limit: 1 });
    await ownerA.put({ id: newId(), fileName: 'second.txt' }, 'A too', {
      contentType: 'text/plain',
    });
    const firstPageOfA = await ownerA.list({ limit: 1 });

    expect(await codeOf(() => ownerB.get(key))).toBe('OBJECT_NOT_FOUND');
    expect(await codeOf(() => ownerB.head(key))).toBe('OBJECT_NOT_FOUND');
    await ownerB.delete(key);
    expect((await ownerB.list()).items).toEqual([]);
    // A's cursor is bound to A's prefix position; in B's store it can only resume inside B's.
    expect((await ownerB.list({ cursor: firstPageOfA.nextCursor ?? '' })).items).toEqual([]);
    const download = await ownerB.presignGet(key);
    expect((await fetch(download.url)).status).toBe(404);
    // Traversal never reaches a key: ids are ULIDs, names cannot contain separators or "..".
    expect(await codeOf(() => ownerB.get({ id: `../${ownerA.ownerId}`, fileName: 'x' }))).toBe(
      'INVALID_OBJECT_KEY',
    );
    expect(
      await codeOf(() => ownerB.get({ id: key.id, fileName: `../../${ownerA.ownerId}/x` })),
    ).toBe('INVALID_FILE_NAME');
    expect(await codeOf(() => ownerB.list({ prefix: `../${ownerA.ownerId}/` }))).toBe(
      'INVALID_PREFIX',
    );
    expect(() => store.forOwner(`${ownerA.ownerId}/../x`, 'documents')).toThrow(
      expect.objectContaining({ code: 'INVALID_OBJECT_KEY' }),
    );
    // A's object survives all of it.
    expect(pageOfA.items).toHaveLength(1);
    expect(Buffer.from((await ownerA.getBytes(key)).bytes).toString()).toBe('A only');
  });

  it('reports bad input as AppErrors with codes', async () => {
    const blobs = newOwner();
    const key = { id: newId(), fileName: 'a.txt' };

    expect(await codeOf(() => blobs.head({ id: 'nope', fileName: 'a.txt' }))).toBe(
      'INVALID_OBJECT_KEY',
    );
    expect(await codeOf(() => blobs.head({ id: key.id, fileName: 'a\u0000.txt' }))).toBe(
      'INVALID_FILE_NAME',
    );
    expect(await codeOf(() => blobs.list({ cursor: 'not a cursor!' }))).toBe('INVALID_CURSOR');
    expect(
      await codeOf(() =>
        blobs.list({ cursor: Buffer.from('{"after":"../x","prefix":""}').toString('base64url') }),
      ),
    ).toBe('INVALID_CURSOR');
    expect(await codeOf(() => blobs.list({ limit: 0 }))).toBe('INVALID_LIMIT');
    expect(await codeOf(() => blobs.put(key, 'x', { contentType: 'not a type' }))).toBe(
      'INVALID_CONTENT_TYPE',
    );
    expect(
      await codeOf(() =>
        blobs.put(key, 'x', { contentType: 'text/plain', metadata: { 'Bad Key': 'v' } }),
      ),
    ).toBe('INVALID_METADATA');
    expect(
      await codeOf(() => blobs.put(key, Readable.from(['x']), { contentType: 'text/plain' })),
    ).toBe('CONTENT_LENGTH_REQUIRED');
    expect(await codeOf(() => blobs.presignGet({ ...key, expiresInSeconds: 999_999 }))).toBe(
      'INVALID_EXPIRY',
    );
    expect(await codeOf(() => blobs.getBytes(key))).toBe('OBJECT_NOT_FOUND');
    const missingBucket = new S3BlobStore({ s3, bucket: 'no-such-bucket' }).forOwner(
      'u1',
      'documents',
    );
    expect(await codeOf(() => missingBucket.put(key, 'x', { contentType: 'text/plain' }))).toBe(
      'BLOB_STORE_MISCONFIGURED',
    );
  });
});
