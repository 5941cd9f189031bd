import { mkdir } from 'node:fs/promises';

import { ValidationError } from '@lgm/core';
import type { S3EventRecord } from 'aws-lambda';

import { createS3EventTranslator } from './s3-events';
import { createListV2Middleware } from './s3-list-v2';
import { createPresignVerifier } from './s3-presign-verifier';
import S3rver, { registerS3rverAccessKey, type S3rverEvent } from './s3rver-module';

/** s3rver's built-in key pair (lib/models/account.js); others must be registered (see options). */
export const LOCAL_S3_CREDENTIALS: {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
} = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

/** s3rver answers as us-east-1 and its continuation tokens insist on it. */
export const LOCAL_S3_REGION = 'us-east-1';

export interface LocalS3Options {
  /** Where objects live between runs, e.g. `.lgm/s3`. Created if missing. */
  readonly dataDir: string;
  /** Default 127.0.0.1: the local stack is not meant to be reachable from the network. */
  readonly host?: string;
  /** Default 0: any free port; the real one is in `endpoint`. */
  readonly port?: number;
  /** Created (or kept) on start. */
  readonly buckets: readonly string[];
  /** Web origins allowed to PUT (presigned uploads) and GET/HEAD objects from a browser. */
  readonly corsOrigins?: readonly string[];
  /**
   * The key pair clients sign with. s3rver rejects unknown access key ids (InvalidAccessKeyId), so
   * a pair other than S3RVER/S3RVER is registered with it. Default {@link LOCAL_S3_CREDENTIALS}.
   */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
  /** Receives one S3 event record per object created or removed, in order. */
  readonly onObjectEvent?: (record: S3EventRecord) => void | Promise<void>;
  /** Gets failures of `onObjectEvent`; they never fail the S3 request. Default: a process warning. */
  readonly onEventError?: (error: unknown, record: S3EventRecord) => void;
}

export interface LocalS3 {
  /** `http://<host>:<port>`, for `createS3Client({ endpoint, forcePathStyle: true })`. */
  readonly endpoint: string;
  readonly region: string;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  /** Closes the server after delivering the events already emitted. */
  stop(): Promise<void>;
}

/** https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html (the core rules). */
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

function escapeXml(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

/**
 * The bucket CORS rule browsers need: presigned PUT uploads and GET/HEAD downloads from the web
 * origins, any request header (Content-Type is signed), and ETag readable by scripts.
 */
export function corsConfigurationXml(origins: readonly string[]): string {
  const allowed = origins.map((origin) => `<AllowedOrigin>${escapeXml(origin)}</AllowedOrigin>`);
  return [
    '<CORSConfiguration>',
    '<CORSRule>',
    ...allowed,
    '<AllowedMethod>GET</AllowedMethod>',
    '<AllowedMethod>HEAD</AllowedMethod>',
    '<AllowedMethod>PUT</AllowedMethod>',
    '<AllowedHeader>*</AllowedHeader>',
    '<ExposeHeader>ETag</ExposeHeader>',
    '<MaxAgeSeconds>3000</MaxAgeSeconds>',
    '</CORSRule>',
    '</CORSConfiguration>',
  ].join('');
}

function assertOrigin(origin: string): void {
  let parsed: URL;
  try {
    parsed = new URL(origin);
  } catch {
    throw new ValidationError(`CORS origin '${origin}' is not a URL.`, { code: 'INVALID_ORIGIN' });
  }
  if (parsed.origin !== origin) {
    throw new ValidationError(
      `CORS origin '${origin}' must be a bare origin like ${parsed.origin}.`,
      {
        code: 'INVALID_ORIGIN',
      },
    );
  }
}

/**
 * Starts s3rver in-process: buckets on disk under `dataDir`, CORS for the web origins, presigned
 * URL signatures verified like S3 does, and object events delivered as S3 event records.
 *
 * @example
 * const s3 = await startLocalS3({ dataDir: '.lgm/s3', buckets: ['lgm-data'], corsOrigins: ['http://localhost:5173'],
 *   onObjectEvent: (record) => ingestor.handle({ Records: [record] }) });
 */
export async function startLocalS3(options: LocalS3Options): Promise<LocalS3> {
  for (const bucket of options.buckets) {
    if (!BUCKET_NAME.test(bucket) || bucket.includes('..')) {
      throw new ValidationError(`'${bucket}' is not a valid S3 bucket name.`, {
        code: 'INVALID_BUCKET_NAME',
      });
    }
  }
  const corsOrigins = options.corsOrigins ?? [];
  corsOrigins.forEach(assertOrigin);
  await mkdir(options.dataDir, { recursive: true });
  const credentials = options.credentials ?? LOCAL_S3_CREDENTIALS;
  registerS3rverAccessKey(credentials.accessKeyId, credentials.secretAccessKey);

  const configs = corsOrigins.length > 0 ? [corsConfigurationXml(corsOrigins)] : [];
  const server = new S3rver({
    address: options.host ?? '127.0.0.1',
    port: options.port ?? 0,
    silent: true,
    directory: options.dataDir,
    // Hostnames such as `host.docker.internal` must not be mistaken for virtual-host buckets.
    vhostBuckets: false,
    configureBuckets: options.buckets.map((name) => ({ name, configs })),
  });
  // s3rver's stack is [logger, XML serializer, mount interop, vhost, router]; the list shim needs
  // the listing before serialization, the verifier must refuse before anything is stored.
  if (server.middleware.length !== 5) {
    throw new Error('Unexpected s3rver middleware stack; check the s3rver version.');
  }
  server.middleware.splice(2, 0, createListV2Middleware());
  server.middleware.unshift(
    createPresignVerifier({
      secrets: new Map([
        [LOCAL_S3_CREDENTIALS.accessKeyId, LOCAL_S3_CREDENTIALS.secretAccessKey],
        [credentials.accessKeyId, credentials.secretAccessKey],
      ]),
      corsOrigins,
    }),
  );

  const translator = createS3EventTranslator({ region: LOCAL_S3_REGION });
  const onEventError =
    options.onEventError ??
    ((error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      process.emitWarning(`local S3 event handler failed: ${message}`, 'LocalS3EventWarning');
    });
  // One chain keeps records in emission order even when a copy's eTag lookup is slow.
  let delivery: Promise<void> = Promise.resolve();
  const onObjectEvent = options.onObjectEvent;
  if (onObjectEvent !== undefined) {
    server.on('event', (event: S3rverEvent) => {
      delivery = delivery.then(async () => {
        const records = translator.translate(event, await copyEnrichment(server, event));
        for (const record of records) {
          try {
            await onObjectEvent(record);
          } catch (error) {
            onEventError(error, record);
          }
        }
      });
    });
  }

  const address = await server.run();
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    endpoint: `http://${host}:${address.port}`,
    region: LOCAL_S3_REGION,
    // A copy: the SDK tags the credentials object it is given (`$source`), so it must be writable.
    credentials: { ...credentials },
    async stop() {
      await server.close();
      await delivery;
    },
  };
}

/** s3rver's Copy records have no eTag; S3's do, and the ingestor's idempotency key needs it. */
async function copyEnrichment(server: S3rver, event: S3rverEvent): Promise<{ eTag?: string }> {
  const [first] = event.Records;
  if (typeof first !== 'object' || first === null) return {};
  const record = first as {
    eventName?: unknown;
    s3?: { bucket?: { name?: unknown }; object?: { key?: unknown } };
  };
  const bucket = record.s3?.bucket?.name;
  const key = record.s3?.object?.key;
  if (record.eventName !== 'ObjectCreated:Copy' || typeof bucket !== 'string') return {};
  if (typeof key !== 'string') return {};
  try {
    const metadata = await server.store.getMetadata(bucket, key);
    const eTag = metadata['etag'];
    return typeof eTag === 'string' ? { eTag } : {};
  } catch {
    // Deleted again before we looked: S3 would still have the eTag, we simply do not.
    return {};
  }
}
