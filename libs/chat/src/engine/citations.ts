import type { Citation } from '@lgm/contracts';

/**
 * Finds the citation markers (`[1]`, `[2][3]`, `[1, 2]`) of an answer while it streams, so each
 * passage's citation event goes out right after the delta that first cites it. A marker split
 * across deltas (`[` then `1]`) is held back until it closes.
 */
export class CitationTracker {
  private readonly offered: ReadonlyMap<string, Citation>;
  private readonly citedIds = new Set<string>();
  private readonly cited: Citation[] = [];
  private tail = '';

  constructor(offered: ReadonlyMap<string, Citation>) {
    this.offered = offered;
  }

  /** The citations first cited by this delta, in the order they appear. */
  feed(delta: string): Citation[] {
    if (this.offered.size === 0) return [];
    const text = this.tail + delta;
    const found: Citation[] = [];
    const marker = /\[(\d{1,3}(?:\s*,\s*\d{1,3})*)\]/gu;
    let end = 0;
    for (let match = marker.exec(text); match !== null; match = marker.exec(text)) {
      end = match.index + match[0].length;
      for (const id of (match[1] ?? '').split(',')) {
        const citation = this.offered.get(id.trim());
        if (citation === undefined || this.citedIds.has(citation.id)) continue;
        this.citedIds.add(citation.id);
        this.cited.push(citation);
        found.push(citation);
      }
    }
    // Keep only an unclosed marker's beginning (`[1, `) for the next delta.
    const open = /\[[\d\s,]{0,24}$/u.exec(text.slice(end));
    this.tail = open === null ? '' : open[0];
    return found;
  }

  /** Every citation cited so far, in order of first mention. */
  all(): Citation[] {
    return [...this.cited];
  }
}
