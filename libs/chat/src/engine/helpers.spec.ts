import type { Citation } from '@lgm/contracts';
import type { Message } from '@lgm/persistence';

import { CitationTracker } from './citations';
import { toHistory } from './history';
import { shorten, splitDelta } from './text';
import { cleanTitle, titleFromQuestion } from './title';

const jsonBytes = (text: string): number => Buffer.byteLength(JSON.stringify(text));

describe('splitDelta', () => {
  it('returns short deltas untouched', () => {
    expect(splitDelta('Hello')).toEqual(['Hello']);
  });

  it.each([
    ['ASCII', 'a'.repeat(20_000)],
    ['Hangul', '한'.repeat(9_000)],
    ['emoji', '😀'.repeat(5_000)],
    ['escapes', '"\\\u0001\n'.repeat(4_000)],
  ])('keeps %s pieces within the byte budget without breaking characters', (_, text) => {
    const pieces = splitDelta(text, 1_000);

    expect(pieces.join('')).toBe(text);
    for (const piece of pieces) {
      expect(jsonBytes(piece)).toBeLessThanOrEqual(1_000);
      expect(piece).not.toMatch(/^[\uDC00-\uDFFF]|[\uD800-\uDBFF]$/u);
    }
  });
});

describe('shorten', () => {
  it('cuts at a word boundary with an ellipsis, only when needed', () => {
    expect(shorten('short', 10)).toEqual({ text: 'short', shortened: false });
    expect(shorten('one two three four five', 16)).toEqual({
      text: 'one two three…',
      shortened: true,
    });
  });
});

const citation = (id: string): Citation => ({
  id,
  chunkId: `chunk-${id}`,
  documentId: 'doc',
  title: 'Doc',
  pageStart: null,
  pageEnd: null,
  headingPath: [],
  text: 'text',
  score: null,
});

describe('CitationTracker', () => {
  const offered = new Map(['1', '2', '3'].map((id) => [id, citation(id)]));

  it('finds markers split across deltas, lists and repeats, once each', () => {
    const tracker = new CitationTracker(offered);

    expect(tracker.feed('Yes [')).toEqual([]);
    expect(tracker.feed('2')).toEqual([]);
    expect(tracker.feed('] and [1, 3][2].').map((found) => found.id)).toEqual(['2', '1', '3']);
    expect(tracker.feed(' Again [1].')).toEqual([]);
    expect(tracker.all().map((found) => found.id)).toEqual(['2', '1', '3']);
  });

  it('ignores ids that were not offered and brackets that are not markers', () => {
    const tracker = new CitationTracker(offered);

    expect(tracker.feed('See [9] and [note] and [a1] and array[0]')).toEqual([]);
  });
});

describe('titles', () => {
  it('cleans what a model answers', () => {
    expect(cleanTitle('"Title: Firewall rules."\nMore text')).toBe('Firewall rules');
    expect(cleanTitle('## **제목: 보안그룹 설정**')).toBe('보안그룹 설정');
    expect(cleanTitle('   ')).toBe('');
  });

  it('falls back to the first words of the question', () => {
    expect(titleFromQuestion('What is\tthis?')).toBe('What is this?');
    expect(titleFromQuestion('')).toBe('Chat');
  });
});

describe('toHistory', () => {
  const message = (
    id: string,
    role: Message['role'],
    text: string,
    extra: Partial<Message> = {},
  ): Message => ({
    id,
    sessionId: 'S',
    createdAt: '2026-01-01T00:00:00.000Z',
    role,
    content: [{ type: 'text', text }],
    ...extra,
  });

  it('keeps text, merges unanswered questions, drops failed answers and later messages', () => {
    const history = toHistory(
      [
        message('A1', 'assistant', 'Orphan answer'),
        message('A2', 'user', 'Q1'),
        message('A3', 'assistant', 'Broken', { status: 'failed' }),
        message('A4', 'user', 'Q2'),
        message('A5', 'assistant', 'Answer 2'),
        message('A6', 'user', 'Current'),
        message('A7', 'user', 'From a later turn'),
      ],
      { beforeMessageId: 'A6', limit: 10 },
    );

    expect(history).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'Q1\n\nQ2' }] },
      { role: 'assistant', content: [{ type: 'text', text: 'Answer 2' }] },
    ]);
  });

  it('keeps only the last messages, starting with a user message', () => {
    const history = toHistory(
      [
        message('B1', 'user', 'Q1'),
        message('B2', 'assistant', 'A1'),
        message('B3', 'user', 'Q2'),
        message('B4', 'assistant', 'A2'),
      ],
      { beforeMessageId: 'B9', limit: 3 },
    );

    expect(history.map((entry) => entry.role)).toEqual(['user', 'assistant']);
  });
});
