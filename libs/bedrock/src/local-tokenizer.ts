/**
 * Word tokenizer of the local embedder: NFKC, lower case, Unicode-aware. Letters of every script,
 * combining marks and digits form words; everything else separates them. Numbers keep an inner
 * `.` or `,` (`3.5`, `1,000`), as GloVe's vocabulary does.
 *
 * English contractions are expanded the way GloVe's (Penn Treebank) tokenization saw them only as
 * far as it matters: `n't` becomes `not` and clitics (`'s`, `'re`, `'ll`, …) are dropped, because
 * their SIF weight is near zero anyway and a stray `s` or `t` would add noise.
 */

// Keep in sync with TOKEN in tools/scripts/build-word-vectors.mjs (which filters the vocabulary).
const WORD = /\p{N}+(?:[.,]\p{N}+)*|[\p{L}\p{M}\p{N}]+/gu;
const NEGATION = /n['’]t(?![\p{L}\p{N}])/gu;
const CLITIC = /['’](?:s|re|ve|ll|d|m)(?![\p{L}\p{N}])/gu;

/** Splits text into lower-case word tokens. */
export function tokenizeWords(text: string): string[] {
  const normalized = text
    .normalize('NFKC')
    .toLowerCase()
    .replace(NEGATION, ' not')
    .replace(CLITIC, ' ');
  return normalized.match(WORD) ?? [];
}
