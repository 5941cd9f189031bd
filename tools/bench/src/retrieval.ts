// Retrieval latency and recall (ARCHITECTURE §5: over 100k chunks on PostgreSQL, ≤ 20 ms p95 at
// recall@10 ≥ 0.95 against exact search). For each engine (in-memory PGlite through
// `startLocalPostgres`, and a real PostgreSQL at BENCH_DATABASE_URL) and each size it loads N
// chunks into the production schema (migrations of libs/persistence), builds the HNSW index the
// way `ensureEmbeddingColumn` does, then times `ChunkRepository.nearest` (the production query:
// owner filter, ready documents, iterative scan, ef_search 100) and the full `HybridRetriever`
// (local embedder + vector + full text + fusion), and measures recall@10 of `nearest` against
// exact search (the same query with index scans disabled, so PostgreSQL sorts every row).
//
// Data: chunk texts are generated sentences from the local embedder's vocabulary, each document
// drawn from one of a few hundred topics (topic words + common words + a little noise), and every
// chunk is embedded with the real local embedder (SIF, 100-d) — so vectors have the clustered
// structure of real embeddings, not the uniform spread of random Gaussian vectors (which is the
// easy case for HNSW recall). 20% of the rows (BENCH_NOISE_SHARE) belong to other owners, so the
// owner filter drops rows from what the index yields. Queries are 4–6 topic words, embedded the
// same way. Deterministic (seeded PRNG).
//
// Figures only, never asserted. Loopback only. Bounded: BENCH_TIME_LIMIT_S (default 600) for the
// whole run; a configuration predicted to overrun is skipped with a note.
//
// Environment: BENCH_CHUNKS (10000,100000)  BENCH_QUERIES (200)  BENCH_ENGINES (postgresql,pglite)
//   BENCH_DATABASE_URL (PostgreSQL with pgvector; a database of its own — the benchmark TRUNCATES
//   documents and chunks there)  BENCH_NOISE_SHARE (0.2)  BENCH_TIME_LIMIT_S (600)
//   BENCH_MAINTENANCE_WORK_MEM (256MB, session setting for the index build)
//   BENCH_EF_SEARCH (40,200,400: extra hnsw.ef_search values timed on the same SQL; '' for none)
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import {
  createLocalEmbedder,
  findLocalEmbedderAssets,
  LOCAL_EMBEDDER_DIMENSIONS,
} from '@lgm/bedrock';
import { createIdGenerator } from '@lgm/core';
import { type LocalPostgres, startLocalPostgres } from '@lgm/local-stack';
import {
  ChunkRepository,
  createDatabase,
  HNSW_INDEX_NAME,
  migrateDatabase,
} from '@lgm/persistence';
import { HybridRetriever } from '@lgm/rag';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const SIZES = (process.env['BENCH_CHUNKS'] ?? '10000,100000')
  .split(',')
  .map((value) => Number(value.trim()))
  .filter((value) => Number.isInteger(value) && value > 0)
  .sort((a, b) => a - b);
const QUERIES = Number(process.env['BENCH_QUERIES'] ?? 200);
const ENGINES = (process.env['BENCH_ENGINES'] ?? 'postgresql,pglite')
  .split(',')
  .map((value) => value.trim())
  .filter((value) => value === 'postgresql' || value === 'pglite');
const DATABASE_URL = process.env['BENCH_DATABASE_URL'];
const NOISE_SHARE = Number(process.env['BENCH_NOISE_SHARE'] ?? 0.2);
const TIME_LIMIT_MS = Number(process.env['BENCH_TIME_LIMIT_S'] ?? 600) * 1000;
const MAINTENANCE_WORK_MEM = process.env['BENCH_MAINTENANCE_WORK_MEM'] ?? '256MB';
const EF_SWEEP = (process.env['BENCH_EF_SEARCH'] ?? '40,200,400')
  .split(',')
  .map((value) => Number(value.trim()))
  .filter((value) => Number.isInteger(value) && value >= 1 && value <= 1000);
const K = 10;
const BUDGET_P95_MS = 20;
const BUDGET_RECALL = 0.95;
const CHUNKS_PER_DOCUMENT = 25;
const INSERT_ROWS = 1000;
const WARM_UP = 20;
const OWNER = 'bench-owner';
const NOISE_OWNERS = 8;

const started = performance.now();
const elapsed = (): number => performance.now() - started;

// --- deterministic data --------------------------------------------------------------------------

function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const assetsDir = findLocalEmbedderAssets(root);
const embedder = createLocalEmbedder({ assetsDir });
const vocabulary = readFileSync(join(assetsDir, 'vocab.txt'), 'utf8')
  .split('\n')
  .filter((word) => /^[a-z]{2,}$/u.test(word));
const common = vocabulary.slice(0, 150);
const content = vocabulary.slice(300, 30_000);
const TOPICS = 300;
const random = mulberry32(0x1b3c);
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
const topics = Array.from({ length: TOPICS }, () =>
  Array.from({ length: 40 }, () => pick(content)),
);

function sentence(topic: readonly string[], words: number): string {
  const out: string[] = [];
  for (let i = 0; i < words; i += 1) {
    const roll = random();
    out.push(roll < 0.55 ? pick(topic) : roll < 0.9 ? pick(common) : pick(content));
  }
  return `${out.join(' ')}.`;
}

interface GeneratedChunk {
  readonly text: string;
  readonly topic: number;
}

/** Chunks in document order: CHUNKS_PER_DOCUMENT consecutive chunks share a topic. */
function generateChunks(count: number): GeneratedChunk[] {
  const out: GeneratedChunk[] = [];
  let topic = 0;
  for (let i = 0; i < count; i += 1) {
    if (i % CHUNKS_PER_DOCUMENT === 0) topic = Math.floor(random() * TOPICS);
    const words = 40 + Math.floor(random() * 50);
    out.push({ text: sentence(topics[topic] ?? [], words), topic });
  }
  return out;
}

const percentile = (values: readonly number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
};
const ms = (value: number): string => value.toFixed(value < 10 ? 2 : 1);
const seconds = (value: number): string => `${(value / 1000).toFixed(1)} s`;

// --- one configuration ---------------------------------------------------------------------------

interface Result {
  readonly engine: string;
  readonly size: number;
  readonly ownerRows: number;
  readonly loadMs: number;
  readonly indexMs: number;
  readonly nearestP50: number;
  readonly nearestP95: number;
  readonly hybridP50: number;
  readonly hybridP95: number;
  readonly exactP50: number;
  readonly recall: number;
  readonly minRecall: number;
  readonly usesHnsw: boolean;
  /** The same query shape in raw SQL at other hnsw.ef_search values (production uses 100). */
  readonly sweep: { efSearch: number; p95: number; recall: number }[];
  readonly notes: string[];
}

const EXACT_SQL = `
  select c.id from chunks c join documents d on d.id = c.document_id
  where c.owner_id = $1 and d.owner_id = $1 and d.status = 'ready' and c.embedding is not null
  order by c.embedding <=> $2::vector limit ${K}`;

async function runConfiguration(
  engine: string,
  url: string,
  size: number,
  data: readonly GeneratedChunk[],
  vectors: readonly (readonly number[])[],
  queries: readonly { text: string; vector: number[] }[],
): Promise<Result> {
  const notes: string[] = [];
  const { db, pool, close } = createDatabase({ url, maxConnections: 2 });
  try {
    await migrateDatabase(pool, {
      migrationsFolder: join(root, 'libs/persistence/drizzle'),
      embeddingDimensions: LOCAL_EMBEDDER_DIMENSIONS,
    });
    await pool.query(`drop index if exists ${HNSW_INDEX_NAME}`);
    await pool.query('truncate chunks, documents');

    // Load: documents, then chunks in multi-row INSERTs of INSERT_ROWS, 10 batches a transaction.
    const nextId = createIdGenerator();
    const loadStart = performance.now();
    const documentCount = Math.ceil(size / CHUNKS_PER_DOCUMENT);
    const documentIds: string[] = [];
    const ownerOf: string[] = [];
    const noiseEvery = NOISE_SHARE > 0 ? Math.max(1, Math.round(1 / NOISE_SHARE)) : 0;
    for (let d = 0; d < documentCount; d += 1) {
      documentIds.push(nextId());
      const noise = noiseEvery > 0 && d % noiseEvery === noiseEvery - 1;
      ownerOf.push(noise ? `bench-noise-${d % NOISE_OWNERS}` : OWNER);
    }
    for (let start = 0; start < documentCount; start += INSERT_ROWS) {
      const params: unknown[] = [];
      const rows: string[] = [];
      for (let d = start; d < Math.min(documentCount, start + INSERT_ROWS); d += 1) {
        const p = params.length;
        rows.push(
          `($${p + 1}, $${p + 2}, $${p + 3}, 'bench.txt', 'text/plain', 0, $${p + 4}, 'ready')`,
        );
        params.push(documentIds[d], ownerOf[d], `Document ${d}`, `bench/${documentIds[d]}`);
      }
      await pool.query(
        `insert into documents (id, owner_id, title, file_name, content_type, size_bytes, s3_key, status) values ${rows.join(',')}`,
        params,
      );
    }
    const client = await pool.connect();
    let released = false;
    try {
      for (let start = 0; start < size; start += INSERT_ROWS * 10) {
        await client.query('begin');
        for (
          let batch = start;
          batch < Math.min(size, start + INSERT_ROWS * 10);
          batch += INSERT_ROWS
        ) {
          const params: unknown[] = [];
          const rows: string[] = [];
          for (let i = batch; i < Math.min(size, batch + INSERT_ROWS); i += 1) {
            const p = params.length;
            const d = Math.floor(i / CHUNKS_PER_DOCUMENT);
            rows.push(
              `($${p + 1}, $${p + 2}, $${p + 3}, $${p + 4}, $${p + 5}, $${p + 6}, $${p + 7}::vector)`,
            );
            const text = data[i]?.text ?? '';
            params.push(
              nextId(),
              ownerOf[d],
              documentIds[d],
              i % CHUNKS_PER_DOCUMENT,
              text,
              Math.ceil(text.length / 4),
              `[${(vectors[i] ?? []).join(',')}]`,
            );
          }
          await client.query(
            `insert into chunks (id, owner_id, document_id, ordinal, text, token_count, embedding) values ${rows.join(',')}`,
            params,
          );
        }
        await client.query('commit');
      }
      const loadMs = performance.now() - loadStart;

      // The index exactly as ensureEmbeddingColumn creates it, timed on its own.
      await client.query(`set maintenance_work_mem = '${MAINTENANCE_WORK_MEM}'`);
      const onNotice = (notice: { message?: string }): void => {
        if (notice.message) notes.push(`index build: ${notice.message}`);
      };
      client.on('notice', onNotice);
      const indexStart = performance.now();
      await client.query(
        `create index if not exists ${HNSW_INDEX_NAME} on chunks using hnsw (embedding vector_cosine_ops)`,
      );
      const indexMs = performance.now() - indexStart;
      client.off('notice', onNotice);
      await client.query('reset maintenance_work_mem');
      await client.query('analyze documents');
      await client.query('analyze chunks');

      const ownerRows = Number(
        (
          await client.query<{ n: string }>(
            'select count(*) as n from chunks where owner_id = $1',
            [OWNER],
          )
        ).rows[0]?.n ?? 0,
      );

      // Does the production query shape use the HNSW index? (EXPLAIN of the same SQL.)
      await client.query('begin');
      await client.query(`select set_config('hnsw.iterative_scan', 'relaxed_order', true)`);
      await client.query(`select set_config('hnsw.ef_search', '100', true)`);
      const plan = await client.query<{ 'QUERY PLAN': string }>(`explain ${EXACT_SQL}`, [
        OWNER,
        `[${queries[0]?.vector.join(',')}]`,
      ]);
      await client.query('commit');
      const usesHnsw = plan.rows.some((row) => row['QUERY PLAN'].includes(HNSW_INDEX_NAME));

      // Exact top-10: same query, index scans off, so every candidate row is sorted.
      const exact: string[][] = [];
      const exactTimes: number[] = [];
      for (const query of queries) {
        const t0 = performance.now();
        await client.query('begin');
        await client.query('set local enable_indexscan = off');
        const result = await client.query<{ id: string }>(EXACT_SQL, [
          OWNER,
          `[${query.vector.join(',')}]`,
        ]);
        await client.query('commit');
        exactTimes.push(performance.now() - t0);
        exact.push(result.rows.map((row) => row.id));
      }
      const exactPlan = await (async () => {
        await client.query('begin');
        await client.query('set local enable_indexscan = off');
        const result = await client.query<{ 'QUERY PLAN': string }>(`explain ${EXACT_SQL}`, [
          OWNER,
          `[${queries[0]?.vector.join(',')}]`,
        ]);
        await client.query('commit');
        return result.rows.map((row) => row['QUERY PLAN']).join('\n');
      })();
      if (exactPlan.includes(HNSW_INDEX_NAME)) {
        notes.push('exact search still used the HNSW index: recall figures are not meaningful');
      }

      // ef_search sweep: what another setting would buy, on the same SQL and owner filter.
      const sweep: Result['sweep'] = [];
      for (const efSearch of EF_SWEEP) {
        const times: number[] = [];
        const sweepRecalls: number[] = [];
        for (const [index, query] of queries.entries()) {
          const t0 = performance.now();
          await client.query('begin');
          await client.query(`select set_config('hnsw.iterative_scan', 'relaxed_order', true)`);
          await client.query(`select set_config('hnsw.ef_search', $1, true)`, [String(efSearch)]);
          const result = await client.query<{ id: string }>(EXACT_SQL, [
            OWNER,
            `[${query.vector.join(',')}]`,
          ]);
          await client.query('commit');
          times.push(performance.now() - t0);
          const truth = new Set(exact[index]);
          const hits = result.rows.filter((row) => truth.has(row.id)).length;
          sweepRecalls.push(truth.size === 0 ? 1 : hits / Math.min(K, truth.size));
        }
        sweep.push({
          efSearch,
          p95: percentile(times, 95),
          recall: sweepRecalls.reduce((a, b) => a + b, 0) / sweepRecalls.length,
        });
      }

      client.release();
      released = true;
      const repository = new ChunkRepository(db, OWNER);
      const retriever = new HybridRetriever({ search: repository, embedder });
      for (const query of queries.slice(0, WARM_UP)) {
        await repository.nearest(query.vector, K);
        await retriever.retrieve(query.text);
      }
      const nearestTimes: number[] = [];
      const hybridTimes: number[] = [];
      const recalls: number[] = [];
      for (const [index, query] of queries.entries()) {
        const t0 = performance.now();
        const found = await repository.nearest(query.vector, K);
        const t1 = performance.now();
        await retriever.retrieve(query.text);
        const t2 = performance.now();
        nearestTimes.push(t1 - t0);
        hybridTimes.push(t2 - t1);
        const truth = new Set(exact[index]);
        const hits = found.filter((match) => truth.has(match.chunkId)).length;
        recalls.push(truth.size === 0 ? 1 : hits / Math.min(K, truth.size));
      }
      return {
        engine,
        size,
        ownerRows,
        loadMs,
        indexMs,
        nearestP50: percentile(nearestTimes, 50),
        nearestP95: percentile(nearestTimes, 95),
        hybridP50: percentile(hybridTimes, 50),
        hybridP95: percentile(hybridTimes, 95),
        exactP50: percentile(exactTimes, 50),
        recall: recalls.reduce((a, b) => a + b, 0) / recalls.length,
        minRecall: Math.min(...recalls),
        usesHnsw,
        sweep,
        notes,
      };
    } finally {
      if (!released) client.release();
    }
  } finally {
    await close();
  }
}

function printResult(result: Result): void {
  const budget = result.engine === 'postgresql' && result.size >= 100_000;
  console.log(
    `\n${result.engine} — ${result.size.toLocaleString('en')} chunks (${result.ownerRows.toLocaleString('en')} of the queried owner), ${QUERIES} queries, k=${K}`,
  );
  console.log(
    `  load (multi-row INSERT, ${INSERT_ROWS} rows/statement)  ${seconds(result.loadMs)}  (${Math.round(result.size / (result.loadMs / 1000))} rows/s)`,
  );
  console.log(`  HNSW build (m=16, ef_construction=64)          ${seconds(result.indexMs)}`);
  console.log(
    `  plan of the production query uses HNSW        ${result.usesHnsw ? 'yes' : 'NO (sequential scan + sort)'}`,
  );
  console.log('  measure                        p50 ms    p95 ms');
  console.log(
    `  ChunkRepository.nearest      ${ms(result.nearestP50).padStart(8)}  ${ms(result.nearestP95).padStart(8)}   ratio to ${BUDGET_P95_MS} ms: ${(result.nearestP95 / BUDGET_P95_MS).toFixed(2)}`,
  );
  console.log(
    `  HybridRetriever.retrieve     ${ms(result.hybridP50).padStart(8)}  ${ms(result.hybridP95).padStart(8)}   ratio to ${BUDGET_P95_MS} ms: ${(result.hybridP95 / BUDGET_P95_MS).toFixed(2)}`,
  );
  console.log(`  exact search (no index)      ${ms(result.exactP50).padStart(8)}`);
  console.log(
    `  recall@${K} of nearest vs exact   mean ${result.recall.toFixed(4)}  min ${result.minRecall.toFixed(2)}   ratio to ${BUDGET_RECALL}: ${(result.recall / BUDGET_RECALL).toFixed(3)}`,
  );
  if (budget) {
    const within = result.nearestP95 <= BUDGET_P95_MS && result.recall >= BUDGET_RECALL;
    console.log(
      `  budget (≤ ${BUDGET_P95_MS} ms p95 at recall@${K} ≥ ${BUDGET_RECALL}): ${within ? 'within' : 'OVER'}`,
    );
  }
  for (const { efSearch, p95, recall } of result.sweep) {
    console.log(
      `  raw SQL at hnsw.ef_search=${String(efSearch).padEnd(4)} p95 ${ms(p95).padStart(7)} ms  recall@${K} ${recall.toFixed(4)}   (production: 100)`,
    );
  }
  for (const note of result.notes) console.log(`  note: ${note}`);
}

// --- main ----------------------------------------------------------------------------------------

const maxSize = SIZES.at(-1) ?? 0;
console.log(
  `retrieval: sizes ${SIZES.join(', ')}; engines ${ENGINES.join(', ')}; ${QUERIES} queries; noise owners ${Math.round(NOISE_SHARE * 100)}% of rows; time limit ${TIME_LIMIT_MS / 1000} s`,
);
const genStart = performance.now();
const data = generateChunks(maxSize);
const embedStart = performance.now();
const vectors: number[][] = [];
for (let start = 0; start < data.length; start += 1000) {
  vectors.push(
    ...(await embedder.embed(
      data.slice(start, start + 1000).map((chunk) => chunk.text),
      { purpose: 'document' },
    )),
  );
}
const queryTexts = Array.from({ length: QUERIES }, () => {
  const topic = topics[Math.floor(random() * TOPICS)] ?? [];
  return Array.from({ length: 4 + Math.floor(random() * 3) }, () => pick(topic)).join(' ');
});
const queryVectors = await embedder.embed(queryTexts, { purpose: 'query' });
const queries = queryTexts.map((text, i) => ({ text, vector: queryVectors[i] ?? [] }));
console.log(
  `data: ${maxSize.toLocaleString('en')} generated chunks (40–89 words, ${TOPICS} topics) in ${seconds(embedStart - genStart)}, embedded with the local embedder (${LOCAL_EMBEDDER_DIMENSIONS}-d SIF) in ${seconds(performance.now() - embedStart)}`,
);

const results: Result[] = [];
for (const engine of ENGINES) {
  if (engine === 'postgresql' && !DATABASE_URL) {
    console.log(
      '\npostgresql: skipped — set BENCH_DATABASE_URL to a PostgreSQL database with pgvector that the benchmark may TRUNCATE (e.g. postgres://lgm:lgm@127.0.0.1:5432/lgm_bench).',
    );
    continue;
  }
  let previous: { size: number; ms: number } | undefined;
  for (const size of SIZES) {
    const remaining = TIME_LIMIT_MS - elapsed();
    // Load, index build and exact search grow about linearly (HNSW build a little faster).
    const predicted = previous ? (previous.ms * size) / previous.size : 0;
    if (predicted > remaining) {
      console.log(
        `\n${engine} — ${size.toLocaleString('en')} chunks: SKIPPED, predicted ${seconds(predicted)} from the ${previous?.size.toLocaleString('en')}-chunk run, ${seconds(remaining)} left of BENCH_TIME_LIMIT_S`,
      );
      continue;
    }
    const t0 = performance.now();
    let local: LocalPostgres | undefined;
    try {
      if (engine === 'pglite') local = await startLocalPostgres();
      const url = local?.url ?? DATABASE_URL ?? '';
      const result = await runConfiguration(
        engine,
        url,
        size,
        data.slice(0, size),
        vectors.slice(0, size),
        queries,
      );
      results.push(result);
      printResult(result);
    } finally {
      await local?.stop();
    }
    previous = { size, ms: performance.now() - t0 };
    console.log(`  (configuration took ${seconds(previous.ms)})`);
  }
}

console.log(
  `\nsummary (nearest p95 / recall@${K}; budget on postgresql 100k: ≤ ${BUDGET_P95_MS} ms at ≥ ${BUDGET_RECALL})`,
);
for (const result of results) {
  console.log(
    `  ${result.engine.padEnd(11)} ${String(result.size).padStart(7)}  nearest p95 ${ms(result.nearestP95).padStart(7)} ms (×${(result.nearestP95 / BUDGET_P95_MS).toFixed(2)})  hybrid p95 ${ms(result.hybridP95).padStart(7)} ms  recall@${K} ${result.recall.toFixed(3)} (×${(result.recall / BUDGET_RECALL).toFixed(3)})`,
  );
}
console.log(`total ${seconds(elapsed())}`);
