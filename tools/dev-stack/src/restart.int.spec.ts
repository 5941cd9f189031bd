import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { createIdGenerator, systemClock } from '@lgm/core';
import {
  createDatabase,
  createDynamoDbClients,
  createS3Client,
  DocumentRepository,
  S3BlobStore,
  SessionRepository,
} from '@lgm/persistence';

import { LOCAL_BUCKETS, LOCAL_TABLE_NAMES } from './local-stores';
import { randomPortBase, startDevStack } from './test-support/dev-stack-process';

/**
 * `npm start`, stopped and started again on the same data folder, still holds a document row, a
 * session and an object written before: written and read through the production clients.
 */

const dataDir = mkdtempSync(join(tmpdir(), 'lgm-restart-'));
const portBase = randomPortBase();
const env = { LGM_DATA_DIR: dataDir, LGM_PORT_BASE: String(portBase), LGM_WEB: 'false' };
const nextId = createIdGenerator();
const owner = `owner-${nextId()}`;
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

function clients() {
  const { db, close } = createDatabase({
    url: `postgres://postgres:postgres@127.0.0.1:${portBase + 10}/postgres`,
    maxConnections: 1,
  });
  const dynamo = createDynamoDbClients({
    region: 'us-east-1',
    endpoint: `http://127.0.0.1:${portBase + 11}`,
    credentials,
  });
  const s3 = createS3Client({
    region: 'us-east-1',
    endpoint: `http://127.0.0.1:${portBase + 12}`,
    credentials,
  });
  return {
    documents: new DocumentRepository(db, owner),
    sessions: new SessionRepository(
      {
        documents: dynamo.documents,
        tableName: LOCAL_TABLE_NAMES.sessions,
        clock: systemClock,
        nextId,
      },
      owner,
    ),
    blobs: new S3BlobStore({ s3, bucket: LOCAL_BUCKETS.documents }).forOwner(owner, 'documents'),
    async close() {
      await close();
      dynamo.client.destroy();
      s3.destroy();
    },
  };
}

afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

it('keeps documents, sessions and objects across a restart', async () => {
  const documentId = nextId();
  const first = await startDevStack(env);
  let sessionId: string;
  try {
    const stores = clients();
    await stores.documents.create({
      id: documentId,
      title: '운영 매뉴얼',
      fileName: 'manual.pdf',
      contentType: 'application/pdf',
      sizeBytes: 11,
      s3Key: `documents/${owner}/${documentId}/manual.pdf`,
    });
    sessionId = (
      await stores.sessions.createSession({ model: 'local-extractive', title: 'Before restart' })
    ).id;
    await stores.blobs.put({ id: documentId, fileName: 'manual.pdf' }, 'hello world', {
      contentType: 'application/pdf',
    });
    // doc-ingestor picks the upload up (the bytes are text whatever the name says); let it
    // finish so what is kept across the restart is a settled document.
    const deadline = Date.now() + 30_000;
    while ((await stores.documents.get(documentId)).status !== 'ready') {
      if (Date.now() > deadline) throw new Error('the document was not ingested in time');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    await stores.close();
  } finally {
    expect(await first.stop()).toBe(0);
  }

  const second = await startDevStack(env);
  try {
    const stores = clients();
    expect(await stores.documents.get(documentId)).toMatchObject({
      title: '운영 매뉴얼',
      status: 'ready',
    });
    expect(await stores.sessions.getSession(sessionId)).toMatchObject({ title: 'Before restart' });
    const object = await stores.blobs.getBytes({ id: documentId, fileName: 'manual.pdf' });
    expect(Buffer.from(object.bytes).toString()).toBe('hello world');
    await stores.close();
  } finally {
    expect(await second.stop()).toBe(0);
  }
}, 180_000);
