import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';

import { startPgliteWireServer } from './pglite-wire-server';

export interface LocalPostgres {
  /** `postgres://postgres:postgres@host:port/postgres`, for any PostgreSQL client. */
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
}

/**
 * PGlite (PostgreSQL compiled to WASM) with pgvector, served over the PostgreSQL wire protocol so
 * services use plain `pg` exactly as against Aurora.
 *
 * PGlite is ONE backend shared by every client (see pglite-wire-server.ts): a client's protocol
 * exchange and its open transaction hold the backend (tested), but session state is shared —
 * named prepared statements, `SET` and temporary tables leak between clients. LGM's code uses
 * unnamed statements and transaction-scoped settings only.
 */
export async function startLocalPostgres(
  options: { dataDir?: string; host?: string; port?: number } = {},
): Promise<LocalPostgres> {
  const db = await PGlite.create({
    ...(options.dataDir ? { dataDir: options.dataDir } : {}),
    extensions: { vector },
  });
  const host = options.host ?? '127.0.0.1';
  const server = await startPgliteWireServer(db, { host, port: options.port ?? 0 });
  return {
    url: `postgres://postgres:postgres@${host}:${server.port}/postgres`,
    port: server.port,
    async stop() {
      await server.close();
      await db.close();
    },
  };
}
