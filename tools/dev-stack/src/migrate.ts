import { loadConfig } from '@lgm/core';
import { createDatabase, migrateDatabase } from '@lgm/persistence';
import { runMain } from '@lgm/server-kit';
import * as z from 'zod';

import { MIGRATIONS_FOLDER } from './paths';

/**
 * `npm run migrate`: applies the committed SQL migrations to DATABASE_URL and sets the embedding
 * column to the configured dimensions. The dev stack does the same on every boot.
 */
const migrateConfigSchema = z.object({
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }),
  EMBEDDING_DIMENSIONS: z.coerce.number().int().min(1).max(2000),
});

runMain(async () => {
  const config = loadConfig(migrateConfigSchema, process.env);
  const { pool, close } = createDatabase({ url: config.DATABASE_URL, maxConnections: 1 });
  try {
    await migrateDatabase(pool, {
      migrationsFolder: MIGRATIONS_FOLDER,
      embeddingDimensions: config.EMBEDDING_DIMENSIONS,
    });
    process.stdout.write(`Migrated; chunks.embedding is vector(${config.EMBEDDING_DIMENSIONS}).\n`);
  } finally {
    await close();
  }
});
