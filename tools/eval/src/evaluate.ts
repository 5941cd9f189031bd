import type { Embedder } from '@lgm/bedrock';
import { createIdGenerator } from '@lgm/core';
import { ChunkRepository, type Database, DocumentRepository } from '@lgm/persistence';
import { HybridRetriever, type HybridRetrieverOptions } from '@lgm/rag';

import type { BeirDataset } from './beir';
import { mean, ndcgAt, recallAt } from './metrics';

/** The three ways of searching compared, as retriever weights. */
export const METHODS = {
  vector: { vector: 1, fullText: 0 },
  fullText: { vector: 0, fullText: 1 },
  hybrid: { vector: 1, fullText: 1 },
} as const satisfies Record<string, HybridRetrieverOptions['weights']>;

export type MethodName = keyof typeof METHODS;

/** Mean scores of one method over a set of queries. */
export interface MethodScores {
  readonly recallAt1: number;
  readonly recallAt5: number;
  readonly recallAt10: number;
  readonly ndcgAt10: number;
  readonly queries: number;
}

export interface EvaluationReport {
  readonly documents: number;
  /** Per method: every query, and the Korean (Hangul) and other queries apart. */
  readonly scores: Record<MethodName, Record<'all' | 'korean' | 'other', MethodScores>>;
  readonly indexMs: number;
  readonly searchMs: number;
}

const HANGUL = /[\uac00-\ud7a3]/u;
/** Rough count for the chunk row (the retriever does not use it): ~4 characters a token. */
const estimateTokens = (text: string): number => Math.max(1, Math.ceil(text.length / 4));

/**
 * Indexes the corpus for one fresh owner through the real repositories, then scores vector-only,
 * full-text-only and hybrid retrieval. Each corpus document becomes one document with one chunk
 * (title as its heading): BEIR passages are paragraph-sized, well under the chunker's 512 tokens,
 * so the chunker would not split them either.
 */
export async function evaluateRetrieval(
  dataset: BeirDataset,
  deps: { readonly db: Database; readonly embedder: Embedder },
): Promise<EvaluationReport> {
  const nextId = createIdGenerator();
  const ownerId = `eval-${nextId()}`;
  const documents = new DocumentRepository(deps.db, ownerId);
  const chunks = new ChunkRepository(deps.db, ownerId);
  const corpusIdOf = new Map<string, string>();

  const indexStart = performance.now();
  const embeddings = await deps.embedder.embed(
    dataset.corpus.map((document) => `${document.title}\n${document.text}`.trim() || '-'),
    { purpose: 'document' },
  );
  for (const [position, document] of dataset.corpus.entries()) {
    const id = nextId();
    corpusIdOf.set(id, document.id);
    const title = document.title.trim() || document.id;
    await documents.create({
      id,
      title: title.slice(0, 300),
      fileName: `${document.id}.txt`,
      contentType: 'text/plain',
      sizeBytes: Buffer.byteLength(document.text),
      s3Key: `eval/${id}.txt`,
    });
    await chunks.replaceForDocument(id, [
      {
        id: nextId(),
        ordinal: 0,
        text: document.text,
        headingPath: document.title.trim() ? [document.title.trim().slice(0, 500)] : [],
        tokenCount: estimateTokens(document.text),
        embedding: embeddings[position] ?? null,
      },
    ]);
    await documents.update(id, 1, { status: 'ready' });
  }
  const indexMs = performance.now() - indexStart;

  const retriever = new HybridRetriever({ search: chunks, embedder: deps.embedder }, { k: 10 });
  const searchStart = performance.now();
  const perQuery: { korean: boolean; method: MethodName; scores: (number | undefined)[] }[] = [];
  for (const query of dataset.queries) {
    const judged = dataset.qrels.get(query.id) ?? new Map<string, number>();
    for (const method of Object.keys(METHODS) as MethodName[]) {
      const passages = await retriever.retrieve(query.text, { weights: METHODS[method] });
      const ranked = passages.map((passage) => corpusIdOf.get(passage.documentId) ?? '');
      perQuery.push({
        korean: HANGUL.test(query.text),
        method,
        scores: [
          recallAt(ranked, judged, 1),
          recallAt(ranked, judged, 5),
          recallAt(ranked, judged, 10),
          ndcgAt(ranked, judged, 10),
        ],
      });
    }
  }
  const searchMs = performance.now() - searchStart;

  const summarise = (method: MethodName, keep: (korean: boolean) => boolean): MethodScores => {
    const rows = perQuery.filter((row) => row.method === method && keep(row.korean));
    const column = (index: number) => mean(rows.map((row) => row.scores[index]));
    return {
      recallAt1: column(0),
      recallAt5: column(1),
      recallAt10: column(2),
      ndcgAt10: column(3),
      queries: rows.length,
    };
  };
  const scores = Object.fromEntries(
    (Object.keys(METHODS) as MethodName[]).map((method) => [
      method,
      {
        all: summarise(method, () => true),
        korean: summarise(method, (korean) => korean),
        other: summarise(method, (korean) => !korean),
      },
    ]),
  ) as EvaluationReport['scores'];
  return { documents: dataset.corpus.length, scores, indexMs, searchMs };
}

/** The report as a fixed-width table. */
export function formatReport(name: string, report: EvaluationReport): string {
  const lines = [
    `${name}: ${report.documents} documents (one chunk each), indexed in ${Math.round(report.indexMs)} ms; ` +
      `searches took ${Math.round(report.searchMs)} ms`,
  ];
  const number = (value: number) => (Number.isNaN(value) ? '    -' : value.toFixed(3));
  for (const subset of ['all', 'korean', 'other'] as const) {
    const queries = report.scores.hybrid[subset].queries;
    if (queries === 0) continue;
    lines.push('', `${subset} queries (${queries})`, 'method     R@1    R@5    R@10   nDCG@10');
    for (const method of Object.keys(METHODS) as MethodName[]) {
      const s = report.scores[method][subset];
      lines.push(
        `${method.padEnd(9)}  ${number(s.recallAt1)}  ${number(s.recallAt5)}  ${number(s.recallAt10)}  ${number(s.ndcgAt10)}`,
      );
    }
  }
  return lines.join('\n');
}
