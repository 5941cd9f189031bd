import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
  CopyObjectCommand,
  DeleteObjectCommand,
  paginateListObjectsV2,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { S3EventRecord } from 'aws-lambda';

import { type LocalS3, startLocalS3 } from './s3-server';

const BUCKET = 'lgm-local-test';
const WEB_ORIGIN = 'http://localhost:5173';

describe('startLocalS3', () => {
  let dataDir: string;
  let local: LocalS3;
  let s3: S3Client;
  const records: S3EventRecord[] = [];

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'lgm-s3-'));
    local = await startLocalS3({
      dataDir,
      port: 0,
      buckets: [BUCKET],
      corsOrigins: [WEB_ORIGIN],
      // Not s3rver's own pair: the dev stack hands every service one set of local credentials.
      credentials: { accessKeyId: 'local', secretAccessKey: 'local-secret' },
      onObjectEvent: (record) => {
        records.push(record);
      },
    });
    s3 = new S3Client({
      region: local.region,
      endpoint: local.endpoint,
      forcePathStyle: true,
      credentials: local.credentials,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      maxAttempts: 1,
    });
  });

  afterAll(async () => {
    s3.destroy();
    await local.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  async function recordsFor(key: string, count: number): Promise<S3EventRecord[]> {
    for (let attempt = 0; attempt < 50; attempt++) {
      const found = records.filter((record) => record.s3.object.key === key);
      if (found.length >= count) return found;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error(`expected ${count} records for ${key}`);
  }

  it('listens on a free port, accepts the configured key pair, keeps objects under dataDir', async () => {
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'disk/one.txt', Body: 'x' }));

    expect(local.credentials).toMatchObject({
      accessKeyId: 'local',
      secretAccessKey: 'local-secret',
    });
    expect(local.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(local.endpoint).not.toMatch(/:0$/);
    expect(await readdir(join(dataDir, BUCKET, 'disk'))).toContain('one.txt._S3rver_object');
  });

  it('delivers put, copy and delete as S3 event records', async () => {
    await s3.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: 'events/a b.txt',
        Body: 'hello',
        ContentType: 'text/plain',
      }),
    );
    await s3.send(
      new CopyObjectCommand({
        Bucket: BUCKET,
        Key: 'events/copy.txt',
        CopySource: `${BUCKET}/events/a b.txt`,
      }),
    );
    await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'events/a b.txt' }));

    const [created, removed] = await recordsFor('events/a+b.txt', 2);
    const [copied] = await recordsFor('events/copy.txt', 1);
    expect(created).toMatchObject({
      eventVersion: '2.1',
      eventSource: 'aws:s3',
      eventName: 'ObjectCreated:Put',
      s3: {
        bucket: { name: BUCKET, arn: `arn:aws:s3:::${BUCKET}` },
        object: { key: 'events/a+b.txt', size: 5, eTag: '5d41402abc4b2a76b9719d911017c592' },
      },
    });
    expect(copied).toMatchObject({
      eventName: 'ObjectCreated:Copy',
      s3: { object: { size: 5, eTag: '5d41402abc4b2a76b9719d911017c592' } },
    });
    expect(removed?.eventName).toBe('ObjectRemoved:Delete');
    expect(removed?.s3.object).toEqual({ key: 'events/a+b.txt', sequencer: expect.any(String) });
    expect((removed?.s3.object.sequencer ?? '') > (created?.s3.object.sequencer ?? '')).toBe(true);
  });

  it('paginates ListObjectsV2 with continuation tokens (s3rver alone answers 500)', async () => {
    for (const name of ['1', '2', '3', '4', '5']) {
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: `pages/${name}`, Body: name }));
    }

    const pages: string[][] = [];
    for await (const page of paginateListObjectsV2(
      { client: s3, pageSize: 2 },
      { Bucket: BUCKET, Prefix: 'pages/' },
    )) {
      pages.push((page.Contents ?? []).map((item) => item.Key ?? ''));
    }

    expect(pages).toEqual([['pages/1', 'pages/2'], ['pages/3', 'pages/4'], ['pages/5']]);
  });

  it('answers CORS preflights for the web origin only', async () => {
    // A browser preflights the presigned URL itself, query string included.
    const url = await getSignedUrl(
      s3,
      new PutObjectCommand({ Bucket: BUCKET, Key: 'cors/x.txt', ContentType: 'text/plain' }),
      { expiresIn: 60 },
    );
    const preflight = (origin: string) =>
      fetch(url, {
        method: 'OPTIONS',
        headers: {
          Origin: origin,
          'Access-Control-Request-Method': 'PUT',
          'Access-Control-Request-Headers': 'content-type',
        },
      });

    const allowed = await preflight(WEB_ORIGIN);
    const denied = await preflight('http://evil.example');

    expect(allowed.status).toBe(200);
    expect(allowed.headers.get('access-control-allow-methods')).toContain('PUT');
    expect(allowed.headers.get('access-control-allow-headers')).toBe('content-type');
    expect(denied.status).toBe(403);
  });

  it('verifies presigned URL signatures, which s3rver alone does not', async () => {
    const url = await getSignedUrl(
      s3,
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: 'signed/f.txt',
        ContentType: 'text/plain',
        ContentLength: 4,
      }),
      { expiresIn: 60, signableHeaders: new Set(['content-type', 'content-length']) },
    );
    const put = (body: string, contentType = 'text/plain') =>
      fetch(url, {
        method: 'PUT',
        headers: { 'Content-Type': contentType, Origin: WEB_ORIGIN },
        body,
      });

    const tooLong = await put('12345');
    const wrongType = await put('1234', 'text/html');
    const tampered = await fetch(url.replace('signed/f.txt', 'signed/g.txt'), {
      method: 'PUT',
      headers: { 'Content-Type': 'text/plain' },
      body: '1234',
    });
    const ok = await put('1234');

    expect(tooLong.status).toBe(403);
    expect(tooLong.headers.get('access-control-allow-origin')).toBe(WEB_ORIGIN);
    expect(wrongType.status).toBe(403);
    expect(tampered.status).toBe(403);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('access-control-allow-origin')).toBe(WEB_ORIGIN);
  });

  it('rejects bad bucket names and origins before starting', async () => {
    await expect(startLocalS3({ dataDir, buckets: ['Bad_Bucket'] })).rejects.toMatchObject({
      code: 'INVALID_BUCKET_NAME',
    });
    await expect(
      startLocalS3({ dataDir, buckets: [BUCKET], corsOrigins: ['http://localhost:5173/path'] }),
    ).rejects.toMatchObject({ code: 'INVALID_ORIGIN' });
  });
});
