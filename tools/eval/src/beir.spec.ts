import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { findWorkspaceRoot } from '@lgm/testing';

import { loadBeirDataset, parseQrels } from './beir';

describe('parseQrels', () => {
  it('reads graded judgements after the header', () => {
    const qrels = parseQrels('query-id\tcorpus-id\tscore\nq1\td1\t2\nq1\td2\t1\nq2\td1\t0\n');
    expect([...qrels].map(([id, judged]) => [id, [...judged]])).toEqual([
      [
        'q1',
        [
          ['d1', 2],
          ['d2', 1],
        ],
      ],
      ['q2', [['d1', 0]]],
    ]);
  });

  it('rejects a missing header or a malformed line with a code', () => {
    expect(() => parseQrels('q1\td1\t1\n')).toThrow(
      expect.objectContaining({ code: 'INVALID_DATASET' }) as Error,
    );
    expect(() => parseQrels('query-id\tcorpus-id\tscore\nq1\td1\n')).toThrow(/line 2/);
  });
});

describe('loadBeirDataset', () => {
  let folder: string;

  beforeEach(async () => {
    folder = await mkdtemp(join(tmpdir(), 'lgm-beir-'));
    await mkdir(join(folder, 'qrels'));
  });

  afterEach(() => rm(folder, { recursive: true, force: true }));

  it('keeps only judged queries', async () => {
    await writeFile(
      join(folder, 'corpus.jsonl'),
      '{"_id":"d1","title":"T","text":"one"}\n{"_id":2,"text":"two"}\n',
    );
    await writeFile(
      join(folder, 'queries.jsonl'),
      '{"_id":"q1","text":"first"}\n{"_id":"q2","text":"unjudged"}\n',
    );
    await writeFile(join(folder, 'qrels/test.tsv'), 'query-id\tcorpus-id\tscore\nq1\t2\t1\n');

    const dataset = await loadBeirDataset(folder);

    expect(dataset.corpus).toEqual([
      { id: 'd1', title: 'T', text: 'one' },
      { id: '2', title: '', text: 'two' },
    ]);
    expect(dataset.queries).toEqual([{ id: 'q1', text: 'first' }]);
  });

  it('rejects judgements of unknown documents and missing files', async () => {
    await writeFile(join(folder, 'corpus.jsonl'), '{"_id":"d1","text":"one"}\n');
    await writeFile(join(folder, 'queries.jsonl'), '{"_id":"q1","text":"first"}\n');
    await writeFile(join(folder, 'qrels/test.tsv'), 'query-id\tcorpus-id\tscore\nq1\td9\t1\n');
    await expect(loadBeirDataset(folder)).rejects.toMatchObject({ code: 'INVALID_DATASET' });
    await expect(loadBeirDataset(join(folder, 'missing'))).rejects.toMatchObject({
      code: 'DATASET_NOT_FOUND',
    });
  });

  it('loads the committed lgm-mini dataset', async () => {
    const dataset = await loadBeirDataset(
      join(findWorkspaceRoot(), 'tools/eval/datasets/lgm-mini'),
    );
    expect(dataset.corpus.length).toBeGreaterThanOrEqual(40);
    expect(dataset.queries.length).toBeGreaterThanOrEqual(30);
    const korean = dataset.queries.filter((query) => /[\uac00-\ud7a3]/u.test(query.text));
    expect(korean.length).toBeGreaterThanOrEqual(10);
  });
});
