import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import pg from 'pg';

import * as schema from './schema';

export type Database = NodePgDatabase<typeof schema>;

export interface PostgresOptions {
  /** `postgres://user:password@host:port/database`; Aurora's or the dev stack's PGlite server. */
  readonly url: string;
  /** Connections in the pool. Lambda wants 1–2 (RDS Proxy multiplexes); servers more. */
  readonly maxConnections?: number;
  /** Statements running longer are cancelled by the server (57014 → DATABASE_TIMEOUT). */
  readonly statementTimeoutMs?: number;
  /** Sees every statement drizzle sends (with its parameters); never log the parameters as-is. */
  readonly onQuery?: (query: string, params: unknown[]) => void;
}

/** A pg pool and the drizzle database over it. `close()` ends the pool. */
export function createDatabase(options: PostgresOptions): {
  db: Database;
  pool: pg.Pool;
  close(): Promise<void>;
} {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.maxConnections ?? 4,
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: 10_000,
    ...(options.statementTimeoutMs ? { statement_timeout: options.statementTimeoutMs } : {}),
  });
  // A broken idle connection must not crash the process; the pool replaces it.
  pool.on('error', () => undefined);
  const onQuery = options.onQuery;
  const db = drizzle({
    client: pool,
    schema,
    ...(onQuery
      ? { logger: { logQuery: (query: string, params: unknown[]) => onQuery(query, params) } }
      : {}),
  });
  return { db, pool, close: () => pool.end() };
}
