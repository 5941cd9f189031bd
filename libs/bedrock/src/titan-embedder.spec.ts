import type { AppError } from '@lgm/core';
import {
  type BedrockEmulator,
  bedrockScripts,
  hashedEmbedding,
  startBedrockEmulator,
} from '@lgm/testing';

import { createBedrockRuntimeClient } from './bedrock-client';
import { CohereEmbedder } from './bedrock-cohere-embedder';
import { mapBounded, TitanEmbedder } from './titan-embedder';

const norm = (vector: readonly number[]): number =>
  Math.sqrt(vector.reduce((sum, value) => sum + value * value, 0));
const dot = (a: readonly number[], b: readonly number[]): number =>
  a.reduce((sum, value, i) => sum + value * (b[i] ?? 0), 0);

async function failure(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (error) {
    return error as AppError;
  }
  throw new Error('expected a failure');
}

describe('Bedrock embedders against the emulator (real SDK client)', () => {
  let emulator: BedrockEmulator;
  let sleeps: number[];
  let client: ReturnType<typeof createBedrockRuntimeClient>;
  const noWait = {
    sleep: async (ms: number) => {
      sleeps.push(ms);
    },
    random: () => 0,
  };

  beforeAll(async () => {
    emulator = await startBedrockEmulator();
    client = createBedrockRuntimeClient({
      region: 'us-east-1',
      endpoint: emulator.endpoint,
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
    });
  });
  afterAll(async () => {
    await emulator.close();
  });
  beforeEach(() => {
    emulator.reset();
    sleeps = [];
  });

  it.each([256, 512, 1024] as const)(
    'embeds with Titan v2 at %i dimensions: unit length, deterministic, in order',
    async (dimensions) => {
      const embedder = new TitanEmbedder({ client, dimensions, ...noWait });
      const texts = ['Aurora pauses at zero capacity.', 'Lambda cold starts', 'Aurora pauses'];

      const first = await embedder.embed(texts, { purpose: 'document' });
      const again = await embedder.embed(texts, { purpose: 'query' });

      expect(embedder.dimensions).toBe(dimensions);
      expect(embedder.modelId).toBe(`bedrock:amazon.titan-embed-text-v2:0:${dimensions}`);
      expect(first).toHaveLength(3);
      for (const vector of first) {
        expect(vector).toHaveLength(dimensions);
        expect(norm(vector)).toBeCloseTo(1, 6);
      }
      expect(again).toEqual(first);
      // Order is kept: each vector is its own text's.
      first.forEach((vector, i) => {
        expect(dot(vector, hashedEmbedding(texts[i] ?? '', dimensions, true))).toBeCloseTo(1, 6);
      });
      expect(emulator.requests[0]?.modelId).toBe('amazon.titan-embed-text-v2:0');
      expect(emulator.requests.map((request) => request.body)).toContainEqual({
        inputText: 'Lambda cold starts',
        dimensions,
        normalize: true,
      });
    },
  );

  it('rejects an unsupported dimension', () => {
    expect(() => new TitanEmbedder({ client, dimensions: 384 })).toThrow(
      expect.objectContaining({ code: 'EMBEDDING_DIMENSIONS_INVALID', status: 400 }),
    );
  });

  it('rejects empty and oversized texts before calling Bedrock', async () => {
    const embedder = new TitanEmbedder({ client, ...noWait });

    const empty = await failure(embedder.embed(['ok', '  '], { purpose: 'document' }));
    const long = await failure(embedder.embed(['x'.repeat(50_001)], { purpose: 'document' }));

    expect(empty).toMatchObject({ code: 'EMBEDDING_INPUT_EMPTY', status: 400 });
    expect(long).toMatchObject({ code: 'EMBEDDING_INPUT_TOO_LONG', status: 400 });
    expect(emulator.requests).toHaveLength(0);
  });

  it('retries a throttled request and maps exhausted retries to MODEL_THROTTLED', async () => {
    const embedder = new TitanEmbedder({ client, concurrency: 1, ...noWait });
    emulator.enqueue(bedrockScripts.throttle(1));

    const [vector] = await embedder.embed(['retry me'], { purpose: 'document' });

    expect(vector).toHaveLength(1024);
    expect(emulator.requests).toHaveLength(2);
    expect(sleeps).toHaveLength(1);

    emulator.enqueue(bedrockScripts.throttle(4));
    const error = await failure(embedder.embed(['again'], { purpose: 'document' }));
    expect(error).toMatchObject({ code: 'MODEL_THROTTLED', status: 429 });
  });

  it('embeds many texts with bounded concurrency', async () => {
    const embedder = new TitanEmbedder({ client, dimensions: 256, concurrency: 3, ...noWait });
    const texts = Array.from({ length: 20 }, (_, i) => `passage number ${i}`);

    const vectors = await embedder.embed(texts, { purpose: 'document' });

    expect(vectors).toHaveLength(20);
    expect(emulator.requests).toHaveLength(20);
  });

  it('embeds with Cohere v3 in batches of 96 with the purpose as input_type', async () => {
    const embedder = new CohereEmbedder({
      client,
      modelId: 'cohere.embed-multilingual-v3',
      ...noWait,
    });
    const texts = Array.from({ length: 100 }, (_, i) => `document ${i}`);

    const documents = await embedder.embed(texts, { purpose: 'document' });
    const [query] = await embedder.embed(['where is document 7?'], { purpose: 'query' });

    expect(documents).toHaveLength(100);
    expect(norm(documents[99] ?? [])).toBeCloseTo(1, 6);
    expect(query).toHaveLength(1024);
    const bodies = emulator.requests.map((request) => request.body);
    expect(bodies.map((body) => (body['texts'] as unknown[]).length)).toEqual([96, 4, 1]);
    expect(bodies.map((body) => body['input_type'])).toEqual([
      'search_document',
      'search_document',
      'search_query',
    ]);
    expect(emulator.requests[0]?.modelId).toBe('cohere.embed-multilingual-v3');
  });
});

describe('mapBounded', () => {
  it('never runs more than the limit at once and keeps order', async () => {
    let running = 0;
    let peak = 0;

    const results = await mapBounded(10, 3, async (index) => {
      running += 1;
      peak = Math.max(peak, running);
      await new Promise((resolve) => setImmediate(resolve));
      running -= 1;
      return index * 2;
    });

    expect(peak).toBe(3);
    expect(results).toEqual([0, 2, 4, 6, 8, 10, 12, 14, 16, 18]);
  });
});
