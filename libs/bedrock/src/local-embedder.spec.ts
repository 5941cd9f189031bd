import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { AppError, ValidationError } from '@lgm/core';
import { findWorkspaceRoot } from '@lgm/testing';

import {
  createLocalEmbedder,
  findLocalEmbedderAssets,
  hashedNgramVector,
  loadWordVectors,
  LOCAL_EMBEDDER_LIMITATIONS,
  LOCAL_EMBEDDER_MODEL_ID,
} from './local-embedder';
import { tokenizeWords } from './local-tokenizer';

const assetsDir = join(findWorkspaceRoot(), 'libs/bedrock/assets/local-embedder');
const embedder = createLocalEmbedder({ assetsDir });

const dot = (a: readonly number[], b: readonly number[]): number =>
  a.reduce((sum, value, i) => sum + value * (b[i] ?? 0), 0);
const norm = (a: readonly number[]): number => Math.sqrt(dot(a, a));

async function embedOne(text: string): Promise<number[]> {
  const [vector] = await embedder.embed([text], { purpose: 'query' });
  if (vector === undefined) throw new Error('no vector');
  return vector;
}

describe('tokenizeWords', () => {
  it('lower-cases, splits on punctuation, keeps numbers and every script', () => {
    expect(
      tokenizeWords("Don't reset the Wi-Fi password (v3.5, 1,000 users) — 비밀번호를!"),
    ).toEqual([
      'do',
      'not',
      'reset',
      'the',
      'wi',
      'fi',
      'password',
      'v3',
      '5',
      '1,000',
      'users',
      '비밀번호를',
    ]);
  });

  it('drops English clitics rather than leaving stray letters', () => {
    expect(tokenizeWords("It's the user's file")).toEqual(['it', 'the', 'user', 'file']);
  });
});

describe('LocalEmbedder', () => {
  it('exposes its model id and 100 dimensions', () => {
    expect(embedder.modelId).toBe(LOCAL_EMBEDDER_MODEL_ID);
    expect(embedder.modelId).toBe('local-sif-wink-100d-v1');
    expect(embedder.dimensions).toBe(100);
    expect(LOCAL_EMBEDDER_LIMITATIONS).toMatch(/English/);
  });

  it.each([
    [
      'How do I reset my password?',
      'Steps to change a forgotten password',
      'The cat sat on the mat',
    ],
    [
      'What is the weather forecast for tomorrow?',
      'Rain and strong winds are expected on Friday',
      'The quarterly revenue grew by ten percent',
    ],
    [
      'How much does the subscription cost per month?',
      'Pricing: the monthly plan is $20',
      'Our team hiked up the mountain at dawn',
    ],
    [
      'My laptop battery drains quickly',
      'Tips to extend notebook battery life',
      'The recipe needs two eggs and flour',
    ],
    [
      'Who won the football match?',
      'The team scored twice in the second half to beat their rivals',
      'Photosynthesis converts sunlight into chemical energy',
    ],
    [
      'How do I cancel my order?',
      'You can cancel a purchase from the orders page before it ships',
      'The violin concerto was composed in 1878',
    ],
  ])('ranks a related sentence above an unrelated one: %s', async (query, related, unrelated) => {
    const [q, r, u] = await embedder.embed([query, related, unrelated], { purpose: 'query' });
    expect(q && r && u).toBeDefined();
    expect(dot(q ?? [], r ?? [])).toBeGreaterThan(dot(q ?? [], u ?? []) + 0.15);
  });

  it('returns unit vectors of 100 numbers, deterministically', async () => {
    const texts = ['The quick brown fox.', '12345', 'Zyxwvut qwerty', '비밀번호 재설정', '?!'];
    const first = await embedder.embed(texts, { purpose: 'document' });
    const second = await createLocalEmbedder({ assetsDir }).embed(texts, { purpose: 'query' });
    expect(second).toEqual(first);
    for (const vector of first) {
      expect(vector).toHaveLength(100);
      expect(norm(vector)).toBeCloseTo(1, 6);
      expect(vector.every(Number.isFinite)).toBe(true);
    }
  });

  it('gives text with no known word a character n-gram vector that still matches its spelling', async () => {
    const question = await embedOne('비밀번호를 재설정하려면?');
    const related = await embedOne('비밀번호 재설정 방법');
    const unrelated = await embedOne('오늘 날씨가 맑습니다');
    expect(question).toEqual(hashedNgramVector('비밀번호를 재설정하려면?', 100));
    expect(dot(question, related)).toBeGreaterThan(dot(question, unrelated));
  });

  it('counts out-of-vocabulary words by spelling next to English ones', async () => {
    const [q, related, unrelated] = await embedder.embed(
      ['AWS 비밀번호 재설정', 'AWS 콘솔에서 비밀번호를 재설정하세요', 'AWS 요금 청구서'],
      { purpose: 'query' },
    );
    expect(dot(q ?? [], related ?? [])).toBeGreaterThan(dot(q ?? [], unrelated ?? []) + 0.15);
  });

  it('rejects empty or blank text with a ValidationError naming its position', async () => {
    await expect(embedder.embed(['ok', '  \n'], { purpose: 'query' })).rejects.toMatchObject({
      code: 'EMBEDDING_TEXT_EMPTY',
      details: { position: 1 },
    });
    await expect(embedder.embed([''], { purpose: 'query' })).rejects.toBeInstanceOf(
      ValidationError,
    );
    await expect(embedder.embed([], { purpose: 'query' })).resolves.toEqual([]);
  });

  it('stops when the signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(
      embedder.embed(['text'], { purpose: 'query', signal: controller.signal }),
    ).rejects.toThrow();
  });

  it('needs no network: the vectors come from the packaged asset', async () => {
    const fetchSpy = jest.spyOn(globalThis, 'fetch').mockRejectedValue(new Error('offline'));
    const fresh = createLocalEmbedder({ assetsDir });
    await expect(fresh.embed(['offline search works'], { purpose: 'query' })).resolves.toHaveLength(
      1,
    );
    expect(fetchSpy).not.toHaveBeenCalled();
    fetchSpy.mockRestore();
    const vectors = loadWordVectors(assetsDir);
    expect(vectors.index.size).toBe(50_000);
    expect(vectors.index.get('password')).toBeDefined();
    expect(vectors.principalComponent).toHaveLength(100);
    expect(norm(Array.from(vectors.principalComponent))).toBeCloseTo(1, 4);
  });
});

describe('asset location and errors', () => {
  it('finds the asset from anywhere in the workspace and in a bundle layout', () => {
    expect(findLocalEmbedderAssets(join(findWorkspaceRoot(), 'apps'))).toBe(assetsDir);
    const bundle = mkdtempSync(join(tmpdir(), 'lgm-bundle-'));
    const bundled = join(bundle, 'assets/local-embedder');
    mkdirSync(bundled, { recursive: true });
    for (const file of ['manifest.json', 'vocab.txt', 'vectors.bin']) {
      writeFileSync(join(bundled, file), '');
    }
    expect(findLocalEmbedderAssets(join(bundle), [])).toBe(bundled);
  });

  it('reports missing or corrupt assets with their own codes', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'lgm-assets-'));
    expect(() => findLocalEmbedderAssets(empty, [])).toThrow(AppError);
    await expect(
      createLocalEmbedder({ assetsDir: empty }).embed(['x'], { purpose: 'query' }),
    ).rejects.toMatchObject({ code: 'LOCAL_EMBEDDER_ASSETS_NOT_FOUND' });
    writeFileSync(join(empty, 'vectors.bin'), 'not a vector file at all, clearly too short');
    writeFileSync(join(empty, 'vocab.txt'), 'a\n');
    expect(() => loadWordVectors(empty)).toThrow(
      expect.objectContaining({ code: 'LOCAL_EMBEDDER_ASSETS_INVALID' }),
    );
  });
});
