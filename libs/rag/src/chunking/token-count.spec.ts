import { countTokens } from './token-count';

describe('countTokens', () => {
  it('counts Latin words at about four characters a token, at least one per word', () => {
    expect(countTokens('')).toBe(0);
    expect(countTokens('a')).toBe(1);
    expect(countTokens('Reset your password')).toBe(5);
    expect(countTokens('internationalization')).toBe(5);
  });

  it('counts numbers in groups of three digits and punctuation one by one', () => {
    expect(countTokens('1234567')).toBe(3);
    expect(countTokens('Hello, world!')).toBe(6);
  });

  it('counts one token per Hangul syllable and Han character', () => {
    expect(countTokens('보안그룹은 중요합니다')).toBe(10);
    expect(countTokens('安全组')).toBe(3);
    expect(countTokens('ㅋㅋㅋ')).toBe(3);
  });

  it('lets single spaces merge but charges line breaks and indentation', () => {
    expect(countTokens('one two')).toBe(2);
    expect(countTokens('one\n\ntwo')).toBe(3);
    expect(countTokens('one        two')).toBe(4);
  });

  it('counts astral symbols as two tokens and other letters at two characters a token', () => {
    expect(countTokens('🙂')).toBe(2);
    expect(countTokens('привет')).toBe(3);
  });

  it('is additive across a paragraph break, which the chunker relies on', () => {
    const a = 'The quick brown fox jumps over 13 lazy dogs.';
    const b = '보안그룹은 인바운드 규칙을 가집니다.';
    expect(countTokens(`${a}\n\n${b}`)).toBe(countTokens(a) + countTokens('\n\n') + countTokens(b));
  });

  it('estimates at least as many tokens as a typical English tokenizer on prose', () => {
    // ~4.2 characters a token is the usual English figure; the estimate must not be far below it.
    const text =
      'Security groups act as a virtual firewall for your instances to control inbound and ' +
      'outbound traffic. When you launch an instance, you can specify one or more groups.';
    expect(countTokens(text)).toBeGreaterThanOrEqual(Math.floor(text.length / 4.5));
  });

  it('counts a megabyte of text quickly', () => {
    const text = 'Lorem ipsum dolor sit amet, 보안그룹은 중요합니다. '.repeat(25_000);
    const started = performance.now();
    const tokens = countTokens(text);
    expect(tokens).toBeGreaterThan(0);
    expect(performance.now() - started).toBeLessThan(500);
  });
});
