#!/usr/bin/env node
// The local embedder's cold load and throughput. Budget (issue 4): the asset loads in < 1 s.
// Each sample is a fresh Node process (what a new Lambda environment or a restarted service
// does): module import (through tsx, so it includes transpiling the TypeScript) and the first
// `load()` of the binary asset are timed separately. Throughput is measured in one warm process.
// Prints figures and ratios; asserts nothing.
import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..', '..');
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 7);
const BUDGET_MS = 1000;
const moduleUrl = pathToFileURL(join(root, 'libs/bedrock/src/local-embedder.ts')).href;
const assetsDir = join(root, 'libs/bedrock/assets/local-embedder');

const coldProbe = `
const t0 = performance.now();
const { createLocalEmbedder } = await import(process.argv[1]);
const t1 = performance.now();
const embedder = createLocalEmbedder({ assetsDir: process.argv[2] });
embedder.load();
const t2 = performance.now();
await embedder.embed(['How do I reset my password?'], { purpose: 'query' });
const t3 = performance.now();
process.stdout.write(JSON.stringify({ importMs: t1 - t0, loadMs: t2 - t1, firstEmbedMs: t3 - t2 }));
`;

const warmProbe = `
const { createLocalEmbedder } = await import(process.argv[1]);
const embedder = createLocalEmbedder({ assetsDir: process.argv[2] });
embedder.load();
const words = 'the customer asked how to reset a forgotten password and where invoices are sent each month while the team reviewed quarterly revenue figures'.split(' ');
const texts = Array.from({ length: 2000 }, (_, i) =>
  Array.from({ length: 12 + (i % 20) }, (_, k) => words[(i * 7 + k * 3) % words.length]).join(' '));
await embedder.embed(texts.slice(0, 200), { purpose: 'document' });
const t0 = performance.now();
let count = 0;
while (performance.now() - t0 < 1500) {
  await embedder.embed(texts, { purpose: 'document' });
  count += texts.length;
}
const seconds = (performance.now() - t0) / 1000;
process.stdout.write(JSON.stringify({ perSecond: count / seconds, meanWords: texts.reduce((s, t) => s + t.split(' ').length, 0) / texts.length }));
`;

const run = (probe) =>
  JSON.parse(
    execFileSync(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', probe, moduleUrl, assetsDir],
      { cwd: root, env: { PATH: process.env.PATH }, encoding: 'utf8' },
    ),
  );

const percentile = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
};

const assetBytes = ['vectors.bin', 'vocab.txt', 'manifest.json']
  .map((file) => statSync(join(assetsDir, file)).size)
  .reduce((a, b) => a + b, 0);

const samples = Array.from({ length: SAMPLES }, () => run(coldProbe));
const loads = samples.map((s) => s.loadMs);
const imports = samples.map((s) => s.importMs);
const firsts = samples.map((s) => s.loadMs + s.firstEmbedMs);
const warm = run(warmProbe);

console.log(
  `Local embedder (local-sif-wink-100d-v1), asset ${(assetBytes / 1024 / 1024).toFixed(2)} MB, ` +
    `${SAMPLES} fresh processes (budget ${BUDGET_MS} ms to load)`,
);
console.log(`module import (tsx) p50     ${percentile(imports, 50).toFixed(1).padStart(8)} ms`);
console.log(
  `asset load p50 / p95        ${percentile(loads, 50).toFixed(1).padStart(8)} ms / ${percentile(loads, 95).toFixed(1)} ms`,
);
console.log(`load + first embed p95      ${percentile(firsts, 95).toFixed(1).padStart(8)} ms`);
console.log(
  `load p95 / budget           ${(percentile(loads, 95) / BUDGET_MS).toFixed(3).padStart(8)}`,
);
console.log(
  `throughput (warm)           ${Math.round(warm.perSecond).toString().padStart(8)} embeddings/s ` +
    `(${warm.meanWords.toFixed(1)} words each)`,
);
