import { ValidationError } from '@lgm/core';

import type { DocumentBlock, ParsedDocument } from '../parsers/parsed-document';
import { type Chunk, chunkBlocks, chunkDocument, type ChunkerOptions } from './chunker';
import { countTokens } from './token-count';

const heading = (level: number, text: string, page?: number): DocumentBlock => ({
  kind: 'heading',
  level,
  text,
  ...(page === undefined ? {} : { page }),
});
const paragraph = (text: string, page?: number): DocumentBlock => ({
  kind: 'paragraph',
  text,
  ...(page === undefined ? {} : { page }),
});
const doc = (blocks: DocumentBlock[]): ParsedDocument => ({ contentType: 'text/markdown', blocks });

/** Deterministic English prose: numbered sentences, so overlap and order are checkable. */
function sentences(prefix: string, count: number): string {
  return Array.from(
    { length: count },
    (_, i) => `${prefix} sentence number ${i + 1} talks about firewall rules and routing tables.`,
  ).join(' ');
}

function expectWithinBudget(chunks: readonly Chunk[], maxTokens: number): void {
  for (const chunk of chunks) {
    expect(chunk.tokenCount).toBe(countTokens(chunk.text));
    expect(chunk.tokenCount).toBeLessThanOrEqual(maxTokens);
    expect(chunk.text.trim()).not.toBe('');
  }
  expect(chunks.map((chunk) => chunk.ordinal)).toEqual(chunks.map((_, i) => i));
}

describe('chunkDocument', () => {
  it('keeps a small document in one chunk with its heading path', () => {
    const chunks = chunkDocument(
      doc([heading(1, 'Guide'), heading(2, 'Setup'), paragraph('Install the agent first.')]),
    );
    expect(chunks).toEqual([
      {
        ordinal: 0,
        text: 'Guide\n\nSetup\n\nInstall the agent first.',
        headingPath: ['Guide', 'Setup'],
        pageStart: null,
        pageEnd: null,
        tokenCount: countTokens('Guide\n\nSetup\n\nInstall the agent first.'),
      },
    ]);
  });

  it('starts a chunk at each heading and tracks the heading path by level', () => {
    const chunks = chunkDocument(
      doc([
        heading(1, 'Network'),
        paragraph('Intro text.'),
        heading(2, 'Security groups'),
        paragraph('Groups filter traffic.'),
        heading(3, 'Inbound rules'),
        paragraph('Inbound rules allow ports.'),
        heading(2, 'Route tables'),
        paragraph('Routes send packets.'),
        heading(1, 'Storage'),
        paragraph('Buckets hold objects.'),
      ]),
    );
    expect(chunks.map((chunk) => chunk.headingPath)).toEqual([
      ['Network'],
      ['Network', 'Security groups'],
      ['Network', 'Security groups', 'Inbound rules'],
      ['Network', 'Route tables'],
      ['Storage'],
    ]);
    expect(chunks[3]?.text).toBe('Route tables\n\nRoutes send packets.');
  });

  it('drops an empty sibling heading instead of gluing it to the next section', () => {
    const chunks = chunkDocument(
      doc([heading(1, 'Empty'), heading(1, 'Full'), paragraph('Body.')]),
    );
    expect(chunks.map((chunk) => [chunk.text, chunk.headingPath])).toEqual([
      ['Full\n\nBody.', ['Full']],
    ]);
  });

  it('keeps every chunk within the budget and overlaps consecutive chunks of a section', () => {
    const options = { maxTokens: 120, overlapTokens: 30 };
    const chunks = chunkDocument(
      doc([
        heading(1, 'Long'),
        paragraph(sentences('Alpha', 12)),
        paragraph(sentences('Beta', 12)),
        paragraph(sentences('Gamma', 40)),
      ]),
      options,
    );
    expect(chunks.length).toBeGreaterThan(5);
    expectWithinBudget(chunks, 120);
    for (let i = 1; i < chunks.length; i += 1) {
      const previous = chunks[i - 1]?.text ?? '';
      const current = chunks[i]?.text ?? '';
      // The next chunk opens with the previous chunk's last whole sentence(s).
      const firstSentence = current.split(/(?<=\.)\s/)[0] ?? '';
      expect(previous.endsWith(firstSentence)).toBe(true);
      expect(countTokens(firstSentence)).toBeLessThanOrEqual(30);
    }
    // Every sentence of the input is in some chunk, in order.
    const all = chunks.map((chunk) => chunk.text).join(' ');
    expect(all).toContain('Gamma sentence number 40 talks');
  });

  it('keeps paragraphs whole when they fit and splits oversized ones at sentence ends', () => {
    const small = sentences('Small', 3);
    const big = sentences('Big', 30);
    const chunks = chunkDocument(doc([paragraph(small), paragraph(big)]), {
      maxTokens: 100,
      overlapTokens: 0,
    });
    expectWithinBudget(chunks, 100);
    expect(chunks.filter((chunk) => chunk.text.includes(small))).toHaveLength(1);
    for (const chunk of chunks) expect(chunk.text).toMatch(/tables\.$/);
  });

  it('splits a sentence longer than a chunk at word boundaries', () => {
    const words = Array.from({ length: 400 }, (_, i) => `word${i}`).join(' ');
    const chunks = chunkDocument(doc([paragraph(words)]), { maxTokens: 64, overlapTokens: 0 });
    expectWithinBudget(chunks, 64);
    for (const chunk of chunks) expect(chunk.text).toMatch(/^word\d+( word\d+)*$/);
    expect(chunks.map((chunk) => chunk.text).join(' ')).toBe(words);
  });

  it('carries page ranges across page boundaries', () => {
    const chunks = chunkDocument(
      doc([
        heading(1, 'Report', 1),
        paragraph(sentences('One', 2), 1),
        paragraph(sentences('Two', 2), 2),
        heading(2, 'Results', 3),
        paragraph(sentences('Three', 2), 3),
        paragraph(sentences('Four', 12), 4),
        paragraph(sentences('Five', 12), 5),
      ]),
      { maxTokens: 200, overlapTokens: 20 },
    );
    expectWithinBudget(chunks, 200);
    expect(chunks[0]).toMatchObject({ headingPath: ['Report'], pageStart: 1, pageEnd: 2 });
    expect(chunks[1]).toMatchObject({ headingPath: ['Report', 'Results'], pageStart: 3 });
    const last = chunks.at(-1);
    expect(last?.pageEnd).toBe(5);
    for (const chunk of chunks) {
      expect(chunk.pageStart).not.toBeNull();
      expect(chunk.pageStart ?? 0).toBeLessThanOrEqual(chunk.pageEnd ?? 0);
    }
    // A chunk whose text includes page 4's sentences covers page 4.
    for (const chunk of chunks.filter((c) => c.text.includes('Four sentence'))) {
      expect(chunk.pageStart ?? 99).toBeLessThanOrEqual(4);
      expect(chunk.pageEnd ?? 0).toBeGreaterThanOrEqual(4);
    }
  });

  it('keeps a table whole when it fits', () => {
    const rows = [
      ['Port', 'Protocol', 'Purpose'],
      ['22', 'TCP', 'SSH'],
      ['443', 'TCP', 'HTTPS'],
    ];
    const chunks = chunkDocument(
      doc([paragraph(sentences('Before', 6)), { kind: 'table', rows }, paragraph('After.')]),
      { maxTokens: 80, overlapTokens: 10 },
    );
    expectWithinBudget(chunks, 80);
    const table = 'Port | Protocol | Purpose\n22 | TCP | SSH\n443 | TCP | HTTPS';
    expect(chunks.filter((chunk) => chunk.text.includes(table))).toHaveLength(1);
  });

  it('splits a table larger than a chunk by rows, repeating the header row', () => {
    const rows = [
      ['Name', 'Value'],
      ...Array.from({ length: 60 }, (_, i) => [`key${i}`, `value number ${i}`]),
    ];
    const chunks = chunkDocument(doc([{ kind: 'table', rows, page: 7 }]), {
      maxTokens: 64,
      overlapTokens: 16,
    });
    expect(chunks.length).toBeGreaterThan(3);
    expectWithinBudget(chunks, 64);
    const seen: string[] = [];
    for (const chunk of chunks) {
      const [header, ...body] = chunk.text.split('\n');
      expect(header).toBe('Name | Value');
      seen.push(...body);
      expect(chunk).toMatchObject({ pageStart: 7, pageEnd: 7 });
    }
    // Every row exactly once, in order: no overlap inside tables.
    expect(seen).toEqual(rows.slice(1).map((row) => row.join(' | ')));
  });

  it('chunks Korean text by sentences with sensible counts', () => {
    const korean = Array.from(
      { length: 40 },
      (_, i) =>
        `보안그룹은 인스턴스의 가상 방화벽 역할을 하며 ${i + 1}번 규칙으로 트래픽을 제어합니다.`,
    ).join(' ');
    const chunks = chunkDocument(doc([heading(1, '네트워크 보안'), paragraph(korean)]), {
      maxTokens: 128,
      overlapTokens: 48,
    });
    expectWithinBudget(chunks, 128);
    // One token per syllable (21) plus the full stop; each input sentence is ~35 tokens, so
    // one sentence of overlap and two new ones fit a 128-token chunk.
    expect(countTokens('보안그룹은 인스턴스의 가상 방화벽 역할을 합니다.')).toBe(22);
    expect(chunks.length).toBeGreaterThanOrEqual(8);
    expect(chunks.length).toBeLessThanOrEqual(20);
    for (const chunk of chunks) {
      expect(chunk.headingPath).toEqual(['네트워크 보안']);
      expect(chunk.text).toMatch(/제어합니다\.$/);
    }
    expect(chunks[1]?.text.startsWith('보안그룹은')).toBe(true);
  });

  it('splits oversized code at line breaks', () => {
    const code = Array.from({ length: 80 }, (_, i) => `  const value${i} = compute(${i});`).join(
      '\n',
    );
    const chunks = chunkDocument(doc([{ kind: 'code', text: code }]), {
      maxTokens: 100,
      overlapTokens: 10,
    });
    expectWithinBudget(chunks, 100);
    expect(chunks.map((chunk) => chunk.text).join('\n')).toBe(code);
  });

  it('is deterministic', () => {
    const blocks = [heading(1, 'A'), paragraph(sentences('X', 50)), heading(2, 'B')];
    const options = { maxTokens: 90, overlapTokens: 20 };
    expect(chunkDocument(doc(blocks), options)).toEqual(chunkDocument(doc(blocks), options));
  });

  it.each<[ChunkerOptions, string]>([
    [{ maxTokens: 0 }, 'maxTokens'],
    [{ maxTokens: 10_000 }, 'maxTokens'],
    [{ maxTokens: 12.5 }, 'maxTokens'],
    [{ overlapTokens: -1 }, 'overlapTokens'],
    [{ maxTokens: 100, overlapTokens: 60 }, 'overlapTokens'],
    [{ countTokens: 'words' as unknown as (text: string) => number }, 'countTokens'],
  ])('rejects %p as a ValidationError naming %s', (options, field) => {
    let caught: unknown;
    try {
      chunkDocument(doc([paragraph('x')]), options);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ValidationError);
    expect(caught).toMatchObject({ code: 'CHUNKER_OPTIONS_INVALID', status: 400 });
    expect(JSON.stringify((caught as ValidationError).details)).toContain(field);
  });
});

describe('chunkBlocks', () => {
  it('yields chunks from an async stream before the stream ends', async () => {
    let produced = 0;
    async function* blocks(): AsyncGenerator<DocumentBlock> {
      for (let page = 1; page <= 1_000; page += 1) {
        produced = page;
        yield paragraph(sentences(`Page${page}`, 3), page);
      }
    }
    const firstYieldedAt: number[] = [];
    let count = 0;
    let maxTokens = 0;
    for await (const chunk of chunkBlocks(blocks(), { maxTokens: 256, overlapTokens: 32 })) {
      if (count === 0) firstYieldedAt.push(produced);
      count += 1;
      maxTokens = Math.max(maxTokens, chunk.tokenCount);
    }
    expect(firstYieldedAt[0]).toBeLessThan(10);
    expect(count).toBeGreaterThan(300);
    expect(maxTokens).toBeLessThanOrEqual(256);
  });

  it('gives the same chunks as chunkDocument', async () => {
    const blocks = [heading(1, 'A', 1), paragraph(sentences('Y', 30), 1), paragraph('Z.', 2)];
    const streamed: Chunk[] = [];
    for await (const chunk of chunkBlocks(blocks, { maxTokens: 70, overlapTokens: 16 }))
      streamed.push(chunk);
    expect(streamed).toEqual(chunkDocument(doc(blocks), { maxTokens: 70, overlapTokens: 16 }));
  });
});
