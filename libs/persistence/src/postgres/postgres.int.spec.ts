import { join } from 'node:path';

import { createIdGenerator } from '@lgm/core';
import { postgresTargets } from '@lgm/local-stack';
import { findWorkspaceRoot } from '@lgm/testing';
import { sql } from 'drizzle-orm';
import pg from 'pg';

import { ArtifactRepository } from './artifacts-repository';
import { ChunkRepository } from './chunks-repository';
import { createDatabase, type Database } from './client';
import { DocumentRepository } from './documents-repository';
import { HNSW_INDEX_NAME, migrateDatabase } from './migrate';
import { UsageRepository } from './usage-repository';

/**
 * Every repository through the real `pg` driver, against PGlite (always) and a real PostgreSQL
 * (when TEST_DATABASE_URL is set, as in CI). Each test makes its own owners, so runs never collide.
 */

// The local embedder's size: every suite sharing TEST_DATABASE_URL (libs/rag's retrieval tests
// too) must agree, since the column keeps one dimension while embeddings exist.
const DIMENSIONS = 100;
const migrationsFolder = join(findWorkspaceRoot(), 'libs/persistence/drizzle');
const nextId = createIdGenerator();
const newOwner = () => `owner-${nextId()}`;

function unitVector(seed: number): number[] {
  const values = Array.from(
    { length: DIMENSIONS },
    (_, i) => Math.sin(seed * (i + 1)) + (i === seed % DIMENSIONS ? 2 : 0),
  );
  const norm = Math.hypot(...values);
  return values.map((value) => value / norm);
}

describe.each(postgresTargets(process.env['TEST_DATABASE_URL']))(
  'PostgreSQL repositories on $name',
  (target) => {
    let stop: () => Promise<void>;
    let url: string;
    let db: Database;
    let pool: pg.Pool;
    let close: () => Promise<void>;

    beforeAll(async () => {
      const server = await target.start();
      stop = server.stop;
      url = server.url;
      ({ db, pool, close } = createDatabase({ url, maxConnections: 4 }));
      await migrateDatabase(pool, { migrationsFolder, embeddingDimensions: DIMENSIONS });
    }, 60_000);

    afterAll(async () => {
      await close();
      await stop();
    });

    async function newDocument(ownerId: string, title = 'Handbook') {
      const id = nextId();
      return new DocumentRepository(db, ownerId).create({
        id,
        title,
        fileName: 'handbook.pdf',
        contentType: 'application/pdf',
        sizeBytes: 1234,
        s3Key: `documents/${ownerId}/${id}/handbook.pdf`,
      });
    }

    describe('migrations', () => {
      it('are idempotent and leave vector(N) with an HNSW cosine index', async () => {
        await migrateDatabase(pool, { migrationsFolder, embeddingDimensions: DIMENSIONS });
        const column = await db.execute<{ type: string }>(
          sql`select format_type(atttypid, atttypmod) as type from pg_attribute where attrelid = 'chunks'::regclass and attname = 'embedding'`,
        );
        expect(column.rows[0]?.type).toBe(`vector(${DIMENSIONS})`);
        const index = await db.execute<{ indexdef: string }>(
          sql`select indexdef from pg_indexes where indexname = ${HNSW_INDEX_NAME}`,
        );
        expect(index.rows[0]?.indexdef).toMatch(/USING hnsw \(embedding vector_cosine_ops\)/);
      });

      it('refuse to change the dimensions while embeddings of the old model exist', async () => {
        const owner = newOwner();
        const document = await newDocument(owner);
        await new ChunkRepository(db, owner).replaceForDocument(document.id, [
          { id: nextId(), ordinal: 0, text: 'x', tokenCount: 1, embedding: unitVector(1) },
        ]);
        await expect(
          migrateDatabase(pool, { migrationsFolder, embeddingDimensions: DIMENSIONS * 2 }),
        ).rejects.toMatchObject({
          code: 'EMBEDDING_DIMENSIONS_MISMATCH',
          status: 409,
        });
        await new DocumentRepository(db, owner).delete(document.id);
      });
    });

    describe('documents', () => {
      it('create, read, update with the expected version, and delete', async () => {
        const owner = newOwner();
        const documents = new DocumentRepository(db, owner);
        const created = await newDocument(owner);
        expect(created).toMatchObject({
          ownerId: owner,
          status: 'pending',
          progress: 0,
          version: 1,
        });
        expect(await documents.get(created.id)).toEqual(created);

        const processing = await documents.update(created.id, 1, {
          status: 'processing',
          progress: 40,
        });
        expect(processing).toMatchObject({ status: 'processing', progress: 40, version: 2 });
        const failed = await documents.update(created.id, 2, {
          status: 'failed',
          error: { code: 'PDF_ENCRYPTED', message: 'The PDF is encrypted.' },
        });
        expect(failed).toMatchObject({ status: 'failed', errorCode: 'PDF_ENCRYPTED', version: 3 });

        await documents.delete(created.id);
        await expect(documents.get(created.id)).rejects.toMatchObject({
          code: 'DOCUMENT_NOT_FOUND',
          status: 404,
        });
      });

      it('reject a stale write and keep the stored value', async () => {
        const owner = newOwner();
        const documents = new DocumentRepository(db, owner);
        const created = await newDocument(owner);
        await documents.update(created.id, 1, { title: 'Second' });
        await expect(documents.update(created.id, 1, { title: 'Stale' })).rejects.toMatchObject({
          code: 'DOCUMENT_VERSION_CONFLICT',
          status: 409,
          details: { currentVersion: 2 },
        });
        expect((await documents.get(created.id)).title).toBe('Second');
      });

      it('page through every document once, newest first', async () => {
        const owner = newOwner();
        const documents = new DocumentRepository(db, owner);
        const created = [];
        for (let i = 0; i < 5; i += 1) created.push(await newDocument(owner, `Doc ${i}`));
        const seen: string[] = [];
        let cursor: string | undefined;
        let pages = 0;
        do {
          const page = await documents.list({ limit: 2, ...(cursor ? { cursor } : {}) });
          seen.push(...page.items.map((item) => item.id));
          cursor = page.nextCursor;
          pages += 1;
        } while (cursor);
        expect(pages).toBe(3);
        expect(seen).toEqual(created.map((document) => document.id).reverse());
      });

      it('page through rows created in the same millisecond without losing any', async () => {
        const owner = newOwner();
        const documents = new DocumentRepository(db, owner);
        const ids = [nextId(), nextId(), nextId()];
        // One statement, so every row gets the same now().
        await db.execute(sql`insert into documents (id, owner_id, title, file_name, content_type, size_bytes, s3_key)
          select id, ${owner}, 't', 'f', 'text/plain', 1, 'k' from json_array_elements_text(${JSON.stringify(ids)}::json) as id`);
        const seen: string[] = [];
        let cursor: string | undefined;
        do {
          const page = await documents.list({ limit: 1, ...(cursor ? { cursor } : {}) });
          seen.push(...page.items.map((item) => item.id));
          cursor = page.nextCursor;
        } while (cursor);
        expect(seen.sort()).toEqual([...ids].sort());
      });

      it.each([['1'], [0], [1.5], [undefined]])(
        'reject the expected version %p',
        async (version) => {
          const owner = newOwner();
          const created = await newDocument(owner);
          await expect(
            new DocumentRepository(db, owner).update(created.id, version as number, { title: 'x' }),
          ).rejects.toMatchObject({ code: 'INVALID_VERSION', status: 400 });
          expect((await new DocumentRepository(db, owner).get(created.id)).version).toBe(1);
        },
      );

      it.each([
        ['an unknown id', (repo: DocumentRepository) => repo.get(nextId()), 'DOCUMENT_NOT_FOUND'],
        [
          'a malformed id',
          (repo: DocumentRepository) => repo.get("1' or '1'='1"),
          'DOCUMENT_NOT_FOUND',
        ],
        [
          'a malformed cursor',
          (repo: DocumentRepository) => repo.list({ cursor: 'not-a-cursor!' }),
          'INVALID_CURSOR',
        ],
        [
          'a forged cursor',
          (repo: DocumentRepository) =>
            repo.list({ cursor: Buffer.from('{"c":1}').toString('base64url') }),
          'INVALID_CURSOR',
        ],
        [
          'a page size of 1000',
          (repo: DocumentRepository) => repo.list({ limit: 1000 }),
          'INVALID_LIMIT',
        ],
        [
          'an oversized title',
          (repo: DocumentRepository) =>
            repo.create({
              id: nextId(),
              title: 'x'.repeat(301),
              fileName: 'a',
              contentType: 'text/plain',
              sizeBytes: 1,
              s3Key: 'k',
            }),
          'VALUE_TOO_LONG',
        ],
        [
          'a negative size',
          (repo: DocumentRepository) =>
            repo.create({
              id: nextId(),
              title: 't',
              fileName: 'a',
              contentType: 'text/plain',
              sizeBytes: -1,
              s3Key: 'k',
            }),
          'VALIDATION_FAILED',
        ],
        [
          'an out-of-range progress',
          async (repo: DocumentRepository) =>
            repo.update((await newDocument(repo['ownerId'])).id, 1, { progress: 101 }),
          'VALIDATION_FAILED',
        ],
      ])('answer %s with an AppError code', async (_what, act, code) => {
        const repo = new DocumentRepository(db, newOwner());
        await expect(act(repo)).rejects.toMatchObject({ code });
      });

      it('reject a duplicate id as a conflict, not a driver error', async () => {
        const owner = newOwner();
        const created = await newDocument(owner);
        await expect(
          new DocumentRepository(db, owner).create({
            id: created.id,
            title: 't',
            fileName: 'a',
            contentType: 'text/plain',
            sizeBytes: 1,
            s3Key: 'k',
          }),
        ).rejects.toMatchObject({ code: 'ALREADY_EXISTS', status: 409 });
      });
    });

    describe('tenant isolation', () => {
      it("owner B can neither read, list, update, delete nor fill owner A's documents; A's data survives", async () => {
        const ownerA = newOwner();
        const ownerB = newOwner();
        const document = await newDocument(ownerA, 'Secret plan');
        await new ChunkRepository(db, ownerA).replaceForDocument(document.id, [
          {
            id: nextId(),
            ordinal: 0,
            text: 'the secret plan',
            tokenCount: 3,
            embedding: unitVector(3),
          },
        ]);
        await new DocumentRepository(db, ownerA).update(document.id, 1, { status: 'ready' });
        const asB = new DocumentRepository(db, ownerB);
        const chunksAsB = new ChunkRepository(db, ownerB);

        await expect(asB.get(document.id)).rejects.toMatchObject({ status: 404 });
        expect((await asB.list()).items).toEqual([]);
        await expect(asB.update(document.id, 2, { title: 'pwned' })).rejects.toMatchObject({
          status: 404,
        });
        await expect(asB.delete(document.id)).rejects.toMatchObject({ status: 404 });
        await expect(
          chunksAsB.replaceForDocument(document.id, [
            { id: nextId(), ordinal: 0, text: 'overwrite', tokenCount: 1 },
          ]),
        ).rejects.toMatchObject({ status: 404 });
        expect(await chunksAsB.listForDocument(document.id)).toEqual([]);
        expect(await chunksAsB.nearest(unitVector(3), 5)).toEqual([]);
        expect(await chunksAsB.fullText('secret plan', 5)).toEqual([]);

        const survivor = await new DocumentRepository(db, ownerA).get(document.id);
        expect(survivor).toMatchObject({ title: 'Secret plan', version: 2, status: 'ready' });
        const chunksOfA = await new ChunkRepository(db, ownerA).listForDocument(document.id);
        expect(chunksOfA.map((chunk) => chunk.text)).toEqual(['the secret plan']);
      });

      it("owner B can neither read, list nor delete owner A's artifacts", async () => {
        const ownerA = newOwner();
        const artifact = await new ArtifactRepository(db, ownerA).create({
          id: nextId(),
          name: 'plot.png',
          contentType: 'image/png',
          sizeBytes: 10,
          s3Key: `artifacts/${ownerA}/x/plot.png`,
        });
        const asB = new ArtifactRepository(db, newOwner());
        await expect(asB.get(artifact.id)).rejects.toMatchObject({ code: 'ARTIFACT_NOT_FOUND' });
        expect((await asB.list()).items).toEqual([]);
        await expect(asB.delete(artifact.id)).rejects.toMatchObject({ code: 'ARTIFACT_NOT_FOUND' });
        expect(await new ArtifactRepository(db, ownerA).get(artifact.id)).toEqual(artifact);
      });
    });

    describe('chunks', () => {
      it('replace a document’s chunks atomically and search only ready documents', async () => {
        const owner = newOwner();
        const documents = new DocumentRepository(db, owner);
        const chunks = new ChunkRepository(db, owner);
        const document = await newDocument(owner);
        const first = Array.from({ length: 3 }, (_, ordinal) => ({
          id: nextId(),
          ordinal,
          text: `version one passage ${ordinal} about security groups`,
          headingPath: ['Networking', 'Security'],
          pageStart: ordinal + 1,
          pageEnd: ordinal + 1,
          tokenCount: 6,
          embedding: unitVector(ordinal),
        }));
        expect(await chunks.replaceForDocument(document.id, first)).toBe(3);
        expect(await chunks.fullText('security', 10)).toEqual([]);

        await documents.update(document.id, 1, { status: 'ready' });
        const second = [
          {
            id: nextId(),
            ordinal: 0,
            text: '보안그룹 설정 안내 security',
            tokenCount: 4,
            embedding: unitVector(7),
          },
        ];
        await chunks.replaceForDocument(document.id, second);
        const stored = await chunks.listForDocument(document.id);
        expect(stored.map((chunk) => chunk.text)).toEqual(['보안그룹 설정 안내 security']);

        const nearest = await chunks.nearest(unitVector(7), 3);
        expect(nearest[0]).toMatchObject({
          documentId: document.id,
          documentTitle: 'Handbook',
          ordinal: 0,
        });
        expect(nearest[0]?.score).toBeCloseTo(0, 5);
        const byText = await chunks.fullText('보안그룹', 3);
        expect(byText.map((match) => match.text)).toEqual(['보안그룹 설정 안내 security']);
      });

      it('match Korean words whatever particle is attached, and English by stem', async () => {
        const owner = newOwner();
        const other = newOwner();
        const chunks = new ChunkRepository(db, owner);
        const korean = await newDocument(owner, '보안 안내');
        const english = await newDocument(owner, 'Networking');
        const foreign = await newDocument(other);
        await chunks.replaceForDocument(korean.id, [
          {
            id: nextId(),
            ordinal: 0,
            text: '보안그룹은 인바운드 규칙을 허용합니다',
            tokenCount: 5,
          },
          { id: nextId(), ordinal: 1, text: '방화벽 설정은 관리자가 합니다', tokenCount: 5 },
          {
            id: nextId(),
            ordinal: 2,
            text: 'DLQ에 메시지가 쌓이면 경보가 울립니다',
            tokenCount: 6,
          },
        ]);
        await chunks.replaceForDocument(english.id, [
          { id: nextId(), ordinal: 0, text: 'Each security group allows traffic', tokenCount: 5 },
        ]);
        await new ChunkRepository(db, other).replaceForDocument(foreign.id, [
          { id: nextId(), ordinal: 0, text: '보안그룹은 다른 사람의 문서입니다', tokenCount: 4 },
        ]);
        for (const document of [korean, english]) {
          await new DocumentRepository(db, owner).update(document.id, 1, { status: 'ready' });
        }
        await new DocumentRepository(db, other).update(foreign.id, 1, { status: 'ready' });

        const texts = async (query: string) =>
          (await chunks.fullText(query, 10)).map((match) => match.text);
        expect(await texts('보안그룹 인바운드')).toEqual(['보안그룹은 인바운드 규칙을 허용합니다']);
        expect(await texts('보안그룹은')).toEqual(['보안그룹은 인바운드 규칙을 허용합니다']);
        expect(await texts('보안그룹이')).toEqual(['보안그룹은 인바운드 규칙을 허용합니다']);
        expect(await texts('방화벽을')).toEqual(['방화벽 설정은 관리자가 합니다']);
        // Question words name what is asked, not what the answer says; verb endings differ.
        expect(await texts('방화벽 설정 방법')).toEqual(['방화벽 설정은 관리자가 합니다']);
        // Latin glued to Hangul is split on both sides; the particle on `DLQ의` is dropped.
        expect(await texts('DLQ의 메시지를')).toEqual(['DLQ에 메시지가 쌓이면 경보가 울립니다']);
        expect(await texts('dlq')).toEqual(['DLQ에 메시지가 쌓이면 경보가 울립니다']);
        expect(await texts('security groups')).toEqual(['Each security group allows traffic']);
        expect(await texts('"security group" -firewall')).toEqual([
          'Each security group allows traffic',
        ]);
        expect(await texts('보안그룹 egress')).toEqual([]);
        expect(await texts('   ')).toEqual([]);
      });

      it('rejects an embedding of the wrong dimension without storing anything', async () => {
        const owner = newOwner();
        const document = await newDocument(owner);
        const chunks = new ChunkRepository(db, owner);
        await chunks.replaceForDocument(document.id, [
          { id: nextId(), ordinal: 0, text: 'kept', tokenCount: 1 },
        ]);
        await expect(
          chunks.replaceForDocument(document.id, [
            { id: nextId(), ordinal: 0, text: 'new', tokenCount: 1, embedding: [1, 0, 0] },
          ]),
        ).rejects.toMatchObject({ status: 400 });
        expect((await chunks.listForDocument(document.id)).map((chunk) => chunk.text)).toEqual([
          'kept',
        ]);
      });

      describe('with one owner holding many chunks', () => {
        const owner = newOwner();
        const queries: { query: string; params: unknown[] }[] = [];
        let explainDb: Database;
        let closeExplain: () => Promise<void>;

        beforeAll(async () => {
          ({ db: explainDb, close: closeExplain } = createDatabase({
            url,
            maxConnections: 1,
            onQuery: (query, params) => queries.push({ query, params }),
          }));
          const document = await newDocument(owner);
          await new ChunkRepository(db, owner).replaceForDocument(
            document.id,
            Array.from({ length: 1500 }, (_, ordinal) => ({
              id: nextId(),
              ordinal,
              text:
                ordinal % 100 === 0
                  ? `rare term zebrafish ${ordinal}`
                  : ordinal % 100 === 50
                    ? `보안그룹은 인바운드 규칙 ${ordinal}`
                    : `common passage number ${ordinal}`,
              tokenCount: 4,
              embedding: unitVector(ordinal),
            })),
          );
          await new DocumentRepository(db, owner).update(document.id, 1, { status: 'ready' });
          // VACUUM also merges the GIN index's pending list (fast update), as autovacuum does in
          // service; left unmerged, its pages make the planner price the full-text index too high.
          await db.execute(sql`vacuum analyze chunks`);
          await db.execute(sql`analyze documents`);
        }, 60_000);

        afterAll(() => closeExplain());

        /** EXPLAINs the exact statement (with its parameters) the repository sent last. */
        async function explainLast(planSettings: readonly string[]): Promise<string> {
          const last = queries.filter((entry) => /^\s*select/i.test(entry.query)).pop();
          if (!last) throw new Error('no query captured');
          const client = new pg.Client({ connectionString: url });
          await client.connect();
          try {
            await client.query('begin');
            // At test size the planner rightly prefers filtering one owner's rows and sorting them;
            // taking the alternatives away shows the index can serve this exact statement, which is
            // what an owner with 100k chunks needs (the retrieval benchmark measures that case).
            for (const setting of planSettings) await client.query(`set local ${setting} = off`);
            const plan = await client.query(`explain ${last.query}`, last.params);
            await client.query('rollback');
            return plan.rows.map((row: Record<string, string>) => row['QUERY PLAN']).join('\n');
          } finally {
            await client.end();
          }
        }

        it('a vector kNN query uses the HNSW index', async () => {
          const matches = await new ChunkRepository(explainDb, owner).nearest(unitVector(42), 5);
          expect(matches[0]?.ordinal).toBe(42);
          expect(await explainLast(['enable_seqscan', 'enable_sort'])).toMatch(
            /chunks_embedding_hnsw_idx/,
          );
        });

        it('a full-text query uses the GIN index', async () => {
          const matches = await new ChunkRepository(explainDb, owner).fullText('zebrafish', 20);
          expect(matches).toHaveLength(15);
          expect(
            await explainLast(['enable_seqscan', 'enable_indexscan', 'enable_nestloop']),
          ).toMatch(/chunks_search_terms_idx/);
        });

        it('a Korean full-text query uses the same GIN index', async () => {
          const matches = await new ChunkRepository(explainDb, owner).fullText('보안그룹이', 20);
          expect(matches).toHaveLength(15);
          expect(
            await explainLast(['enable_seqscan', 'enable_indexscan', 'enable_nestloop']),
          ).toMatch(/Bitmap Index Scan on chunks_search_terms_idx/);
        });
      });
    });

    describe('usage', () => {
      it('records a turn once and sums by day and model', async () => {
        const owner = newOwner();
        const usage = new UsageRepository(db, owner, nextId);
        const turn = nextId();
        const at = new Date('2026-11-20T10:00:00Z');
        expect(
          await usage.record({
            turnId: turn,
            modelId: 'claude',
            at,
            inputTokens: 100,
            outputTokens: 20,
            costUsd: 0.0012,
          }),
        ).toBe(true);
        expect(
          await usage.record({
            turnId: turn,
            modelId: 'claude',
            at,
            inputTokens: 100,
            outputTokens: 20,
            costUsd: 0.0012,
          }),
        ).toBe(false);
        await usage.record({
          turnId: nextId(),
          modelId: 'claude',
          at,
          inputTokens: 50,
          outputTokens: 5,
          costUsd: 0.0006,
        });
        await usage.record({
          turnId: nextId(),
          modelId: 'titan',
          at: new Date('2026-11-21T01:00:00Z'),
          inputTokens: 7,
          outputTokens: 0,
          costUsd: 0.000001,
        });
        await new UsageRepository(db, newOwner(), nextId).record({
          turnId: nextId(),
          modelId: 'claude',
          at,
          inputTokens: 999,
          outputTokens: 999,
          costUsd: 9,
        });

        expect(await usage.summarize({ from: '2026-11-01', to: '2026-11-30' })).toEqual([
          {
            day: '2026-11-20',
            modelId: 'claude',
            inputTokens: 150,
            outputTokens: 25,
            costUsd: 0.0018,
          },
          {
            day: '2026-11-21',
            modelId: 'titan',
            inputTokens: 7,
            outputTokens: 0,
            costUsd: 0.000001,
          },
        ]);
      });

      it.each([
        [{ from: '2026-11-30', to: '2026-11-01' }],
        [{ from: 'yesterday', to: '2026-11-01' }],
        [{ from: '2024-01-01', to: '2026-01-01' }],
        [{ from: '2024-02-30', to: '2024-03-01' }],
      ])('rejects the range %j', async (range) => {
        await expect(
          new UsageRepository(db, newOwner(), nextId).summarize(range),
        ).rejects.toMatchObject({
          code: 'INVALID_DATE_RANGE',
        });
      });
    });

    describe('concurrency through the wire protocol', () => {
      it("keeps one client's open transaction away from another client's statements", async () => {
        const owner = newOwner();
        const first = new pg.Client({ connectionString: url });
        const second = new pg.Client({ connectionString: url });
        await first.connect();
        await second.connect();
        try {
          const id = nextId();
          await first.query('begin');
          await first.query(
            `insert into documents (id, owner_id, title, file_name, content_type, size_bytes, s3_key) values ($1, $2, 'tx', 'a', 'text/plain', 1, 'k')`,
            [id, owner],
          );
          // The other client's read must not see the uncommitted row, and must not land inside the
          // transaction: after the rollback the row is gone and the other client's own insert stays.
          const otherId = nextId();
          const concurrentRead = second.query(
            'select count(*)::int as n from documents where owner_id = $1',
            [owner],
          );
          const concurrentInsert = second.query(
            `insert into documents (id, owner_id, title, file_name, content_type, size_bytes, s3_key) values ($1, $2, 'other', 'a', 'text/plain', 1, 'k')`,
            [otherId, owner],
          );
          await new Promise((resolve) => setTimeout(resolve, 100));
          await first.query('rollback');
          expect((await concurrentRead).rows[0].n).toBe(0);
          await concurrentInsert;
          const rows = await second.query('select id from documents where owner_id = $1', [owner]);
          expect(rows.rows.map((row: { id: string }) => row.id)).toEqual([otherId]);
        } finally {
          await first.end();
          await second.end();
        }
      });

      it('lets others carry on when a client disconnects inside a failed transaction', async () => {
        const quitter = new pg.Client({ connectionString: url });
        await quitter.connect();
        await quitter.query('begin');
        await expect(quitter.query('select * from no_such_table')).rejects.toThrow();
        await quitter.end();
        const other = new pg.Client({ connectionString: url });
        await other.connect();
        try {
          expect((await other.query('select 42 as answer')).rows[0].answer).toBe(42);
        } finally {
          await other.end();
        }
      });

      it('keeps multi-packet messages of one client whole while another client sends small queries', async () => {
        // A 1 MB parameter spans many TCP reads; the local server must not let the other client's
        // Parse/Bind land between this client's protocol messages.
        const large = new pg.Pool({ connectionString: url, max: 2 });
        const small = new pg.Pool({ connectionString: url, max: 4 });
        const payload = 'x'.repeat(1_000_000);
        try {
          const results = await Promise.all([
            ...Array.from({ length: 8 }, (_, i) =>
              large
                .query('select length($1::text) as n, $2::int as i', [payload, i])
                .then((result) => result.rows[0].n === payload.length && result.rows[0].i === i),
            ),
            ...Array.from({ length: 200 }, (_, i) =>
              small
                .query('select $1::int + 1 as m', [i])
                .then((result) => result.rows[0].m === i + 1),
            ),
          ]);
          expect(results.every(Boolean)).toBe(true);
        } finally {
          await Promise.all([large.end(), small.end()]);
        }
      });

      it('answers hundreds of concurrent parameterised queries from several pools correctly', async () => {
        const pools = Array.from(
          { length: 3 },
          () => new pg.Pool({ connectionString: url, max: 4 }),
        );
        try {
          const results = await Promise.all(
            Array.from({ length: 300 }, (_, i) =>
              (pools[i % 3] as pg.Pool).query('select $1::int * 2 as doubled, $2::text as label', [
                i,
                `q${i}`,
              ]),
            ),
          );
          expect(
            results.every(
              (result, i) => result.rows[0].doubled === i * 2 && result.rows[0].label === `q${i}`,
            ),
          ).toBe(true);
        } finally {
          await Promise.all(pools.map((pool) => pool.end()));
        }
      });
    });
  },
);
