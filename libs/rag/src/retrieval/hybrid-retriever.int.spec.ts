import { join } from 'node:path';

import {
  createLocalEmbedder,
  findLocalEmbedderAssets,
  LOCAL_EMBEDDER_DIMENSIONS,
} from '@lgm/bedrock';
import { createIdGenerator } from '@lgm/core';
import { postgresTargets } from '@lgm/local-stack';
import {
  ChunkRepository,
  createDatabase,
  type Database,
  DocumentRepository,
  migrateDatabase,
} from '@lgm/persistence';
import { findWorkspaceRoot } from '@lgm/testing';

import { HybridRetriever } from './hybrid-retriever';

/**
 * The retriever over the real repositories and the local embedder, on PGlite and (when
 * TEST_DATABASE_URL is set) a real PostgreSQL with pgvector.
 */

const root = findWorkspaceRoot();
const migrationsFolder = join(root, 'libs/persistence/drizzle');
const embedder = createLocalEmbedder({ assetsDir: findLocalEmbedderAssets(root) });
const nextId = createIdGenerator();

describe.each(postgresTargets(process.env['TEST_DATABASE_URL']))(
  'HybridRetriever on $name',
  (target) => {
    let stop: () => Promise<void>;
    let db: Database;
    let close: () => Promise<void>;
    const ownerA = `owner-${nextId()}`;
    const ownerB = `owner-${nextId()}`;

    /** Stores a ready document with one chunk per passage, embedded by the local embedder. */
    async function addDocument(
      ownerId: string,
      title: string,
      passages: readonly string[],
    ): Promise<string> {
      const id = nextId();
      await new DocumentRepository(db, ownerId).create({
        id,
        title,
        fileName: 'guide.md',
        contentType: 'text/markdown',
        sizeBytes: 100,
        s3Key: `documents/${ownerId}/${id}/guide.md`,
      });
      const embeddings = await embedder.embed(passages, { purpose: 'document' });
      await new ChunkRepository(db, ownerId).replaceForDocument(
        id,
        passages.map((text, ordinal) => ({
          id: nextId(),
          ordinal,
          text,
          headingPath: [title, `Section ${ordinal + 1}`],
          pageStart: ordinal + 1,
          pageEnd: ordinal + 2,
          tokenCount: text.split(/\s+/u).length,
          embedding: embeddings[ordinal] ?? null,
        })),
      );
      await new DocumentRepository(db, ownerId).update(id, 1, { status: 'ready' });
      return id;
    }

    const retrieverFor = (ownerId: string) =>
      new HybridRetriever(
        { search: new ChunkRepository(db, ownerId), embedder },
        { k: 3, candidates: 5 },
      );

    beforeAll(async () => {
      const server = await target.start();
      stop = server.stop;
      let pool;
      ({ db, pool, close } = createDatabase({ url: server.url, maxConnections: 4 }));
      await migrateDatabase(pool, {
        migrationsFolder,
        embeddingDimensions: LOCAL_EMBEDDER_DIMENSIONS,
      });
      await addDocument(ownerA, 'Networking guide', [
        'Security groups act as virtual firewalls for instances in a virtual private cloud.',
        'Error ZQ-7731 means the regional quota for elastic addresses was exceeded.',
        'Route tables decide where subnet traffic is sent.',
      ]);
      await addDocument(ownerA, 'Fleet handbook', [
        'Mechanics fix cars and trucks in the garage every morning.',
        'Invoices are paid within thirty days of delivery.',
      ]);
      await addDocument(ownerA, '보안 안내', [
        '보안그룹은 인바운드 규칙을 허용합니다. 기본적으로 아웃바운드는 모두 열려 있습니다.',
        '로드밸런서는 여러 가용 영역에 트래픽을 분산합니다.',
      ]);
      await addDocument(ownerB, 'B 전용 문서', ['보안그룹 설정은 팀 B의 문서에만 있습니다.']);
    }, 60_000);

    afterAll(async () => {
      await close();
      await stop();
    });

    it('finds a lexical-only match (an error code) with its citation fields', async () => {
      const passages = await retrieverFor(ownerA).retrieve('ZQ-7731');

      expect(passages[0]).toMatchObject({
        documentTitle: 'Networking guide',
        headingPath: ['Networking guide', 'Section 2'],
        pageStart: 2,
        pageEnd: 3,
        snippet: 'Error ZQ-7731 means the regional quota for elastic addresses was exceeded.',
        ranks: { fullText: 1 },
      });
      expect(passages[0]?.fusedScore).toBeGreaterThan(0);
    });

    it('finds a semantic-only match that shares no word with the query', async () => {
      const passages = await retrieverFor(ownerA).retrieve('automobile repair');

      const hit = passages.find((passage) => passage.text.startsWith('Mechanics fix cars'));
      expect(hit).toBeDefined();
      expect(hit?.ranks.fullText).toBeUndefined();
      expect(hit?.ranks.vector).toBeGreaterThanOrEqual(1);
    });

    it.each(['보안그룹 인바운드', '보안그룹은', '보안그룹이 허용하는 규칙'])(
      'answers the Korean query %s whatever the particles',
      async (query) => {
        const passages = await retrieverFor(ownerA).retrieve(query);

        expect(passages[0]).toMatchObject({
          documentTitle: '보안 안내',
          snippet: '보안그룹은 인바운드 규칙을 허용합니다.',
          ranks: { fullText: 1 },
        });
      },
    );

    it('never shows owner B a passage of owner A', async () => {
      const aChunks = new Set(
        (await retrieverFor(ownerA).retrieve('보안그룹', { k: 10, candidates: 10 })).map(
          (passage) => passage.chunkId,
        ),
      );
      expect(aChunks.size).toBeGreaterThan(0);

      for (const query of ['보안그룹', 'security groups firewalls', 'ZQ-7731', 'automobile']) {
        const passages = await retrieverFor(ownerB).retrieve(query, { k: 10, candidates: 10 });
        expect(passages.every((passage) => passage.documentTitle === 'B 전용 문서')).toBe(true);
        expect(passages.some((passage) => aChunks.has(passage.chunkId))).toBe(false);
      }
    });
  },
);
