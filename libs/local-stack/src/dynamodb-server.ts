import { mkdir, open, readFile, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

import { ConflictError, ServiceUnavailableError } from '@lgm/core';
// @ts-expect-error -- dynalite ships no type declarations; the part we use is typed below.
import dynaliteModule from 'dynalite';

/** The options of dynalite 4 that we set (see its index.js). */
interface DynaliteOptions {
  path?: string;
  createTableMs: number;
  deleteTableMs: number;
  updateTableMs: number;
}

const createDynalite = dynaliteModule as (options: DynaliteOptions) => Server;

/** Where and how to run the local DynamoDB-compatible server. */
export interface LocalDynamoDbOptions {
  /**
   * Directory of the on-disk LevelDB store (e.g. `.lgm/dynamodb`), created if missing; data
   * survives restarts. Omit for an in-memory store (tests).
   */
  readonly dataDir?: string;
  /** Interface to listen on (default `127.0.0.1`: nothing outside this machine can reach it). */
  readonly host?: string;
  /** Port, default 0: any free port (the real one is in `endpoint`). */
  readonly port?: number;
}

/** A running local DynamoDB. */
export interface LocalDynamoDb {
  /** `http://host:port` for the SDK's `endpoint`. */
  readonly endpoint: string;
  readonly port: number;
  /** A region for the SDK client; the server accepts any. */
  readonly region: string;
  /** Dummy credentials: the server checks that requests are signed, not by whom. */
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  /** Stops listening and closes the store; safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Starts dynalite, a DynamoDB-compatible server, in this process.
 *
 * Tables are ACTIVE as soon as they are created (no CREATING delay). dynalite has no
 * TransactWriteItems, no UpdateTimeToLive (so nothing ever expires), no streams, and ignores
 * ReturnValuesOnConditionCheckFailure: the repositories are designed around all four.
 *
 * @example
 * const dynamo = await startLocalDynamoDb({ dataDir: '.lgm/dynamodb' });
 * const clients = createDynamoDbClients({ region: dynamo.region, endpoint: dynamo.endpoint,
 *   credentials: dynamo.credentials });
 * await ensureTables(clients.client, physicalTableNames('lgm-local'));
 * // … on shutdown:
 * await dynamo.stop();
 */
export async function startLocalDynamoDb(
  options: LocalDynamoDbOptions = {},
): Promise<LocalDynamoDb> {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 0;
  // Nothing to release for an in-memory store.
  let release = (): Promise<void> => Promise.resolve();
  if (options.dataDir !== undefined) {
    await mkdir(options.dataDir, { recursive: true });
    release = await claimDataDir(options.dataDir);
  }

  const server = createDynalite({
    ...(options.dataDir === undefined ? {} : { path: options.dataDir }),
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    // The lock is kept on purpose: dynalite has already opened its store and offers no way to
    // close it without a listening server, so a retry in this process must not reopen it.
    throw new ServiceUnavailableError(
      `The local DynamoDB could not listen on ${host}:${port}: ${(error as Error).message}`,
      { code: 'LOCAL_DYNAMODB_START_FAILED', cause: error },
    );
  }

  const address = server.address() as AddressInfo;
  let stopping: Promise<void> | undefined;
  return {
    endpoint: `http://${endpointHost(host)}:${address.port}`,
    port: address.port,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    stop: () => {
      stopping ??= new Promise<void>((resolve, reject) => {
        // dynalite's close stops the HTTP server, then closes the LevelDB store.
        server.close((error?: Error) => (error ? reject(error) : resolve()));
        // SDK clients keep sockets alive; idle ones would hold close() open.
        server.closeIdleConnections();
      }).finally(release);
      return stopping;
    },
  };
}

/** The host clients should dial: a wildcard address is not dialable, IPv6 needs brackets. */
function endpointHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

const LOCK_FILE = 'lgm-dynamodb.lock';

/**
 * Claims a data directory for this process. LevelDB allows one opener, but dynalite opens its
 * store lazily and a second opener only fails on its first request, with an unhandled 'error'
 * event that takes the process down: so a pid file refuses the second start up front, naming the
 * holder. A lock left by a process that no longer runs is taken over.
 */
async function claimDataDir(dataDir: string): Promise<() => Promise<void>> {
  const lockPath = join(dataDir, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      const handle = await open(lockPath, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      return () => rm(lockPath, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number.parseInt(await readFile(lockPath, 'utf8').catch(() => ''), 10);
      if (Number.isInteger(holder) && holder > 0 && isRunning(holder)) {
        throw new ConflictError(
          `The local DynamoDB data directory '${dataDir}' is in use by process ${holder}` +
            (holder === process.pid ? ' (this process)' : '') +
            '. Stop it first, or use another directory.',
          { code: 'LOCAL_DYNAMODB_DATA_DIR_IN_USE' },
        );
      }
      await rm(lockPath, { force: true });
    }
  }
  throw new ConflictError(`Could not claim the local DynamoDB data directory '${dataDir}'.`, {
    code: 'LOCAL_DYNAMODB_DATA_DIR_IN_USE',
  });
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0); // signal 0 only checks that the process exists
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
