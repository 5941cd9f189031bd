import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { runEntry } from '@lgm/testing';

import {
  createOnnxEmbedder,
  type FeatureExtractor,
  type TransformersModule,
} from './onnx-embedder';
import { writeTinyBertModel } from './onnx-test-model';

const modelDir = writeTinyBertModel(join(mkdtempSync(join(tmpdir(), 'lgm-onnx-')), 'tiny-bert'));

interface ChildResult {
  readonly dimensions?: number;
  readonly modelId?: string;
  readonly vectors?: number[][];
  readonly error?: { code: string; message: string; cause: string };
}

async function embedInChild(texts: readonly string[]): Promise<ChildResult> {
  const run = await runEntry(
    'libs/bedrock/src/onnx-embedder-child.ts',
    {},
    {
      args: [modelDir, ...texts],
      timeoutMs: 30_000,
    },
  );
  expect(run.stderr).toBe('');
  return JSON.parse(run.stdout) as ChildResult;
}

const dot = (a: readonly number[], b: readonly number[]): number =>
  a.reduce((sum, value, i) => sum + value * (b[i] ?? 0), 0);

describe('OnnxEmbedder on a real onnxruntime', () => {
  it('embeds with a hand-built tiny BERT model, offline', async () => {
    const result = await embedInChild([
      'the cat sat on the mat',
      'the cat sat on the mat',
      'how do i reset password',
    ]);
    expect(result.error).toBeUndefined();
    expect(result.dimensions).toBe(8);
    expect(result.modelId).toBe('onnx-tiny-bert-fp32');
    const [a, b, c] = result.vectors ?? [];
    expect(a).toHaveLength(8);
    expect(Math.sqrt(dot(a ?? [], a ?? []))).toBeCloseTo(1, 5);
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
    expect(dot(a ?? [], c ?? [])).toBeLessThan(0.99);
  }, 40_000);
});

describe('OnnxEmbedder wiring', () => {
  function fakeTransformers(calls: string[][]): TransformersModule {
    const extractor: FeatureExtractor = (texts) => {
      calls.push(texts);
      return Promise.resolve({
        dims: [texts.length, 8],
        data: Float32Array.from({ length: texts.length * 8 }, (_, i) => (i % 8 === 0 ? 1 : 0)),
      });
    };
    return {
      env: { allowRemoteModels: true, allowLocalModels: false, localModelPath: '/models/' },
      pipeline: jest.fn(() => Promise.resolve(extractor)),
    };
  }

  it('disables remote models, points at the directory, prefixes and batches', async () => {
    const calls: string[][] = [];
    const transformers = fakeTransformers(calls);
    const embedder = createOnnxEmbedder({
      modelDir,
      queryPrefix: 'query: ',
      batchSize: 2,
      loadTransformers: () => Promise.resolve(transformers),
    });
    const vectors = await embedder.embed(['a', 'b', 'c'], { purpose: 'query' });
    expect(vectors).toHaveLength(3);
    expect(calls).toEqual([['query: a', 'query: b'], ['query: c']]);
    expect(transformers.env.allowRemoteModels).toBe(false);
    expect(transformers.env.localModelPath).toBe(`${join(modelDir, '..')}/`);
    expect(transformers.pipeline).toHaveBeenCalledWith('feature-extraction', 'tiny-bert', {
      local_files_only: true,
      dtype: 'fp32',
    });
  });

  it('reports a missing runtime as ONNX_RUNTIME_UNAVAILABLE', async () => {
    const embedder = createOnnxEmbedder({
      modelDir,
      loadTransformers: () =>
        Promise.reject(new Error("Cannot find module '@huggingface/transformers'")),
    });
    await expect(embedder.embed(['x'], { purpose: 'document' })).rejects.toMatchObject({
      code: 'ONNX_RUNTIME_UNAVAILABLE',
    });
  });

  it('reports a directory without a config as ONNX_MODEL_INVALID', () => {
    expect(() =>
      createOnnxEmbedder({ modelDir: mkdtempSync(join(tmpdir(), 'lgm-empty-')) }),
    ).toThrow(expect.objectContaining({ code: 'ONNX_MODEL_INVALID' }));
  });

  it('rejects empty text before loading anything', async () => {
    const load = jest.fn(() => Promise.reject(new Error('not loaded')));
    const embedder = createOnnxEmbedder({ modelDir, loadTransformers: load });
    await expect(embedder.embed([' '], { purpose: 'query' })).rejects.toMatchObject({
      code: 'EMBEDDING_TEXT_EMPTY',
    });
    expect(load).not.toHaveBeenCalled();
  });
});
