import type { Embedder } from '@lgm/bedrock';
import type { ChunkMatch } from '@lgm/persistence';

import {
  HybridRetriever,
  type PassageSearch,
  reciprocalRankFusion,
  type Reranker,
} from './hybrid-retriever';
import { bestSnippet, queryTerms } from './snippet';

function match(chunkId: string, score: number, overrides: Partial<ChunkMatch> = {}): ChunkMatch {
  return {
    chunkId,
    documentId: `doc-${chunkId}`,
    documentTitle: `Title ${chunkId}`,
    ordinal: 0,
    text: `Passage ${chunkId}.`,
    headingPath: ['Guide'],
    pageStart: 1,
    pageEnd: 2,
    score,
    ...overrides,
  };
}

/** Records calls and answers with fixed lists. */
class FakeSearch implements PassageSearch {
  readonly calls: string[] = [];
  constructor(
    private readonly vector: ChunkMatch[],
    private readonly text: ChunkMatch[],
  ) {}
  nearest(embedding: readonly number[], k: number): Promise<ChunkMatch[]> {
    this.calls.push(`nearest(${embedding.length},${k})`);
    return Promise.resolve(this.vector.slice(0, k));
  }
  fullText(query: string, k: number): Promise<ChunkMatch[]> {
    this.calls.push(`fullText(${query},${k})`);
    return Promise.resolve(this.text.slice(0, k));
  }
}

const embedder: Embedder = {
  dimensions: 3,
  modelId: 'fake',
  embed: (texts, options) => {
    if (options.purpose !== 'query') throw new Error('expected a query embedding');
    return Promise.resolve(texts.map(() => [1, 0, 0]));
  },
};

describe('reciprocalRankFusion', () => {
  it('adds weight / (k + rank) per list and merges a chunk both lists found', () => {
    // Arrange
    const vector = [match('a', 0.1), match('b', 0.2)];
    const text = [match('b', 0.9), match('c', 0.5)];

    // Act
    const fused = reciprocalRankFusion(
      [
        { method: 'vector', weight: 1, matches: vector },
        { method: 'fullText', weight: 1, matches: text },
      ],
      60,
    );

    // Assert: b = 1/62 + 1/61, a = 1/61, c = 1/62.
    expect(fused.map((passage) => passage.chunkId)).toEqual(['b', 'a', 'c']);
    expect(fused[0]?.fusedScore).toBeCloseTo(1 / 62 + 1 / 61, 12);
    expect(fused[0]?.ranks).toEqual({ vector: 2, fullText: 1 });
    expect(fused[0]).toMatchObject({ vectorDistance: 0.2, textRank: 0.9 });
    expect(fused[1]?.fusedScore).toBeCloseTo(1 / 61, 12);
    expect(fused[2]).toMatchObject({ ranks: { fullText: 2 }, fusedScore: 1 / 62 });
    expect(fused[2]).not.toHaveProperty('vectorDistance');
  });

  it('lets weights decide between lists', () => {
    const fused = reciprocalRankFusion(
      [
        { method: 'vector', weight: 1, matches: [match('a', 0.1)] },
        { method: 'fullText', weight: 3, matches: [match('c', 0.5)] },
      ],
      60,
    );
    expect(fused.map((passage) => [passage.chunkId, passage.fusedScore])).toEqual([
      ['c', 3 / 61],
      ['a', 1 / 61],
    ]);
  });

  it('keeps only the first rank of a chunk a list repeats, and collapses duplicate text', () => {
    const fused = reciprocalRankFusion([
      {
        method: 'fullText',
        weight: 1,
        matches: [
          match('a', 1),
          match('a', 1),
          match('b', 0.5, { documentId: 'doc-a', text: '  Passage   a. ' }),
          match('c', 0.4, { text: 'Passage a.' }),
        ],
      },
    ]);
    // `b` repeats `a`'s text in the same document; `c` has that text in another document.
    expect(fused.map((passage) => [passage.chunkId, passage.ranks.fullText])).toEqual([
      ['a', 1],
      ['c', 4],
    ]);
  });
});

describe('HybridRetriever', () => {
  it('embeds the query, runs both searches with the candidate count and fuses them', async () => {
    const text = 'Intro here. Security groups allow inbound rules.';
    const search = new FakeSearch(
      [match('a', 0.1), match('b', 0.3, { text })],
      [match('b', 0.8, { text })],
    );
    const retriever = new HybridRetriever({ search, embedder }, { candidates: 20 });

    const passages = await retriever.retrieve('inbound rules', { k: 2 });

    expect(search.calls.sort()).toEqual(['fullText(inbound rules,20)', 'nearest(3,20)']);
    expect(passages).toHaveLength(2);
    expect(passages[0]).toMatchObject({
      chunkId: 'b',
      documentId: 'doc-b',
      documentTitle: 'Title b',
      headingPath: ['Guide'],
      pageStart: 1,
      pageEnd: 2,
      snippet: 'Security groups allow inbound rules.',
      ranks: { vector: 2, fullText: 1 },
    });
    expect(passages[1]).toMatchObject({ chunkId: 'a', snippet: 'Passage a.' });
  });

  it('skips a method whose weight is 0', async () => {
    const search = new FakeSearch([match('a', 0.1)], [match('b', 0.8)]);
    const retriever = new HybridRetriever({ search, embedder });

    const textOnly = await retriever.retrieve('x', { weights: { vector: 0 } });

    expect(search.calls).toEqual(['fullText(x,40)']);
    expect(textOnly.map((passage) => passage.chunkId)).toEqual(['b']);
  });

  it('lets a reranker reorder and drop passages but not add any', async () => {
    const search = new FakeSearch([match('a', 0.1), match('b', 0.2)], [match('c', 0.5)]);
    const reranker: Reranker = {
      rerank: (_query, passages) => {
        expect(passages.map((passage) => passage.chunkId)).toEqual(['a', 'c', 'b']);
        return Promise.resolve([
          { chunkId: 'b', score: 0.9 },
          { chunkId: 'zzz', score: 0.8 },
          { chunkId: 'b', score: 0.7 },
          { chunkId: 'a', score: 0.1 },
        ]);
      },
    };
    const retriever = new HybridRetriever({ search, embedder, reranker });

    const passages = await retriever.retrieve('query');

    expect(passages.map((passage) => [passage.chunkId, passage.rerankScore])).toEqual([
      ['b', 0.9],
      ['a', 0.1],
    ]);
  });

  it('rejects empty queries and bad options with codes', async () => {
    const retriever = new HybridRetriever({ search: new FakeSearch([], []), embedder });
    await expect(retriever.retrieve('  ')).rejects.toMatchObject({
      code: 'EMPTY_QUERY',
      status: 400,
    });
    await expect(retriever.retrieve('x'.repeat(2001))).rejects.toMatchObject({
      code: 'QUERY_TOO_LONG',
    });
    await expect(retriever.retrieve('x', { k: 0 })).rejects.toMatchObject({
      code: 'INVALID_RETRIEVAL_OPTIONS',
    });
    await expect(
      retriever.retrieve('x', { weights: { vector: 0, fullText: 0 } }),
    ).rejects.toMatchObject({ code: 'INVALID_RETRIEVAL_OPTIONS' });
    expect(
      () => new HybridRetriever({ search: new FakeSearch([], []), embedder }, { k: 200 }),
    ).toThrow(expect.objectContaining({ code: 'INVALID_RETRIEVAL_OPTIONS' }) as Error);
  });
});

describe('bestSnippet', () => {
  it('picks the sentence sharing the most query terms', () => {
    const text = 'VPC basics come first. 보안그룹은 인바운드 규칙을 허용합니다. Then routing.';
    expect(bestSnippet(text, '보안그룹이 인바운드')).toBe('보안그룹은 인바운드 규칙을 허용합니다.');
    expect(bestSnippet(text, 'routing tables')).toBe('Then routing.');
  });

  it('falls back to the start of the passage, cut at a word within the limit', () => {
    const text = `${'word '.repeat(100)}end`;
    const snippet = bestSnippet(text, 'nothing', 50);
    expect(snippet.endsWith('…')).toBe(true);
    expect(Array.from(snippet).length).toBeLessThanOrEqual(50);
    expect(snippet.startsWith('word word')).toBe(true);
  });

  it('splits Korean query words into syllable bigrams', () => {
    expect([...queryTerms('보안그룹 VPC a')]).toEqual(['보안', '안그', '그룹', 'vpc']);
  });
});
