import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The parts of s3rver 3.7 (a Koa app) the local stack uses; see node_modules/s3rver/lib. */

export interface S3rverBucketConfig {
  readonly name: string;
  /** CORSConfiguration or WebsiteConfiguration XML documents. */
  readonly configs?: readonly (string | Buffer)[];
}

export interface S3rverOptions {
  readonly address?: string;
  readonly port?: number;
  readonly silent?: boolean;
  readonly directory?: string;
  readonly resetOnClose?: boolean;
  readonly allowMismatchedSignatures?: boolean;
  readonly vhostBuckets?: boolean;
  readonly configureBuckets?: readonly S3rverBucketConfig[];
}

/** The slice of a Koa context our middleware reads and writes. */
export interface S3rverContext {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly method: string;
  readonly path: string;
  /** Parsed query; reassigning `querystring` re-parses it. */
  readonly query: Readonly<Record<string, string | string[] | undefined>>;
  querystring: string;
  status: number;
  body: unknown;
  type: string;
  get(field: string): string;
  set(field: string, value: string): void;
}

export type S3rverMiddleware = (ctx: S3rverContext, next: () => Promise<void>) => Promise<void>;

/** What s3rver emits as `'event'`: `{ Records: [...] }` built by lib/models/event.js. */
export interface S3rverEvent {
  readonly Records: readonly unknown[];
}

export interface S3rverStore {
  getMetadata(bucket: string, key: string): Promise<Record<string, string | number>>;
}

declare class S3rver {
  constructor(options?: S3rverOptions);
  /** Koa's middleware list; composed when the server starts, so entries added before run() apply. */
  readonly middleware: S3rverMiddleware[];
  readonly store: S3rverStore;
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
  on(event: 'event', listener: (event: S3rverEvent) => void): this;
  on(event: 'error', listener: (error: Error) => void): this;
}

/** Lets s3rver accept another key pair (it knows only S3RVER/S3RVER); the registry is per process. */
export function registerS3rverAccessKey(accessKeyId: string, secretAccessKey: string): void;

export default S3rver;
