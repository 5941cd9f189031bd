import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import {
  createLocalEmbedder,
  findLocalEmbedderAssets,
  LOCAL_EMBEDDER_DIMENSIONS,
} from '@lgm/bedrock';
import { AppError } from '@lgm/core';
import { startLocalPostgres } from '@lgm/local-stack';
import { createDatabase, migrateDatabase } from '@lgm/persistence';

import { loadBeirDataset } from './beir';
import { evaluateRetrieval, formatReport } from './evaluate';

/**
 * `npx nx run eval:eval [-- --dataset <BEIR folder>]`: indexes the dataset into a fresh in-memory
 * PGlite with the local embedder and prints recall@1/5/10 and nDCG@10 of vector, full-text and
 * hybrid retrieval. Nothing is kept afterwards.
 */
const workspaceRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { dataset: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    process.stdout.write('Usage: npx nx run eval:eval -- [--dataset <BEIR folder>]\n');
    return;
  }
  const folder = resolve(values.dataset ?? join(workspaceRoot, 'tools/eval/datasets/lgm-mini'));
  const dataset = await loadBeirDataset(folder);
  const postgres = await startLocalPostgres();
  const { db, pool, close } = createDatabase({ url: postgres.url, maxConnections: 1 });
  try {
    await migrateDatabase(pool, {
      migrationsFolder: join(workspaceRoot, 'libs/persistence/drizzle'),
      embeddingDimensions: LOCAL_EMBEDDER_DIMENSIONS,
    });
    const embedder = createLocalEmbedder({ assetsDir: findLocalEmbedderAssets(workspaceRoot) });
    const report = await evaluateRetrieval(dataset, { db, embedder });
    process.stdout.write(`${formatReport(basename(folder), report)}\n`);
  } finally {
    await close();
    await postgres.stop();
  }
}

main().catch((error: unknown) => {
  // Caller mistakes (a bad folder or file) get their code and message; anything else its stack.
  if (error instanceof AppError && error.status < 500) {
    process.stderr.write(`${error.code}: ${error.message}\n`);
    process.exit(2);
  }
  process.stderr.write(
    `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
