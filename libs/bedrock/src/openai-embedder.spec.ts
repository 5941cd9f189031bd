import {
  type OpenAiFake,
  openAiFakeEmbedding,
  openAiFakeErrors,
  startOpenAiFake,
} from '@lgm/testing';

import { OpenAiEmbedder } from './openai-embedder';

describe('OpenAiEmbedder against the OpenAI fake', () => {
  let fake: OpenAiFake;

  beforeEach(async () => {
    fake = await startOpenAiFake();
  });

  afterEach(async () => {
    await fake.close();
  });

  it('batches 150 texts into 3 requests, keeps order and returns unit vectors', async () => {
    // Arrange
    const embedder = new OpenAiEmbedder({
      baseUrl: fake.baseUrl,
      model: 'nomic-embed-text',
      dimensions: 8,
      batchSize: 64,
      concurrency: 2,
      prefixes: { document: 'search_document: ' },
    });
    const texts = Array.from({ length: 150 }, (_, i) => `text number ${i}`);

    // Act
    const vectors = await embedder.embed(texts, { purpose: 'document' });

    // Assert
    const calls = fake.requestsTo('/embeddings');
    expect(calls.map((call) => (call.body as { input: string[] }).input.length)).toEqual([
      64, 64, 22,
    ]);
    expect(vectors).toHaveLength(150);
    for (const [i, vector] of vectors.entries()) {
      expect(Math.hypot(...vector)).toBeCloseTo(1, 9);
      const raw = openAiFakeEmbedding(`search_document: text number ${i}`, 8);
      const norm = Math.hypot(...raw);
      raw.forEach((value, d) => expect(vector[d]).toBeCloseTo(value / norm, 12));
    }
    expect(embedder.modelId).toBe('openai-compatible:nomic-embed-text:8');
  });

  it('rejects vectors of another dimension than configured', async () => {
    fake.embeddingOptions.dimensions = 16;
    const embedder = new OpenAiEmbedder({ baseUrl: fake.baseUrl, model: 'm', dimensions: 8 });

    await expect(embedder.embed(['a'], { purpose: 'query' })).rejects.toMatchObject({
      code: 'EMBEDDING_DIMENSION_MISMATCH',
    });
  });

  it('retries a throttled batch, then succeeds', async () => {
    fake.enqueueEmbeddingError(openAiFakeErrors.throttled(), 2);
    const delays: number[] = [];
    const embedder = new OpenAiEmbedder({
      baseUrl: fake.baseUrl,
      apiKey: 'sk-embed-secret',
      model: 'm',
      dimensions: 8,
      sleep: async (ms) => {
        delays.push(ms);
      },
      random: () => 0.5,
    });

    const vectors = await embedder.embed(['a', 'b'], { purpose: 'query' });

    expect(vectors).toHaveLength(2);
    expect(delays).toEqual([125, 250]);
    expect(fake.requestsTo('/embeddings').map((call) => call.authorization)).toEqual([
      'Bearer sk-embed-secret',
      'Bearer sk-embed-secret',
      'Bearer sk-embed-secret',
    ]);
  });
});
