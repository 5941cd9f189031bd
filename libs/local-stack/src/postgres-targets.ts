import { startEntry } from '@lgm/testing';

/** A database an integration suite runs against. */
export interface PostgresTarget {
  readonly name: 'pglite' | 'postgresql';
  start(): Promise<{ url: string; stop(): Promise<void> }>;
}

/**
 * PGlite always; real PostgreSQL too whenever a URL is given (CI sets TEST_DATABASE_URL after
 * starting the machine's server with pgvector). Suites run `describe.each` over these, so both
 * engines pass the same assertions.
 */
export function postgresTargets(testDatabaseUrl: string | undefined): PostgresTarget[] {
  const targets: PostgresTarget[] = [
    {
      name: 'pglite',
      start: async () => {
        const server = await startEntry('libs/local-stack/src/postgres-main.ts', {}, 60_000);
        return { url: server.url, stop: async () => void (await server.stop()) };
      },
    },
  ];
  if (testDatabaseUrl) {
    targets.push({
      name: 'postgresql',
      start: async () => ({ url: testDatabaseUrl, stop: async () => undefined }),
    });
  }
  return targets;
}
