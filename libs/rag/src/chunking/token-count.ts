/**
 * Token estimates without a tokenizer model (none can be downloaded here, and the production models'
 * tokenizers — Claude on Bedrock, Titan Text Embeddings v2 — are not published as libraries).
 *
 * The estimate mimics how byte-level BPE tokenizers with English-heavy vocabularies split text,
 * and errs high so a chunk sized by it never exceeds a model's real limit:
 *
 * - Latin words: about 4 characters per token (the usual figure for English BPE), at least 1 per
 *   word. Letters outside ASCII (accents, Cyrillic, Greek, Arabic…) are rarer merges: 2 per token.
 * - Digits: numbers are split into groups of up to 3 digits (cl100k/Claude style), so ⌈n/3⌉.
 * - Punctuation and symbols: 1 each; characters outside the Basic Multilingual Plane (emoji,
 *   rare Han) 2 each, since their 4 UTF-8 bytes rarely merge.
 * - Hangul: 1 token per syllable. Each syllable is 3 UTF-8 bytes; vocabularies trained mostly on
 *   English hold merges for the common syllables (이, 는, 다, 하) but fall back to 2–3 byte
 *   pieces for rarer ones, so measured averages for GPT-4-class and Claude tokenizers land around
 *   1–1.5 tokens per syllable, while Korean-aware vocabularies (Llama 3, Cohere multilingual) reach
 *   ~0.5–0.7. 1.0 sits at the low end of the English-heavy range; the chunk budgets (512 by
 *   default, at most 4,096) are far below Titan's 8,192-token input, so even a 1.5× error stays
 *   inside every model limit while the estimate does not waste half of each chunk on Korean text.
 *   Compatibility jamo (ㅋㅋ) count 1 each too.
 * - Han characters, kana: 1 each (same reasoning; CJK text has no spaces to merge across).
 * - Whitespace: a single space merges into the next word's token (free); longer runs and line
 *   breaks cost ⌈n/4⌉ (indentation is merged in groups).
 *
 * The count is additive across whitespace: `countTokens(a + '\n\n' + b)` equals
 * `countTokens(a) + countTokens('\n\n') + countTokens(b)` for trimmed `a` and `b`, which lets the
 * chunker size chunks from the counts of their parts.
 */

/** Counts tokens in a text; the chunker and prompt assembly accept any function of this shape. */
export type TokenCounter = (text: string) => number;

// The kind of run being scanned (plain numbers: cheaper than strings in the hot loop).
const NONE = 0;
const WORD = 1;
const DIGITS = 2;
const SPACE = 3;

const OTHER_LETTER = /[\p{L}\p{M}]/u;

function isDense(code: number): boolean {
  return (
    (code >= 0xac00 && code <= 0xd7a3) || // Hangul syllables
    (code >= 0x1100 && code <= 0x11ff) || // Hangul jamo
    (code >= 0x3130 && code <= 0x318f) || // Hangul compatibility jamo
    (code >= 0xa960 && code <= 0xa97f) ||
    (code >= 0xd7b0 && code <= 0xd7ff) ||
    (code >= 0x3040 && code <= 0x30ff) || // Hiragana, Katakana
    (code >= 0x31f0 && code <= 0x31ff) ||
    (code >= 0x3400 && code <= 0x4dbf) || // CJK extension A
    (code >= 0x4e00 && code <= 0x9fff) || // CJK unified ideographs
    (code >= 0xf900 && code <= 0xfaff) || // CJK compatibility ideographs
    (code >= 0xff66 && code <= 0xffdc) // half-width kana and Hangul
  );
}

/**
 * Estimates how many tokens a subword tokenizer would need for `text` (see the module comment).
 * One pass over the code points, no allocation per character: it runs on every chunk.
 *
 * @example
 * countTokens('Reset your password'); // 5
 * countTokens('보안그룹은 중요합니다'); // 10
 */
export function countTokens(text: string): number {
  let tokens = 0;
  let run = NONE;
  // Word runs accumulate a fractional weight; digit and space runs a length.
  let weight = 0;
  let length = 0;
  let newline = false;

  const close = (): void => {
    if (run === WORD) tokens += Math.max(1, Math.ceil(weight));
    else if (run === DIGITS) tokens += Math.ceil(length / 3);
    else if (run === SPACE && (length > 1 || newline)) tokens += Math.ceil(length / 4);
    run = NONE;
    weight = 0;
    length = 0;
    newline = false;
  };

  for (let i = 0; i < text.length; i += 1) {
    let code = text.charCodeAt(i);
    // Surrogate pair: one astral code point.
    if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      const low = text.charCodeAt(i + 1);
      if (low >= 0xdc00 && low <= 0xdfff) {
        code = 0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00);
        i += 1;
      }
    }
    if (code < 0x80) {
      if ((code >= 0x61 && code <= 0x7a) || (code >= 0x41 && code <= 0x5a)) {
        if (run !== WORD) close();
        run = WORD;
        weight += 0.25;
      } else if (code >= 0x30 && code <= 0x39) {
        if (run !== DIGITS) close();
        run = DIGITS;
        length += 1;
      } else if (code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d) {
        if (run !== SPACE) close();
        run = SPACE;
        length += 1;
        if (code === 0x0a) newline = true;
      } else {
        close();
        tokens += 1;
      }
    } else if (isDense(code)) {
      close();
      tokens += 1;
    } else if (code > 0xffff) {
      close();
      tokens += 2;
    } else if (OTHER_LETTER.test(String.fromCharCode(code))) {
      if (run !== WORD) close();
      run = WORD;
      weight += 0.5;
    } else if (code === 0xa0 || code === 0x3000 || (code >= 0x2000 && code <= 0x200b)) {
      if (run !== SPACE) close();
      run = SPACE;
      length += 1;
    } else {
      close();
      tokens += 1;
    }
  }
  close();
  return tokens;
}
