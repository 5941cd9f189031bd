/**
 * Ranking metrics as BEIR reports them (through pytrec_eval / trec_eval): recall@k counts the
 * relevant documents (grade > 0) found in the first k, nDCG@k uses the grade itself as the gain
 * (`rel / log2(rank + 1)`, trec_eval's convention, not `2^rel - 1`).
 */

/** Relevance grades of one query's judged documents; grade 0 means judged not relevant. */
export type Judgements = ReadonlyMap<string, number>;

/**
 * Share of the relevant documents found in the first `k` of `ranked`; undefined when the query has
 * no relevant document (such queries are left out of means, as BEIR does).
 *
 * @example
 * recallAt(['a', 'x', 'b'], new Map([['a', 1], ['b', 2], ['c', 1]]), 2) // 1/3
 */
export function recallAt(
  ranked: readonly string[],
  judged: Judgements,
  k: number,
): number | undefined {
  const relevant = [...judged.values()].filter((grade) => grade > 0).length;
  if (relevant === 0) return undefined;
  const found = new Set(ranked.slice(0, k).filter((id) => (judged.get(id) ?? 0) > 0)).size;
  return found / relevant;
}

function dcg(grades: readonly number[]): number {
  return grades.reduce((sum, grade, index) => sum + grade / Math.log2(index + 2), 0);
}

/**
 * Normalised discounted cumulative gain of the first `k` of `ranked`; undefined when the query has
 * no relevant document. A document listed twice counts once, at its first place.
 *
 * @example
 * ndcgAt(['b', 'a'], new Map([['a', 2], ['b', 1]]), 10) // (1 + 2/log2 3) / (2 + 1/log2 3)
 */
export function ndcgAt(
  ranked: readonly string[],
  judged: Judgements,
  k: number,
): number | undefined {
  const ideal = [...judged.values()]
    .filter((grade) => grade > 0)
    .sort((a, b) => b - a)
    .slice(0, k);
  if (ideal.length === 0) return undefined;
  const seen = new Set<string>();
  const gains: number[] = [];
  for (const id of ranked) {
    if (gains.length === k) break;
    if (seen.has(id)) continue;
    seen.add(id);
    gains.push(Math.max(judged.get(id) ?? 0, 0));
  }
  return dcg(gains) / dcg(ideal);
}

/** Mean of the defined values; NaN when there are none. */
export function mean(values: readonly (number | undefined)[]): number {
  const defined = values.filter((value): value is number => value !== undefined);
  return defined.length === 0 ? Number.NaN : defined.reduce((a, b) => a + b, 0) / defined.length;
}
