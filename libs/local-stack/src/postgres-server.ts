import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

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
 * PGlite is ONE backend. pglite-socket multiplexes clients over it: a transaction holds the
 * backend until it ends (other clients' statements wait; tested), but session state is shared —
 * named prepared statements, `SET` and temporary tables leak between clients. LGM's code uses
 * unnamed statements and transaction-scoped settings only.
 */
export async function startLocalPostgres(
  options: { dataDir?: string; host?: string; port?: number; maxConnections?: number } = {},
): Promise<LocalPostgres> {
  const db = await PGlite.create({
    ...(options.dataDir ? { dataDir: options.dataDir } : {}),
    extensions: { vector },
  });
  const host = options.host ?? '127.0.0.1';
  const server = new PGLiteSocketServer({
    db,
    host,
    port: options.port ?? 0,
    maxConnections: options.maxConnections ?? 64,
  });
  await server.start();
  const port = Number(server.getServerConn().split(':').pop());
  return {
    url: `postgres://postgres:postgres@${host}:${port}/postgres`,
    port,
    async stop() {
      await server.stop();
      await db.close();
    },
  };
}
