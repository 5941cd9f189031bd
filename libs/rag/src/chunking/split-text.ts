import type { TokenCounter } from './token-count';

/**
 * Splitting text at the most natural boundary that fits a token budget: sentences first, then
 * words, then (for a single "word" longer than the budget, such as a URL or base64) characters.
 * Shared by the chunker and by prompt assembly's passage truncation.
 */

// Locale-independent ICU rules: they cover Latin, Hangul (which uses spaces and `.?!`) and the
// full-width terminators of Chinese and Japanese.
const sentenceSegmenter = new Intl.Segmenter(undefined, { granularity: 'sentence' });
const wordSegmenter = new Intl.Segmenter(undefined, { granularity: 'word' });

/**
 * Splits text into sentences, each keeping its trailing whitespace so that joining them gives the
 * text back exactly.
 */
export function splitSentences(text: string): string[] {
  const pieces: string[] = [];
  for (const { segment } of sentenceSegmenter.segment(text)) {
    const previous = pieces.at(-1);
    // ICU also breaks after `.`/`?`/`!` with no space after them (`example.com/?q=1`, `v1.2`); in
    // text written with spaces a real sentence end is followed by one, so such pieces are rejoined.
    if (previous !== undefined && /[.?!]$/u.test(previous)) pieces[pieces.length - 1] += segment;
    else pieces.push(segment);
  }
  return pieces;
}

/**
 * Splits text into word-sized pieces, each a word with the whitespace and punctuation before its
 * next word attached, so joining them gives the text back. Dictionary-based for Chinese and
 * Japanese (no spaces); Korean breaks at spaces like English.
 */
export function splitWords(text: string): string[] {
  const pieces: string[] = [];
  for (const { segment, isWordLike } of wordSegmenter.segment(text)) {
    const previous = pieces.at(-1);
    if (previous !== undefined && isWordLike !== true) pieces[pieces.length - 1] += segment;
    else pieces.push(segment);
  }
  return pieces;
}

/** The longest prefix of `text` (in code points) within `budget` tokens, by binary search. */
function fittingPrefix(text: string, budget: number, count: TokenCounter): string {
  const points = Array.from(text);
  let low = 1;
  let high = points.length;
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (count(points.slice(0, middle).join('')) <= budget) low = middle;
    else high = middle - 1;
  }
  return points.slice(0, low).join('');
}

/**
 * Packs pieces greedily into groups of at most `budget` tokens. A piece that alone exceeds the
 * budget is split further by `split` (or, when that cannot make progress, by characters).
 */
function pack(
  pieces: readonly string[],
  budget: number,
  count: TokenCounter,
  split: (piece: string) => string[],
): string[] {
  const out: string[] = [];
  let current = '';
  for (const piece of pieces) {
    const candidate = current + piece;
    if (count(candidate.trim()) <= budget) {
      current = candidate;
      continue;
    }
    if (current.trim() !== '') out.push(current.trim());
    current = '';
    if (count(piece.trim()) <= budget) {
      current = piece;
      continue;
    }
    const parts = split(piece);
    if (parts.length > 1) {
      const packed = pack(parts, budget, count, split);
      // The last group stays open so the next pieces can join it.
      out.push(...packed.slice(0, -1));
      current = `${packed.at(-1) ?? ''} `;
    } else {
      let rest = piece.trim();
      while (rest !== '' && count(rest) > budget) {
        const head = fittingPrefix(rest, budget, count);
        out.push(head.trim());
        rest = rest.slice(head.length).trim();
      }
      current = rest === '' ? '' : `${rest} `;
    }
  }
  if (current.trim() !== '') out.push(current.trim());
  return out.filter((part) => part !== '');
}

/**
 * Splits `text` into trimmed parts of at most `budget` tokens each, at sentence boundaries where
 * possible, then at word boundaries, then between characters.
 *
 * @example
 * splitToFit('One. Two. Three.', 2, countTokens); // ['One. Two.', 'Three.'] (counts permitting)
 */
export function splitToFit(text: string, budget: number, count: TokenCounter): string[] {
  const trimmed = text.trim();
  if (trimmed === '') return [];
  if (count(trimmed) <= budget) return [trimmed];
  return pack(splitSentences(trimmed), budget, count, (sentence) => {
    const words = splitWords(sentence);
    return words.length > 1 ? words : [sentence];
  });
}

/**
 * The longest run of whole trailing sentences of `text` within `budget` tokens; when even the last
 * sentence is too long, its trailing words instead. Empty when nothing fits.
 */
export function tailWithin(text: string, budget: number, count: TokenCounter): string {
  if (budget <= 0) return '';
  const sentences = splitSentences(text.trim());
  let tail = '';
  for (let i = sentences.length - 1; i >= 0; i -= 1) {
    const candidate = (sentences[i] ?? '') + tail;
    if (count(candidate.trim()) > budget) break;
    tail = candidate;
  }
  if (tail.trim() !== '') return tail.trim();
  const words = splitWords(sentences.at(-1) ?? '');
  for (let i = words.length - 1; i >= 0; i -= 1) {
    const candidate = (words[i] ?? '') + tail;
    if (count(candidate.trim()) > budget) break;
    tail = candidate;
  }
  return tail.trim();
}

/**
 * The longest run of whole leading sentences (then words) of `text` within `budget` tokens.
 * Empty when nothing fits.
 */
export function headWithin(text: string, budget: number, count: TokenCounter): string {
  if (budget <= 0) return '';
  const sentences = splitSentences(text.trim());
  let head = '';
  for (const sentence of sentences) {
    const candidate = head + sentence;
    if (count(candidate.trim()) > budget) break;
    head = candidate;
  }
  if (head.trim() !== '') return head.trim();
  for (const word of splitWords(sentences[0] ?? '')) {
    const candidate = head + word;
    if (count(candidate.trim()) > budget) break;
    head = candidate;
  }
  return head.trim();
}
