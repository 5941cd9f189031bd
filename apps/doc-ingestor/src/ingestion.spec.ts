import { ServiceUnavailableError } from '@lgm/core';
import { DocumentError } from '@lgm/rag';

import type { DocumentParser } from './document-parser';
import { createDocumentIngestion, DEFAULT_INGESTION_SETTINGS } from './ingestion';
import { BUCKET, FakeEmbedder, harness, OWNER } from './test-support/fakes';

const DOC_ID = '01JD0000000000000000000001';
const KEY = `documents/${OWNER}/${DOC_ID}/guide.md`;
const PARTS = { area: 'documents' as const, ownerId: OWNER, id: DOC_ID, fileName: 'guide.md' };

const settings = { ...DEFAULT_INGESTION_SETTINGS, bucket: BUCKET, embedBatchSize: 2 };

function markdown(sections: number, marker = 'alpha'): string {
  return Array.from(
    { length: sections },
    (_, index) =>
      `# Section ${index + 1}\n\n${`The ${marker} paragraph ${index + 1} explains the subject. `.repeat(60)}\n`,
  ).join('\n');
}

describe('document ingestion', () => {
  it('takes a document pending → processing (throttled progress) → ready with embedded chunks', async () => {
    const h = harness();
    await h.documents.seed(PARTS, KEY);
    const ingestion = createDocumentIngestion(h.ports, settings);

    const outcome = await ingestion.apply(h.bucket.put(KEY, markdown(8)));

    expect(outcome).toMatchObject({ outcome: 'ready', documentId: DOC_ID });
    const chunks = h.chunks.of(DOC_ID) ?? [];
    expect(chunks.length).toBeGreaterThan(4);
    expect(chunks.map((chunk) => chunk.ordinal)).toEqual(chunks.map((_, index) => index));
    expect(chunks.every((chunk) => chunk.embedding?.length === 4)).toBe(true);
    expect(chunks[0]?.headingPath).toEqual(['Section 1']);

    const statuses = h.documents.writes.map((write) => write.changes.status ?? 'progress');
    expect(statuses[0]).toBe('processing');
    expect(statuses.at(-1)).toBe('ready');
    // Progress is written in steps, not once per chunk.
    expect(h.documents.writes.length).toBeLessThan(chunks.length + 2);
    const row = h.documents.rows.get(`${OWNER}/${DOC_ID}`);
    expect(row).toMatchObject({ status: 'ready', progress: 100, errorCode: null });
    expect(JSON.parse(row?.sourceVersion ?? '{}')).toMatchObject({ op: 'created' });
  });

  it('reports progress as the pages of a paged document advance', async () => {
    const pages = 10;
    const parser: DocumentParser = async function* () {
      for (let page = 1; page <= pages; page += 1) {
        yield {
          blocks: [{ kind: 'paragraph', text: `Page ${page} talks about topic ${page}.`, page }],
          fraction: page / pages,
        };
      }
    };
    const h = harness({ parser });
    await h.documents.seed(PARTS, KEY);

    await createDocumentIngestion(h.ports, settings).apply(h.bucket.put(KEY, 'x'));

    const progress = h.documents.writes.flatMap((write) =>
      write.changes.status === undefined && write.changes.progress !== undefined
        ? [write.changes.progress]
        : [],
    );
    expect(progress.length).toBeGreaterThanOrEqual(3);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(h.chunks.of(DOC_ID)?.some((chunk) => chunk.pageEnd === 10)).toBe(true);
  });

  it('embeds in batches with bounded concurrency', async () => {
    const embedder = new FakeEmbedder(5);
    const h = harness({ embedder });
    await h.documents.seed(PARTS, KEY);

    await createDocumentIngestion(h.ports, { ...settings, embedConcurrency: 2 }).apply(
      h.bucket.put(KEY, markdown(12)),
    );

    const chunks = h.chunks.of(DOC_ID) ?? [];
    expect(embedder.calls).toBe(Math.ceil(chunks.length / 2));
    expect(embedder.maxInFlight).toBeLessThanOrEqual(2);
  });

  it('changes nothing when the same event is delivered twice', async () => {
    const h = harness();
    await h.documents.seed(PARTS, KEY);
    const ingestion = createDocumentIngestion(h.ports, settings);
    const event = h.bucket.put(KEY, markdown(3));
    await ingestion.apply(event);
    const ids = h.chunks.of(DOC_ID)?.map((chunk) => chunk.id);
    const writes = h.documents.writes.length;

    expect(await ingestion.apply(event)).toMatchObject({ outcome: 'skipped', reason: 'duplicate' });

    expect(h.chunks.of(DOC_ID)?.map((chunk) => chunk.id)).toEqual(ids);
    expect(h.documents.writes).toHaveLength(writes);
  });

  it.each([
    ['unversioned (eTag + sequencer)', false],
    ['versioned (versionId)', true],
  ])(
    'keeps the newest version when an older event arrives after it: %s',
    async (_shape, versioned) => {
      const h = harness({ versioned });
      await h.documents.seed(PARTS, KEY);
      const ingestion = createDocumentIngestion(h.ports, settings);
      const older = h.bucket.put(KEY, markdown(2, 'old'));
      const newer = h.bucket.put(KEY, markdown(2, 'new'));

      expect(await ingestion.apply(newer)).toMatchObject({ outcome: 'ready' });
      expect(await ingestion.apply(older)).toMatchObject({ outcome: 'skipped', reason: 'stale' });

      const texts = (h.chunks.of(DOC_ID) ?? []).map((chunk) => chunk.text).join(' ');
      expect(texts).toContain('new paragraph');
      expect(texts).not.toContain('old paragraph');
    },
  );

  it('creates the missing row from the key and the object', async () => {
    const h = harness();
    const outcome = await createDocumentIngestion(h.ports, settings).apply(
      h.bucket.put(KEY, markdown(1)),
    );
    expect(outcome).toMatchObject({ outcome: 'ready' });
    expect(h.documents.rows.get(`${OWNER}/${DOC_ID}`)).toMatchObject({
      title: 'guide.md',
      fileName: 'guide.md',
      contentType: 'text/markdown',
      s3Key: KEY,
      status: 'ready',
    });
  });

  it.each([
    ['an empty file', new Uint8Array(), 'EMPTY_DOCUMENT'],
    ['a zip that is not a DOCX', new Uint8Array([0x50, 0x4b, 0x03, 0x04, 0, 0, 0, 0]), undefined],
  ])('marks %s failed with its code, without throwing', async (_what, bytes, code) => {
    const h = harness();
    await h.documents.seed(PARTS, KEY);

    const outcome = await createDocumentIngestion(h.ports, settings).apply(
      h.bucket.put(KEY, bytes),
    );

    expect(outcome).toMatchObject({ outcome: 'failed' });
    const row = h.documents.rows.get(`${OWNER}/${DOC_ID}`);
    expect(row?.status).toBe('failed');
    if (code !== undefined) expect(row?.errorCode).toBe(code);
    expect(row?.errorCode).toMatch(/^[A-Z_]+$/);
    expect(row?.errorMessage).toBeTruthy();
    expect(h.chunks.of(DOC_ID)).toBeUndefined();
  });

  it('marks a parser DocumentError failed with that code', async () => {
    const parser: DocumentParser = async function* () {
      yield* [];
      throw new DocumentError('DOCUMENT_ENCRYPTED', 'The PDF is password-protected.');
    };
    const h = harness({ parser });
    await h.documents.seed(PARTS, KEY);
    await createDocumentIngestion(h.ports, settings).apply(h.bucket.put(KEY, 'x'));
    expect(h.documents.rows.get(`${OWNER}/${DOC_ID}`)).toMatchObject({
      status: 'failed',
      errorCode: 'DOCUMENT_ENCRYPTED',
      errorMessage: 'The PDF is password-protected.',
    });
  });

  it('ends runaway work as failed with DOCUMENT_TIMEOUT', async () => {
    const parser: DocumentParser = async function* () {
      yield { blocks: [{ kind: 'paragraph', text: 'First page.' }], fraction: 0.1 };
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    };
    const h = harness({ parser });
    await h.documents.seed(PARTS, KEY);

    const outcome = await createDocumentIngestion(h.ports, { ...settings, timeLimitMs: 50 }).apply(
      h.bucket.put(KEY, 'x'),
    );

    expect(outcome).toMatchObject({ outcome: 'failed', code: 'DOCUMENT_TIMEOUT' });
    expect(h.documents.rows.get(`${OWNER}/${DOC_ID}`)?.status).toBe('failed');
    expect(h.chunks.of(DOC_ID)).toBeUndefined();
  });

  it('throws infrastructure failures (for the queue to retry) and hands the event back', async () => {
    const h = harness();
    await h.documents.seed(PARTS, KEY);
    const ingestion = createDocumentIngestion(h.ports, settings);
    const event = h.bucket.put(KEY, markdown(1));
    h.chunks.failWith = new ServiceUnavailableError('database down', { code: 'DATABASE_DOWN' });

    await expect(ingestion.apply(event)).rejects.toMatchObject({ code: 'DATABASE_DOWN' });
    expect(h.documents.rows.get(`${OWNER}/${DOC_ID}`)).toMatchObject({
      status: 'pending',
      sourceVersion: null,
    });

    // The redelivery is applied, not mistaken for a duplicate.
    h.chunks.failWith = undefined;
    expect(await ingestion.apply(event)).toMatchObject({ outcome: 'ready' });
  });

  it('asks for a retry when another delivery of the event is being processed', async () => {
    const h = harness();
    const row = await h.documents.seed(PARTS, KEY);
    const event = h.bucket.put(KEY, markdown(1));
    await h.documents.store(OWNER).update(DOC_ID, row.version, {
      status: 'processing',
      sourceVersion: JSON.stringify({ op: 'created', bucket: BUCKET, ...pick(event) }),
    });
    await expect(createDocumentIngestion(h.ports, settings).apply(event)).rejects.toMatchObject({
      code: 'INGESTION_IN_PROGRESS',
    });
  });

  it('removes the chunks when the object is deleted, and ignores a removal followed by a new PUT', async () => {
    const h = harness();
    await h.documents.seed(PARTS, KEY);
    const ingestion = createDocumentIngestion(h.ports, settings);
    await ingestion.apply(h.bucket.put(KEY, markdown(2)));

    const removal = h.bucket.remove(KEY);
    expect(await ingestion.apply(removal)).toMatchObject({ outcome: 'removed' });
    expect(h.chunks.of(DOC_ID)).toEqual([]);
    expect(h.documents.rows.get(`${OWNER}/${DOC_ID}`)).toMatchObject({
      status: 'failed',
      errorCode: 'DOCUMENT_SOURCE_DELETED',
    });
    expect(await ingestion.apply(removal)).toMatchObject({ outcome: 'skipped' });

    const again = h.bucket.put(KEY, markdown(2));
    expect(await ingestion.apply(again)).toMatchObject({ outcome: 'ready' });
    // The old removal, redelivered late, does not wipe the new upload.
    expect(await ingestion.apply(removal)).toMatchObject({ outcome: 'skipped', reason: 'stale' });
    expect(h.chunks.of(DOC_ID)?.length).toBeGreaterThan(0);
  });

  it('ignores other buckets and keys outside documents/<owner>/<id>/<file>', async () => {
    const h = harness();
    const ingestion = createDocumentIngestion(h.ports, settings);
    const event = h.bucket.put(KEY, 'x');
    expect(await ingestion.apply({ ...event, bucket: 'other' })).toMatchObject({
      outcome: 'ignored',
    });
    expect(await ingestion.apply({ ...event, key: 'artifacts/x' })).toMatchObject({
      outcome: 'ignored',
    });
    expect(h.documents.rows.size).toBe(0);
  });
});

function pick(event: { eTag?: string; sequencer?: string }): { eTag?: string; sequencer?: string } {
  return {
    ...(event.eTag === undefined ? {} : { eTag: event.eTag }),
    ...(event.sequencer === undefined ? {} : { sequencer: event.sequencer }),
  };
}
