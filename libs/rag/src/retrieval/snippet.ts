/** Longest snippet shown with a passage: about two sentences, enough to judge a citation. */
export const MAX_SNIPPET_CHARACTERS = 300;

// Locale-independent ICU sentence rules cover Latin and Hangul (spaces and `.?!`) alike.
const sentenceSegmenter = new Intl.Segmenter(undefined, { granularity: 'sentence' });
const HANGUL_RUN = /[\uac00-\ud7a3]+/gu;

/**
 * Terms to look for in a passage: lower-cased words, and for Korean words their syllable bigrams,
 * so `보안그룹이` still points at the sentence holding `보안그룹은` (the same idea as full text).
 */
export function queryTerms(query: string): Set<string> {
  const terms = new Set<string>();
  for (const word of query.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []) {
    if (!/[\uac00-\ud7a3]/u.test(word)) {
      if (word.length > 1) terms.add(word);
      continue;
    }
    for (const run of word.match(HANGUL_RUN) ?? []) {
      const syllables = Array.from(run);
      if (syllables.length === 1) terms.add(run);
      for (let i = 0; i + 1 < syllables.length; i += 1) {
        terms.add(`${syllables[i] ?? ''}${syllables[i + 1] ?? ''}`);
      }
    }
  }
  return terms;
}

function shorten(text: string, limit: number): string {
  const trimmed = text.replace(/\s+/gu, ' ').trim();
  const characters = Array.from(trimmed);
  if (characters.length <= limit) return trimmed;
  const head = characters.slice(0, limit - 1).join('');
  // Cut at a word boundary when one is reasonably close, so the snippet does not end mid-word.
  const space = head.lastIndexOf(' ');
  return `${space > limit * 0.6 ? head.slice(0, space) : head}…`;
}

/**
 * The sentence of `text` sharing the most terms with `query` (ties go to the earlier one), or the
 * start of the passage when no sentence shares any; at most {@link MAX_SNIPPET_CHARACTERS}.
 *
 * @example
 * bestSnippet('Intro. Security groups allow inbound rules.', 'inbound') // 'Security groups allow inbound rules.'
 */
export function bestSnippet(text: string, query: string, limit = MAX_SNIPPET_CHARACTERS): string {
  const terms = queryTerms(query);
  let best = '';
  let bestHits = 0;
  if (terms.size > 0) {
    for (const { segment } of sentenceSegmenter.segment(text)) {
      const lower = segment.toLowerCase();
      let hits = 0;
      for (const term of terms) if (lower.includes(term)) hits += 1;
      if (hits > bestHits) {
        best = segment;
        bestHits = hits;
      }
    }
  }
  return shorten(bestHits > 0 ? best : text, limit);
}
