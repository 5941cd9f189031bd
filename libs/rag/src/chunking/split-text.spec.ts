import { headWithin, splitSentences, splitToFit, splitWords, tailWithin } from './split-text';
import { countTokens } from './token-count';

describe('splitSentences', () => {
  it('splits English and Korean sentences and gives the text back when joined', () => {
    const text = '보안그룹은 방화벽입니다. 규칙을 추가하세요! Is it on? Yes.';
    const sentences = splitSentences(text);
    expect(sentences.map((s) => s.trim())).toEqual([
      '보안그룹은 방화벽입니다.',
      '규칙을 추가하세요!',
      'Is it on?',
      'Yes.',
    ]);
    expect(sentences.join('')).toBe(text);
  });

  it('does not break inside URLs and version numbers', () => {
    expect(splitSentences('See example.com/?q=1 for v1.2 details. Done.').length).toBe(2);
  });
});

describe('splitWords', () => {
  it('keeps punctuation and spaces with the word before them', () => {
    expect(splitWords('Hello, big world.')).toEqual(['Hello, ', 'big ', 'world.']);
  });
});

describe('splitToFit', () => {
  it('returns parts within the budget, at sentences, then words, then characters', () => {
    const text = `${'Short one. '.repeat(5)}${'x'.repeat(400)} tail words here.`;
    const parts = splitToFit(text, 20, countTokens);
    for (const part of parts) expect(countTokens(part)).toBeLessThanOrEqual(20);
    expect(parts[0]).toMatch(/^Short one\./);
    expect(parts.join('').replace(/\s+/g, '')).toBe(text.replace(/\s+/g, ''));
  });

  it('splits Chinese without spaces within the budget', () => {
    const text = '安全组充当实例的虚拟防火墙以控制入站和出站流量'.repeat(10);
    const parts = splitToFit(text, 30, countTokens);
    expect(parts.length).toBeGreaterThan(5);
    for (const part of parts) expect(countTokens(part)).toBeLessThanOrEqual(30);
    expect(parts.join('')).toBe(text);
  });
});

describe('tailWithin and headWithin', () => {
  const text = 'First sentence here. Second sentence here. Third sentence here.';

  it('take whole sentences from the end or the start within the budget', () => {
    expect(tailWithin(text, 10, countTokens)).toBe('Third sentence here.');
    expect(headWithin(text, 10, countTokens)).toBe('First sentence here.');
    expect(tailWithin(text, 0, countTokens)).toBe('');
  });

  it('fall back to words when no whole sentence fits', () => {
    expect(tailWithin(text, 3, countTokens)).toBe('here.');
    expect(headWithin(text, 3, countTokens)).toBe('First');
  });
});
