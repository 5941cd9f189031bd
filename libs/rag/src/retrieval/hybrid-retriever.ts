import type { Embedder } from '@lgm/bedrock';
import { ValidationError } from '@lgm/core';
import type { ChunkMatch } from '@lgm/persistence';

import { bestSnippet } from './snippet';

/**
 * What the retriever needs from storage: one owner's passages by vector and by full text.
 * `ChunkRepository` from @lgm/persistence implements it, already scoped to the owner in SQL.
 */
export interface PassageSearch {
  /** The `k` passages nearest to `embedding`, closest first. */
  nearest(embedding: readonly number[], k: number): Promise<ChunkMatch[]>;
  /** The `k` passages best matching a web-style query, best first. */
  fullText(query: string, k: number): Promise<ChunkMatch[]>;
}

/** A reranker's verdict on one passage; higher is more relevant. */
export interface RerankScore {
  readonly chunkId: string;
  readonly score: number;
}

/**
 * Optional second stage (a cross-encoder such as Bedrock's rerank models). Returns the passages
 * it keeps, best first; passages it leaves out are dropped.
 */
export interface Reranker {
  rerank(
    query: string,
    passages: readonly RetrievedPassage[],
    options?: { signal?: AbortSignal },
  ): Promise<readonly RerankScore[]>;
}

/** Which search found a passage, and where it ranked (1 is best). */
export interface MethodRanks {
  readonly vector?: number;
  readonly fullText?: number;
}

/** A passage ready to be cited. */
export interface RetrievedPassage {
  readonly chunkId: string;
  readonly documentId: string;
  readonly documentTitle: string;
  readonly ordinal: number;
  readonly text: string;
  readonly headingPath: readonly string[];
  readonly pageStart: number | null;
  readonly pageEnd: number | null;
  /** The sentence that best matches the query, or the start of the passage. */
  readonly snippet: string;
  readonly ranks: MethodRanks;
  /** Reciprocal rank fusion score: Σ weight / (rrfK + rank) over the methods that found it. */
  readonly fusedScore: number;
  /** Cosine distance from the query (lower is closer), when vector search found it. */
  readonly vectorDistance?: number;
  /** ts_rank of the full-text match, when full text found it. */
  readonly textRank?: number;
  /** The reranker's score, when a reranker ran. */
  readonly rerankScore?: number;
}

/** Settings of a retriever; every one has a default. */
export interface HybridRetrieverOptions {
  /** Passages returned (default 8). */
  readonly k?: number;
  /** Candidates taken from each method before fusion (default 40, at most 100). */
  readonly candidates?: number;
  /** RRF's rank constant (default 60, from Cormack, Clarke & Büttcher, SIGIR 2009). */
  readonly rrfK?: number;
  /** Weight of each method in the fusion (default 1 each); 0 turns a method off. */
  readonly weights?: { readonly vector?: number; readonly fullText?: number };
}

export interface HybridRetrieverDeps {
  readonly search: PassageSearch;
  readonly embedder: Embedder;
  readonly reranker?: Reranker;
}

/** Longest query accepted; full text reads the first 1,000 characters anyway. */
export const MAX_QUERY_CHARACTERS = 2000;
export const DEFAULT_RETRIEVAL_K = 8;
export const DEFAULT_CANDIDATES = 40;
export const DEFAULT_RRF_K = 60;
/** `ChunkRepository` returns at most 100 rows a search. */
const MAX_CANDIDATES = 100;

interface Settings {
  readonly k: number;
  readonly candidates: number;
  readonly rrfK: number;
  readonly vectorWeight: number;
  readonly fullTextWeight: number;
}

function invalid(message: string): ValidationError {
  return new ValidationError(message, { code: 'INVALID_RETRIEVAL_OPTIONS' });
}

function settingsOf(options: HybridRetrieverOptions, base?: Settings): Settings {
  const k = options.k ?? base?.k ?? DEFAULT_RETRIEVAL_K;
  const candidates = options.candidates ?? base?.candidates ?? Math.max(DEFAULT_CANDIDATES, k);
  const rrfK = options.rrfK ?? base?.rrfK ?? DEFAULT_RRF_K;
  const vectorWeight = options.weights?.vector ?? base?.vectorWeight ?? 1;
  const fullTextWeight = options.weights?.fullText ?? base?.fullTextWeight ?? 1;
  if (!Number.isInteger(k) || k < 1 || k > MAX_CANDIDATES) {
    throw invalid(`k must be a whole number from 1 to ${MAX_CANDIDATES}.`);
  }
  if (!Number.isInteger(candidates) || candidates < k || candidates > MAX_CANDIDATES) {
    throw invalid(`candidates must be a whole number from k to ${MAX_CANDIDATES}.`);
  }
  if (!Number.isFinite(rrfK) || rrfK < 0) throw invalid('rrfK must be a number of at least 0.');
  for (const weight of [vectorWeight, fullTextWeight]) {
    if (!Number.isFinite(weight) || weight < 0) throw invalid('Weights must be numbers ≥ 0.');
  }
  if (vectorWeight === 0 && fullTextWeight === 0) throw invalid('At least one weight must be > 0.');
  return { k, candidates, rrfK, vectorWeight, fullTextWeight };
}

/** One method's ranked list, as fusion sees it. */
export interface RankedList {
  readonly method: keyof MethodRanks;
  readonly weight: number;
  readonly matches: readonly ChunkMatch[];
}

interface Fused {
  match: ChunkMatch;
  ranks: { vector?: number; fullText?: number };
  fusedScore: number;
  vectorDistance?: number;
  textRank?: number;
}

/**
 * Reciprocal rank fusion: each list adds `weight / (rrfK + rank)` to the passages it holds. Ranks
 * fuse well where raw scores do not (cosine distance and ts_rank are on unrelated scales). A chunk
 * found by both methods is one entry; ties keep the first list's order. Passages with the same
 * text in the same document (repeated boilerplate) collapse into the better-scored one.
 */
export function reciprocalRankFusion(
  lists: readonly RankedList[],
  rrfK = DEFAULT_RRF_K,
): Omit<RetrievedPassage, 'snippet'>[] {
  const byChunk = new Map<string, Fused>();
  for (const { method, weight, matches } of lists) {
    matches.forEach((match, index) => {
      const rank = index + 1;
      const entry = byChunk.get(match.chunkId) ?? { match, ranks: {}, fusedScore: 0 };
      // A list might repeat a chunk; only its best rank counts.
      if (entry.ranks[method] !== undefined) return;
      entry.ranks[method] = rank;
      entry.fusedScore += weight / (rrfK + rank);
      if (method === 'vector') entry.vectorDistance = match.score;
      else entry.textRank = match.score;
      byChunk.set(match.chunkId, entry);
    });
  }
  const ordered = [...byChunk.values()].sort((a, b) => b.fusedScore - a.fusedScore);
  const seenText = new Set<string>();
  const result: Omit<RetrievedPassage, 'snippet'>[] = [];
  for (const entry of ordered) {
    const key = `${entry.match.documentId}\u0000${entry.match.text.replace(/\s+/gu, ' ').trim()}`;
    if (seenText.has(key)) continue;
    seenText.add(key);
    const { match } = entry;
    result.push({
      chunkId: match.chunkId,
      documentId: match.documentId,
      documentTitle: match.documentTitle,
      ordinal: match.ordinal,
      text: match.text,
      headingPath: match.headingPath,
      pageStart: match.pageStart,
      pageEnd: match.pageEnd,
      ranks: { ...entry.ranks },
      fusedScore: entry.fusedScore,
      ...(entry.vectorDistance === undefined ? {} : { vectorDistance: entry.vectorDistance }),
      ...(entry.textRank === undefined ? {} : { textRank: entry.textRank }),
    });
  }
  return result;
}

/**
 * Hybrid search over one owner's ready documents: pgvector cosine kNN and PostgreSQL full text
 * (Korean-capable, see ChunkRepository.fullText) run side by side, fused by reciprocal rank fusion,
 * optionally reranked, each passage with a snippet for its citation.
 *
 * @example
 * const retriever = new HybridRetriever({ search: new ChunkRepository(db, ownerId), embedder });
 * const passages = await retriever.retrieve('보안그룹 인바운드 규칙', { k: 5 });
 */
export class HybridRetriever {
  private readonly settings: Settings;

  constructor(
    private readonly deps: HybridRetrieverDeps,
    options: HybridRetrieverOptions = {},
  ) {
    this.settings = settingsOf(options);
  }

  /** The best passages for `query`; per-call options override the constructor's. */
  async retrieve(
    query: string,
    options: HybridRetrieverOptions & { signal?: AbortSignal } = {},
  ): Promise<RetrievedPassage[]> {
    if (typeof query !== 'string' || query.trim() === '') {
      throw new ValidationError('The search query is empty.', { code: 'EMPTY_QUERY' });
    }
    if (query.length > MAX_QUERY_CHARACTERS) {
      throw new ValidationError(`The search query exceeds ${MAX_QUERY_CHARACTERS} characters.`, {
        code: 'QUERY_TOO_LONG',
      });
    }
    const settings = settingsOf(options, this.settings);
    const { signal } = options;
    const [vectorMatches, textMatches] = await Promise.all([
      settings.vectorWeight > 0 ? this.vectorSearch(query, settings.candidates, signal) : [],
      settings.fullTextWeight > 0
        ? this.deps.search.fullText(query, settings.candidates)
        : Promise.resolve([]),
    ]);
    signal?.throwIfAborted();
    const fused = reciprocalRankFusion(
      [
        { method: 'vector', weight: settings.vectorWeight, matches: vectorMatches },
        { method: 'fullText', weight: settings.fullTextWeight, matches: textMatches },
      ],
      settings.rrfK,
    ).map((passage) => ({ ...passage, snippet: bestSnippet(passage.text, query) }));

    const { reranker } = this.deps;
    if (!reranker || fused.length === 0) return fused.slice(0, settings.k);
    const byId = new Map(fused.map((passage) => [passage.chunkId, passage]));
    const verdicts = await reranker.rerank(query, fused, signal ? { signal } : {});
    const reranked: RetrievedPassage[] = [];
    for (const { chunkId, score } of verdicts) {
      const passage = byId.get(chunkId);
      // A reranker may only reorder or drop what it was given, never add or repeat.
      if (!passage) continue;
      byId.delete(chunkId);
      reranked.push({ ...passage, rerankScore: score });
    }
    return reranked.slice(0, settings.k);
  }

  private async vectorSearch(
    query: string,
    k: number,
    signal: AbortSignal | undefined,
  ): Promise<ChunkMatch[]> {
    const [embedding] = await this.deps.embedder.embed([query], {
      purpose: 'query',
      ...(signal ? { signal } : {}),
    });
    if (!embedding) throw new Error('The embedder returned no vector for the query.');
    return this.deps.search.nearest(embedding, k);
  }
}
