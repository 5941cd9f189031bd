import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { ValidationError } from '@lgm/core';
import * as z from 'zod';

/** A BEIR-format dataset: https://github.com/beir-cellar/beir/wiki/Load-your-custom-dataset */
export interface BeirDataset {
  readonly corpus: readonly BeirDocument[];
  readonly queries: readonly BeirQuery[];
  /** query id → (corpus id → grade). */
  readonly qrels: ReadonlyMap<string, ReadonlyMap<string, number>>;
}

export interface BeirDocument {
  readonly id: string;
  readonly title: string;
  readonly text: string;
}

export interface BeirQuery {
  readonly id: string;
  readonly text: string;
}

const documentLine = z.object({
  _id: z.union([z.string().min(1), z.number()]).transform(String),
  title: z.string().default(''),
  text: z.string(),
});
const queryLine = z.object({
  _id: z.union([z.string().min(1), z.number()]).transform(String),
  text: z.string().min(1),
});

function datasetError(message: string, details?: Record<string, unknown>): ValidationError {
  return new ValidationError(message, {
    code: 'INVALID_DATASET',
    ...(details ? { details } : {}),
  });
}

async function readText(folder: string, file: string): Promise<string> {
  try {
    return await readFile(join(folder, file), 'utf8');
  } catch (error) {
    throw new ValidationError(`${join(folder, file)} cannot be read.`, {
      code: 'DATASET_NOT_FOUND',
      cause: error,
    });
  }
}

function parseJsonLines<T>(text: string, file: string, schema: z.ZodType<T>): T[] {
  const rows: T[] = [];
  text.split('\n').forEach((line, index) => {
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw datasetError(`${file} line ${index + 1} is not JSON.`);
    }
    const parsed = schema.safeParse(value);
    if (!parsed.success) {
      throw datasetError(`${file} line ${index + 1}: ${z.prettifyError(parsed.error)}`);
    }
    rows.push(parsed.data);
  });
  return rows;
}

/** Parses `qrels/test.tsv`: a `query-id corpus-id score` header, then one judgement a line. */
export function parseQrels(text: string): Map<string, Map<string, number>> {
  const qrels = new Map<string, Map<string, number>>();
  const lines = text.split(/\r?\n/u).filter((line) => line.trim() !== '');
  const header = lines.shift()?.split('\t');
  if (header?.[0] !== 'query-id' || header[1] !== 'corpus-id' || header[2] !== 'score') {
    throw datasetError('qrels/test.tsv must start with the header "query-id\\tcorpus-id\\tscore".');
  }
  lines.forEach((line, index) => {
    const [queryId, corpusId, score] = line.split('\t');
    const grade = Number(score);
    if (!queryId || !corpusId || score === undefined || !Number.isInteger(grade)) {
      throw datasetError(`qrels/test.tsv line ${index + 2} is not "query-id corpus-id score".`);
    }
    const judged = qrels.get(queryId) ?? new Map<string, number>();
    judged.set(corpusId, grade);
    qrels.set(queryId, judged);
  });
  return qrels;
}

/**
 * Reads corpus.jsonl, queries.jsonl and qrels/test.tsv from `folder`. Only queries with a
 * judgement are kept (BEIR's queries.jsonl often holds every split); judgements must name
 * documents of the corpus.
 */
export async function loadBeirDataset(folder: string): Promise<BeirDataset> {
  const [corpusText, queriesText, qrelsText] = await Promise.all([
    readText(folder, 'corpus.jsonl'),
    readText(folder, 'queries.jsonl'),
    readText(folder, 'qrels/test.tsv'),
  ]);
  const corpus = parseJsonLines(corpusText, 'corpus.jsonl', documentLine).map((row) => ({
    id: row._id,
    title: row.title,
    text: row.text,
  }));
  const ids = new Set(corpus.map((document) => document.id));
  if (ids.size !== corpus.length) throw datasetError('corpus.jsonl repeats an _id.');
  const qrels = parseQrels(qrelsText);
  for (const [queryId, judged] of qrels) {
    const unknown = [...judged.keys()].filter((id) => !ids.has(id));
    if (unknown.length > 0) {
      throw datasetError(`qrels for ${queryId} name documents not in the corpus.`, { unknown });
    }
  }
  const queries = parseJsonLines(queriesText, 'queries.jsonl', queryLine)
    .filter((row) => qrels.has(row._id))
    .map((row) => ({ id: row._id, text: row.text }));
  if (corpus.length === 0 || queries.length === 0) {
    throw datasetError('The dataset needs at least one document and one judged query.');
  }
  return { corpus, queries, qrels };
}
