import {
  createDocumentResponseSchema,
  documentPageSchema,
  documentSchema,
  errorBodySchema,
  messagePageSchema,
  postMessageResponseSchema,
  searchResponseSchema,
  sessionPageSchema,
  sessionSchema,
  toolsResponseSchema,
  turnEventsResponseSchema,
  usageResponseSchema,
} from '@lgm/contracts';
import { createIdGenerator } from '@lgm/core';
import { postgresTargets } from '@lgm/local-stack';
import {
  ArtifactRepository,
  ChunkRepository,
  decodeEventObjectKey,
  DocumentRepository,
  encodeCursor,
  McpToolsRepository,
  S3BlobStore,
  UsageRepository,
} from '@lgm/persistence';
import { type BedrockEmulator, bedrockScripts, startBedrockEmulator } from '@lgm/testing';
import type { InjectOptions } from 'fastify';

import { startTestStores, type TestStores } from './test/local-stores';
import { buildTestApp, type TestApp } from './test/test-app';

/**
 * chat-api through `inject` with real tokens, over real stores (PGlite or PostgreSQL, the local
 * DynamoDB and S3) and the real turn engine with the extractive model. Each test works as its own
 * users, so data never leaks between tests.
 */

const nextId = createIdGenerator();
const newUser = (label: string) => `${label}-${nextId()}`;

describe.each(postgresTargets(process.env['TEST_DATABASE_URL']))('chat-api on $name', (target) => {
  let stores: TestStores;
  let api: TestApp;

  beforeAll(async () => {
    stores = await startTestStores(target);
    api = buildTestApp(stores);
  }, 90_000);

  afterAll(async () => {
    await api?.app.close();
    await stores?.stop();
  });

  async function call(user: string | undefined, options: InjectOptions) {
    const headers = { ...options.headers, ...(user === undefined ? {} : await api.auth(user)) };
    return api.app.inject({ ...options, headers });
  }

  async function createSession(user: string, body?: object) {
    // Without a body at all, as a client that names nothing may send it.
    const response = await call(user, {
      method: 'POST',
      url: '/sessions',
      ...(body === undefined ? {} : { payload: body }),
    });
    expect(response.statusCode).toBe(201);
    return sessionSchema.parse(response.json());
  }

  async function sendMessage(
    user: string,
    sessionId: string,
    content: string,
    clientMessageId: string,
  ) {
    return call(user, {
      method: 'POST',
      url: `/sessions/${sessionId}/messages`,
      payload: { content, clientMessageId },
    });
  }

  /** A ready document with one chunk per passage, as ingestion leaves it. */
  async function readyDocument(owner: string, title: string, passages: readonly string[]) {
    const id = nextId();
    const documents = new DocumentRepository(stores.db, owner);
    const created = await documents.create({
      id,
      title,
      fileName: 'guide.md',
      contentType: 'text/markdown',
      sizeBytes: 100,
      s3Key: `documents/${owner}/${id}/guide.md`,
    });
    const embeddings = await stores.embedder.embed(passages, { purpose: 'document' });
    await new ChunkRepository(stores.db, owner).replaceForDocument(
      id,
      passages.map((text, ordinal) => ({
        id: nextId(),
        ordinal,
        text,
        headingPath: [title, `Part ${ordinal + 1}`],
        pageStart: ordinal + 1,
        pageEnd: ordinal + 1,
        tokenCount: text.split(' ').length,
        embedding: embeddings[ordinal] ?? null,
      })),
    );
    await documents.update(id, created.version, { status: 'ready', progress: 100 });
    return id;
  }

  describe('sessions', () => {
    it('creates, reads, lists page by page, renames with a version, and deletes', async () => {
      const user = newUser('alice');
      const first = await createSession(user);
      expect(first).toMatchObject({ title: 'New chat', model: 'extractive-v1', version: 1 });
      const second = await createSession(user, { title: 'Trip planning' });

      const read = await call(user, { method: 'GET', url: `/sessions/${second.id}` });
      expect(sessionSchema.parse(read.json())).toEqual(second);

      const page1 = sessionPageSchema.parse(
        (await call(user, { method: 'GET', url: '/sessions?limit=1' })).json(),
      );
      expect(page1.items).toHaveLength(1);
      expect(page1.nextCursor).toBeDefined();
      const page2 = sessionPageSchema.parse(
        (
          await call(user, {
            method: 'GET',
            url: `/sessions?limit=1&cursor=${page1.nextCursor}`,
          })
        ).json(),
      );
      expect([...page1.items, ...page2.items].map((s) => s.id).sort()).toEqual(
        [first.id, second.id].sort(),
      );

      const renamed = await call(user, {
        method: 'PATCH',
        url: `/sessions/${first.id}`,
        payload: { title: 'Renamed', expectedVersion: 1 },
      });
      expect(renamed.statusCode).toBe(200);
      expect(sessionSchema.parse(renamed.json())).toMatchObject({ title: 'Renamed', version: 2 });

      const stale = await call(user, {
        method: 'PATCH',
        url: `/sessions/${first.id}`,
        payload: { title: 'Lost update', expectedVersion: 1 },
      });
      expect(stale.statusCode).toBe(409);
      expect(stale.json()).toMatchObject({
        error: { code: 'SESSION_VERSION_CONFLICT', details: { currentVersion: 2 } },
      });

      const removed = await call(user, { method: 'DELETE', url: `/sessions/${first.id}` });
      expect(removed.statusCode).toBe(204);
      const gone = await call(user, { method: 'GET', url: `/sessions/${first.id}` });
      expect(gone.statusCode).toBe(404);
      expect(gone.json()).toMatchObject({ error: { code: 'SESSION_NOT_FOUND' } });
    });

    it('refuses a model the provider cannot run', async () => {
      const response = await call(newUser('alice'), {
        method: 'POST',
        url: '/sessions',
        payload: { model: 'claude-sonnet-4-5' },
      });
      expect(response.statusCode).toBe(400);
      expect(response.json()).toMatchObject({ error: { code: 'UNKNOWN_MODEL' } });
    });

    it('lists the models the configured provider runs, and the default', async () => {
      const response = await call(newUser('alice'), { method: 'GET', url: '/models' });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toMatchObject({
        provider: 'extractive',
        defaultModel: 'extractive-v1',
        models: [{ id: 'extractive-v1' }],
      });
    });
  });

  describe('messages and turns', () => {
    it('answers a message without streaming, stores both, and replays the turn', async () => {
      const user = newUser('alice');
      const session = await createSession(user);

      const response = await sendMessage(user, session.id, 'What is in my handbook?', 'c-1');
      expect(response.statusCode).toBe(201);
      const answer = postMessageResponseSchema.parse(response.json());
      expect(answer).toMatchObject({
        sessionId: session.id,
        status: 'complete',
        duplicate: false,
        message: { role: 'assistant', status: 'complete', turnId: answer.turnId },
      });
      expect(answer.message.text.length).toBeGreaterThan(0);

      const messages = messagePageSchema.parse(
        (await call(user, { method: 'GET', url: `/sessions/${session.id}/messages` })).json(),
      );
      expect(messages.items.map((m) => [m.role, m.id])).toEqual([
        ['user', answer.userMessageId],
        ['assistant', answer.message.id],
      ]);
      expect(messages.items[0]).toMatchObject({
        text: 'What is in my handbook?',
        clientMessageId: 'c-1',
      });

      const events = turnEventsResponseSchema.parse(
        (await call(user, { method: 'GET', url: `/turns/${answer.turnId}/events` })).json(),
      );
      expect(events).toMatchObject({ turnId: answer.turnId, sessionId: session.id, ended: true });
      expect(events.events[0]?.type).toBe('turn.started');
      expect(events.events.at(-1)).toMatchObject({
        type: 'turn.completed',
        data: { messageId: answer.message.id, status: 'complete' },
      });
      expect(events.events.map((event) => event.seq)).toEqual(events.events.map((_, i) => i));
      const lastSeq = events.events.at(-1)?.seq ?? 0;
      const tail = turnEventsResponseSchema.parse(
        (
          await call(user, {
            method: 'GET',
            url: `/turns/${answer.turnId}/events?afterSeq=${lastSeq - 1}`,
          })
        ).json(),
      );
      expect(tail.events.map((event) => event.type)).toEqual(['turn.completed']);
    });

    it('answers a repeated clientMessageId with the first answer (200) and runs nothing new', async () => {
      const user = newUser('alice');
      const session = await createSession(user);
      const first = postMessageResponseSchema.parse(
        (await sendMessage(user, session.id, 'Hello there', 'retry-1')).json(),
      );

      const again = await sendMessage(user, session.id, 'Hello there', 'retry-1');
      expect(again.statusCode).toBe(200);
      expect(postMessageResponseSchema.parse(again.json())).toMatchObject({
        turnId: first.turnId,
        userMessageId: first.userMessageId,
        duplicate: true,
        message: { id: first.message.id },
      });
      const messages = messagePageSchema.parse(
        (await call(user, { method: 'GET', url: `/sessions/${session.id}/messages` })).json(),
      );
      expect(messages.items).toHaveLength(2);
    });

    it('answers from the user’s documents with citations', async () => {
      const user = newUser('alice');
      await readyDocument(user, 'Lighthouse handbook', [
        'The lighthouse keeper polishes the brass lens every evening before dusk.',
      ]);
      const session = await createSession(user);
      const answer = postMessageResponseSchema.parse(
        (await sendMessage(user, session.id, 'Who polishes the brass lens?', 'kb-1')).json(),
      );
      expect(answer.message.citations.length).toBeGreaterThan(0);
      expect(answer.message.citations[0]).toMatchObject({ title: 'Lighthouse handbook' });
    });

    it('accepts a cancel of a finished turn without changing it', async () => {
      const user = newUser('alice');
      const session = await createSession(user);
      const answer = postMessageResponseSchema.parse(
        (await sendMessage(user, session.id, 'Hi', 'cancel-1')).json(),
      );
      const cancel = await call(user, { method: 'POST', url: `/turns/${answer.turnId}/cancel` });
      expect(cancel.statusCode).toBe(202);
      const events = turnEventsResponseSchema.parse(
        (await call(user, { method: 'GET', url: `/turns/${answer.turnId}/events` })).json(),
      );
      expect(events.events.at(-1)).toMatchObject({
        type: 'turn.completed',
        data: { status: 'complete' },
      });
    });
  });

  describe('with Amazon Bedrock (the wire emulator)', () => {
    let bedrock: BedrockEmulator;
    let withBedrock: TestApp;

    beforeAll(async () => {
      bedrock = await startBedrockEmulator();
      withBedrock = buildTestApp(stores, {
        env: {
          LLM_PROVIDER: 'bedrock',
          BEDROCK_REGION: 'us-east-1',
          BEDROCK_ENDPOINT: bedrock.endpoint,
        },
      });
    });
    afterAll(async () => {
      await withBedrock.app.close();
      await bedrock.close();
    });
    beforeEach(() => bedrock.reset());

    async function post(user: string, options: InjectOptions) {
      return withBedrock.app.inject({
        ...options,
        headers: { ...options.headers, ...(await withBedrock.auth(user)) },
      });
    }

    async function newSession(user: string) {
      return sessionSchema.parse((await post(user, { method: 'POST', url: '/sessions' })).json());
    }

    it('answers through Converse and stores the answer with its usage', async () => {
      const user = newUser('alice');
      const session = await newSession(user);
      expect(session.model).toBe('claude-haiku-4-5');
      bedrock.enqueue(
        bedrockScripts.text('High tide comes twice a day.', {
          usage: { inputTokens: 42, outputTokens: 7 },
        }),
      );
      const response = await post(user, {
        method: 'POST',
        url: `/sessions/${session.id}/messages`,
        payload: { content: 'How often is high tide?', clientMessageId: 'b-1' },
      });
      expect(response.statusCode).toBe(201);
      const answer = postMessageResponseSchema.parse(response.json());
      expect(answer.message).toMatchObject({
        text: 'High tide comes twice a day.',
        status: 'complete',
        usage: { inputTokens: 42, outputTokens: 7 },
      });
      expect(bedrock.requests[0]?.operation).toBe('converse-stream');
      const models = (await post(user, { method: 'GET', url: '/models' })).json() as {
        provider: string;
        models: { id: string }[];
      };
      expect(models.provider).toBe('bedrock');
      expect(models.models.map((model) => model.id)).toContain('claude-sonnet-4-5');
    });

    it('stops a running turn on POST /turns/:turnId/cancel and answers its partial reply', async () => {
      const user = newUser('alice');
      const session = await newSession(user);
      const words = Array.from({ length: 60 }, (_, i) => `word${i}`).join(' ');
      bedrock.enqueue(bedrockScripts.text(words, { tokenDelayMs: 40 }));
      const pending = post(user, {
        method: 'POST',
        url: `/sessions/${session.id}/messages`,
        payload: { content: 'Say many words', clientMessageId: 'slow-1' },
      });

      // The turn id is on the stored user message; wait until some of the answer is stored too.
      const turnId = await poll(async () => {
        const page = messagePageSchema.parse(
          (await post(user, { method: 'GET', url: `/sessions/${session.id}/messages` })).json(),
        );
        return page.items[0]?.turnId;
      });
      await poll(async () => {
        const replay = turnEventsResponseSchema.parse(
          (await post(user, { method: 'GET', url: `/turns/${turnId}/events` })).json(),
        );
        return replay.events.some((event) => event.type === 'text.delta') ? true : undefined;
      });
      const cancel = await post(user, { method: 'POST', url: `/turns/${turnId}/cancel` });
      expect(cancel.statusCode).toBe(202);
      expect(cancel.json()).toEqual({ turnId, status: 'cancelling' });

      const response = await pending;
      expect(response.statusCode).toBe(201);
      const answer = postMessageResponseSchema.parse(response.json());
      expect(answer).toMatchObject({
        turnId,
        status: 'cancelled',
        message: { status: 'cancelled' },
      });
      expect(answer.message.text.length).toBeGreaterThan(0);
      expect(answer.message.text.length).toBeLessThan(words.length);
    }, 20_000);

    it.each([
      ['access denied', () => bedrockScripts.accessDenied(), 502, 'MODEL_ACCESS_DENIED'],
      [
        'throttling that outlasts the retries',
        () => bedrockScripts.throttle(4),
        503,
        'MODEL_THROTTLED',
      ],
    ])(
      'answers a model failure (%s) with its code and keeps the user message',
      async (_what, script, status, code) => {
        const user = newUser('alice');
        const session = await newSession(user);
        bedrock.enqueue(script());
        const response = await post(user, {
          method: 'POST',
          url: `/sessions/${session.id}/messages`,
          payload: { content: 'Will you answer?', clientMessageId: 'f-1' },
        });
        expect(response.statusCode).toBe(status);
        expect(errorBodySchema.parse(response.json()).error.code).toBe(code);
        const messages = messagePageSchema.parse(
          (await post(user, { method: 'GET', url: `/sessions/${session.id}/messages` })).json(),
        );
        expect(messages.items[0]).toMatchObject({ role: 'user', text: 'Will you answer?' });
      },
      20_000,
    );
  });

  describe('documents', () => {
    it('creates a pending document whose presigned PUT lands under the owner’s prefix', async () => {
      const user = newUser('alice');
      const bytes = new TextEncoder().encode('# Tides\n\nHigh tide comes twice a day.\n');
      const response = await call(user, {
        method: 'POST',
        url: '/documents',
        payload: {
          fileName: 'C:\\fakepath\\tides.md',
          contentType: 'text/markdown',
          sizeBytes: bytes.length,
          title: 'Tide notes',
        },
      });
      expect(response.statusCode).toBe(201);
      const created = createDocumentResponseSchema.parse(response.json());
      expect(created.document).toMatchObject({
        title: 'Tide notes',
        fileName: 'tides.md',
        status: 'pending',
        progress: 0,
        error: null,
      });

      // The wrong number of bytes is refused by S3: the size is signed.
      const wrongSize = await fetch(created.upload.url, {
        method: 'PUT',
        headers: created.upload.headers,
        body: new Uint8Array([...bytes, 0x20]),
      });
      expect(wrongSize.ok).toBe(false);

      const put = await fetch(created.upload.url, {
        method: 'PUT',
        headers: created.upload.headers,
        body: bytes,
      });
      expect(put.status).toBe(200);
      const key = `documents/${user}/${created.document.id}/tides.md`;
      expect(
        stores.s3Events.some(
          (record) =>
            record.eventName.startsWith('ObjectCreated:') &&
            decodeEventObjectKey(record.s3.object.key) === key,
        ),
      ).toBe(true);
      const blobs = new S3BlobStore({ s3: stores.s3, bucket: stores.buckets.documents });
      const stored = await blobs
        .forOwner(user, 'documents')
        .getBytes({ id: created.document.id, fileName: 'tides.md' });
      expect(new TextDecoder().decode(stored.bytes)).toContain('High tide');

      const read = await call(user, { method: 'GET', url: `/documents/${created.document.id}` });
      expect(documentSchema.parse(read.json())).toEqual(created.document);
      const listed = documentPageSchema.parse(
        (await call(user, { method: 'GET', url: '/documents?status=pending' })).json(),
      );
      expect(listed.items.map((d) => d.id)).toEqual([created.document.id]);
      const none = documentPageSchema.parse(
        (await call(user, { method: 'GET', url: '/documents?status=ready' })).json(),
      );
      expect(none.items).toEqual([]);
    });

    it('refuses uploads above the size limit (413) and of unsupported types (415)', async () => {
      const user = newUser('alice');
      const tooLarge = await call(user, {
        method: 'POST',
        url: '/documents',
        payload: {
          fileName: 'big.pdf',
          contentType: 'application/pdf',
          sizeBytes: 2 * 1024 * 1024,
        },
      });
      expect(tooLarge.statusCode).toBe(413);
      expect(tooLarge.json()).toMatchObject({
        error: { code: 'UPLOAD_TOO_LARGE', details: { maxBytes: 1024 * 1024 } },
      });
      const wrongType = await call(user, {
        method: 'POST',
        url: '/documents',
        payload: { fileName: 'run.exe', contentType: 'application/x-msdownload', sizeBytes: 10 },
      });
      expect(wrongType.statusCode).toBe(415);
      expect(wrongType.json()).toMatchObject({ error: { code: 'UNSUPPORTED_DOCUMENT_TYPE' } });
      const listed = documentPageSchema.parse(
        (await call(user, { method: 'GET', url: '/documents' })).json(),
      );
      expect(listed.items).toEqual([]);
    });

    it('reindexes by raising a new object event, and deletes file, row and passages', async () => {
      const user = newUser('alice');
      const bytes = new TextEncoder().encode('The ferry leaves at nine.');
      const created = createDocumentResponseSchema.parse(
        (
          await call(user, {
            method: 'POST',
            url: '/documents',
            payload: { fileName: 'ferry.txt', contentType: 'text/plain', sizeBytes: bytes.length },
          })
        ).json(),
      );
      const id = created.document.id;
      const key = `documents/${user}/${id}/ferry.txt`;
      const eventsFor = (name: string) =>
        stores.s3Events.filter(
          (record) =>
            record.eventName === name && decodeEventObjectKey(record.s3.object.key) === key,
        );

      const notUploaded = await call(user, { method: 'POST', url: `/documents/${id}/reindex` });
      expect(notUploaded.statusCode).toBe(409);
      expect(notUploaded.json()).toMatchObject({ error: { code: 'DOCUMENT_NOT_UPLOADED' } });

      await fetch(created.upload.url, {
        method: 'PUT',
        headers: created.upload.headers,
        body: bytes,
      });
      const reindex = await call(user, { method: 'POST', url: `/documents/${id}/reindex` });
      expect(reindex.statusCode).toBe(202);
      expect(reindex.json()).toMatchObject({ document: { id } });
      // The local S3 delivers events on its own schedule (a copy's eTag is looked up first).
      const copies = await eventually(() => eventsFor('ObjectCreated:Copy'));
      expect(copies).toHaveLength(1);
      const put = eventsFor('ObjectCreated:Put')[0];
      // A newer event of the same object: doc-ingestor applies it rather than skip a duplicate.
      const sequencer = (value: string | undefined) =>
        (value ?? '').toUpperCase().padStart(32, '0');
      expect(sequencer(copies[0]?.s3.object.sequencer) > sequencer(put?.s3.object.sequencer)).toBe(
        true,
      );
      const blobs = new S3BlobStore({ s3: stores.s3, bucket: stores.buckets.documents });
      const head = await blobs.forOwner(user, 'documents').head({ id, fileName: 'ferry.txt' });
      expect(head.contentType).toBe('text/plain');

      const removed = await call(user, { method: 'DELETE', url: `/documents/${id}` });
      expect(removed.statusCode).toBe(204);
      expect(await eventually(() => eventsFor('ObjectRemoved:Delete'))).toHaveLength(1);
      expect((await call(user, { method: 'GET', url: `/documents/${id}` })).statusCode).toBe(404);
    });

    it('takes a deleted document out of search at once', async () => {
      const user = newUser('alice');
      const id = await readyDocument(user, 'Orchard', ['Quinces turn golden in October.']);
      const before = searchResponseSchema.parse(
        (
          await call(user, { method: 'POST', url: '/search', payload: { query: 'quinces golden' } })
        ).json(),
      );
      expect(before.passages.map((p) => p.documentId)).toContain(id);
      expect((await call(user, { method: 'DELETE', url: `/documents/${id}` })).statusCode).toBe(
        204,
      );
      const after = searchResponseSchema.parse(
        (
          await call(user, { method: 'POST', url: '/search', payload: { query: 'quinces golden' } })
        ).json(),
      );
      expect(after.passages).toEqual([]);
    });
  });

  describe('search', () => {
    it('finds passages with document, title, page, heading, snippet and score', async () => {
      const user = newUser('alice');
      const id = await readyDocument(user, 'Harbour guide', [
        'Ferries to the island leave every hour from pier four.',
        'The harbour museum keeps an old brass diving helmet.',
      ]);
      const response = await call(user, {
        method: 'POST',
        url: '/search',
        payload: { query: 'brass diving helmet museum', k: 2 },
      });
      expect(response.statusCode).toBe(200);
      const { passages } = searchResponseSchema.parse(response.json());
      expect(passages[0]).toMatchObject({
        documentId: id,
        title: 'Harbour guide',
        pageStart: 2,
        headingPath: ['Harbour guide', 'Part 2'],
      });
      expect(passages[0]?.snippet).toContain('diving helmet');
      expect(passages[0]?.score).toBeGreaterThan(0);
    });
  });

  describe('artifacts', () => {
    it('lists artifacts and hands out a short-lived attachment download', async () => {
      const user = newUser('alice');
      const id = nextId();
      const blobs = new S3BlobStore({ s3: stores.s3, bucket: stores.buckets.artifacts });
      await blobs.forOwner(user, 'artifacts').put({ id, fileName: 'chart.csv' }, 'x,y\n1,2\n', {
        contentType: 'text/csv',
      });
      await new ArtifactRepository(stores.db, user).create({
        id,
        name: 'chart.csv',
        contentType: 'text/csv',
        sizeBytes: 8,
        s3Key: `artifacts/${user}/${id}/chart.csv`,
      });

      const listed = await call(user, { method: 'GET', url: '/artifacts' });
      expect(listed.statusCode).toBe(200);
      expect(listed.json()).toMatchObject({ items: [{ id, name: 'chart.csv', sizeBytes: 8 }] });

      const download = await call(user, { method: 'GET', url: `/artifacts/${id}/download` });
      expect(download.statusCode).toBe(200);
      const { url, expiresAt } = download.json() as { url: string; expiresAt: string };
      expect(Date.parse(expiresAt) - Date.now()).toBeLessThanOrEqual(60_000);
      const file = await fetch(url);
      expect(file.status).toBe(200);
      expect(await file.text()).toBe('x,y\n1,2\n');
      expect(file.headers.get('content-disposition')).toContain('attachment');
    });
  });

  describe('tools', () => {
    it('registers, lists (with cached tools) and unregisters MCP servers by name', async () => {
      const user = newUser('alice');
      const registered = await call(user, {
        method: 'POST',
        url: '/tools/servers',
        payload: { name: 'weather', url: 'https://mcp.example.com/mcp' },
      });
      expect(registered.statusCode).toBe(201);
      expect(registered.json()).toMatchObject({
        name: 'weather',
        url: 'https://mcp.example.com/mcp',
        tools: null,
      });
      const serverId = (registered.json() as { id: string }).id;
      await new McpToolsRepository(
        {
          documents: stores.dynamo.documents,
          tableName: stores.tableNames['mcp-tools'],
          clock: { now: () => new Date() },
          nextId,
        },
        user,
      ).putToolListing(serverId, [{ name: 'forecast', description: 'Tomorrow’s weather' }], 300);

      const listed = toolsResponseSchema.parse(
        (await call(user, { method: 'GET', url: '/tools' })).json(),
      );
      expect(listed.servers).toEqual([
        expect.objectContaining({
          name: 'weather',
          tools: [{ name: 'forecast', description: 'Tomorrow’s weather' }],
        }),
      ]);

      for (const payload of [
        { name: 'Weather', url: 'https://tools.example.org/mcp' },
        { name: 'other', url: 'https://mcp.example.com/mcp' },
      ]) {
        const duplicate = await call(user, { method: 'POST', url: '/tools/servers', payload });
        expect(duplicate.statusCode).toBe(409);
        expect(duplicate.json()).toMatchObject({ error: { code: 'MCP_SERVER_EXISTS' } });
      }

      expect(
        (await call(user, { method: 'DELETE', url: '/tools/servers/weather' })).statusCode,
      ).toBe(204);
      const again = await call(user, { method: 'DELETE', url: '/tools/servers/weather' });
      expect(again.statusCode).toBe(404);
      expect(again.json()).toMatchObject({ error: { code: 'MCP_SERVER_NOT_FOUND' } });
    });

    it.each([
      ['plain http', 'http://mcp.example.com/mcp', 'INVALID_MCP_SERVER_URL'],
      ['a private address', 'https://10.1.2.3/mcp', 'MCP_SERVER_URL_NOT_ALLOWED'],
      [
        'a name resolving to a private address',
        'https://intranet.example.com/mcp',
        'MCP_SERVER_URL_NOT_ALLOWED',
      ],
      ['the metadata endpoint', 'https://169.254.169.254/latest', 'MCP_SERVER_URL_NOT_ALLOWED'],
      ['credentials in the URL', 'https://user:pw@mcp.example.com/mcp', 'INVALID_MCP_SERVER_URL'],
      ['not a URL', 'mcp server', 'INVALID_MCP_SERVER_URL'],
    ])('refuses %s as an MCP server URL', async (_what, url, code) => {
      const response = await call(newUser('alice'), {
        method: 'POST',
        url: '/tools/servers',
        payload: { name: 'x', url },
      });
      expect(response.statusCode).toBe(400);
      expect(response.json()).toMatchObject({ error: { code } });
    });
  });

  describe('usage', () => {
    it('sums tokens and dollars by day and model', async () => {
      const user = newUser('alice');
      const usage = new UsageRepository(stores.db, user, nextId);
      const record = (day: string, modelId: string, input: number, cost: number) =>
        usage.record({
          turnId: nextId(),
          modelId,
          at: new Date(`${day}T12:00:00Z`),
          inputTokens: input,
          outputTokens: 10,
          costUsd: cost,
        });
      await record('2026-11-01', 'claude-haiku-4-5', 100, 0.25);
      await record('2026-11-01', 'claude-haiku-4-5', 50, 0.125);
      await record('2026-11-02', 'claude-sonnet-4-5', 10, 1);
      await new UsageRepository(stores.db, newUser('bob'), nextId).record({
        turnId: nextId(),
        modelId: 'claude-haiku-4-5',
        at: new Date('2026-11-01T12:00:00Z'),
        inputTokens: 999,
        outputTokens: 999,
        costUsd: 9,
      });

      const response = await call(user, {
        method: 'GET',
        url: '/usage?from=2026-11-01&to=2026-11-30',
      });
      expect(response.statusCode).toBe(200);
      expect(usageResponseSchema.parse(response.json())).toEqual({
        from: '2026-11-01',
        to: '2026-11-30',
        rows: [
          {
            day: '2026-11-01',
            modelId: 'claude-haiku-4-5',
            inputTokens: 150,
            outputTokens: 20,
            costUsd: 0.375,
          },
          {
            day: '2026-11-02',
            modelId: 'claude-sonnet-4-5',
            inputTokens: 10,
            outputTokens: 10,
            costUsd: 1,
          },
        ],
        totals: { inputTokens: 160, outputTokens: 30, costUsd: 1.375 },
      });
    });

    it('refuses a reversed or too long range', async () => {
      for (const url of [
        '/usage?from=2026-11-02&to=2026-11-01',
        '/usage?from=2024-01-01&to=2026-01-01',
      ]) {
        const response = await call(newUser('alice'), { method: 'GET', url });
        expect(response.statusCode).toBe(400);
        expect(response.json()).toMatchObject({ error: { code: 'INVALID_DATE_RANGE' } });
      }
    });
  });

  describe('another user’s things', () => {
    it('are 404 for every route that names them, and stay untouched', async () => {
      const alice = newUser('alice');
      const bob = newUser('bob');
      const session = await createSession(alice, { title: 'Private' });
      const answer = postMessageResponseSchema.parse(
        (await sendMessage(alice, session.id, 'Secret question', 'a-1')).json(),
      );
      const documentId = await readyDocument(alice, 'Alice’s diary', [
        'Alice hides the key under the mat.',
      ]);
      const artifactId = nextId();
      await new ArtifactRepository(stores.db, alice).create({
        id: artifactId,
        name: 'secret.txt',
        contentType: 'text/plain',
        sizeBytes: 1,
        s3Key: `artifacts/${alice}/${artifactId}/secret.txt`,
      });

      const attempts: [InjectOptions, string][] = [
        [{ method: 'GET', url: `/sessions/${session.id}` }, 'SESSION_NOT_FOUND'],
        [
          {
            method: 'PATCH',
            url: `/sessions/${session.id}`,
            payload: { title: 'Mine', expectedVersion: 1 },
          },
          'SESSION_NOT_FOUND',
        ],
        [{ method: 'DELETE', url: `/sessions/${session.id}` }, 'SESSION_NOT_FOUND'],
        [{ method: 'GET', url: `/sessions/${session.id}/messages` }, 'SESSION_NOT_FOUND'],
        [
          {
            method: 'POST',
            url: `/sessions/${session.id}/messages`,
            payload: { content: 'Hi', clientMessageId: 'b-1' },
          },
          'SESSION_NOT_FOUND',
        ],
        [{ method: 'GET', url: `/turns/${answer.turnId}/events` }, 'TURN_NOT_FOUND'],
        [{ method: 'POST', url: `/turns/${answer.turnId}/cancel` }, 'TURN_NOT_FOUND'],
        [{ method: 'GET', url: `/documents/${documentId}` }, 'DOCUMENT_NOT_FOUND'],
        [{ method: 'DELETE', url: `/documents/${documentId}` }, 'DOCUMENT_NOT_FOUND'],
        [{ method: 'POST', url: `/documents/${documentId}/reindex` }, 'DOCUMENT_NOT_FOUND'],
        [{ method: 'GET', url: `/artifacts/${artifactId}/download` }, 'ARTIFACT_NOT_FOUND'],
      ];
      for (const [request, code] of attempts) {
        const response = await call(bob, request);
        expect({
          request: `${request.method} ${request.url}`,
          status: response.statusCode,
          code: response.json().error?.code,
        }).toEqual({
          request: `${request.method} ${request.url}`,
          status: 404,
          code,
        });
      }

      // Bob's lists and searches show nothing of Alice's.
      for (const url of ['/sessions', '/documents', '/artifacts']) {
        expect((await call(bob, { method: 'GET', url })).json()).toMatchObject({ items: [] });
      }
      const search = await call(bob, {
        method: 'POST',
        url: '/search',
        payload: { query: 'key under the mat' },
      });
      expect(searchResponseSchema.parse(search.json()).passages).toEqual([]);
      // A cursor from Alice's list does not open Bob's.
      await createSession(alice);
      const alicePage = sessionPageSchema.parse(
        (await call(alice, { method: 'GET', url: '/sessions?limit=1' })).json(),
      );
      const forged = await call(bob, {
        method: 'GET',
        url: `/sessions?cursor=${alicePage.nextCursor}`,
      });
      expect(forged.statusCode).toBe(400);
      expect(forged.json()).toMatchObject({ error: { code: 'INVALID_CURSOR' } });

      // Alice's things are untouched.
      expect(
        sessionSchema.parse(
          (await call(alice, { method: 'GET', url: `/sessions/${session.id}` })).json(),
        ),
      ).toMatchObject({ title: 'Private', version: 1 });
      expect(
        (await call(alice, { method: 'GET', url: `/documents/${documentId}` })).statusCode,
      ).toBe(200);
      expect(
        messagePageSchema.parse(
          (await call(alice, { method: 'GET', url: `/sessions/${session.id}/messages` })).json(),
        ).items,
      ).toHaveLength(2);
    });
  });

  describe('malformed requests', () => {
    it('are refused by every route with a 4xx and a code, never a 5xx', async () => {
      const user = newUser('mallory');
      const session = await createSession(user);
      const ulid = nextId();
      const sessionsCursor = encodeCursor({ pk: 'SESSION#x', sk: 'META' });
      const junkCursor = encodeCursor({ hello: 'world' });
      const huge = 'x'.repeat(300 * 1024);
      const jsonBody = (payload: string) => ({
        payload,
        headers: { 'content-type': 'application/json' },
      });

      const routes: {
        method: InjectOptions['method'];
        url: string;
        list?: boolean;
        body?: object;
        /** The body may be left out (JSON null counts as left out). */
        optionalBody?: boolean;
      }[] = [
        { method: 'POST', url: '/sessions', body: { title: 'ok' }, optionalBody: true },
        { method: 'GET', url: '/sessions', list: true },
        { method: 'GET', url: `/sessions/${session.id}` },
        {
          method: 'PATCH',
          url: `/sessions/${session.id}`,
          body: { title: 'ok', expectedVersion: 1 },
        },
        { method: 'DELETE', url: `/sessions/${ulid}` },
        { method: 'GET', url: `/sessions/${session.id}/messages`, list: true },
        {
          method: 'POST',
          url: `/sessions/${session.id}/messages`,
          body: { content: 'hi', clientMessageId: 'm-1' },
        },
        { method: 'GET', url: `/turns/${ulid}/events` },
        { method: 'POST', url: `/turns/${ulid}/cancel` },
        {
          method: 'POST',
          url: '/documents',
          body: { fileName: 'a.txt', contentType: 'text/plain', sizeBytes: 3 },
        },
        { method: 'GET', url: '/documents', list: true },
        { method: 'GET', url: `/documents/${ulid}` },
        { method: 'DELETE', url: `/documents/${ulid}` },
        { method: 'POST', url: `/documents/${ulid}/reindex` },
        { method: 'POST', url: '/search', body: { query: 'tides' } },
        { method: 'GET', url: '/artifacts', list: true },
        { method: 'GET', url: `/artifacts/${ulid}/download` },
        { method: 'GET', url: '/tools' },
        {
          method: 'POST',
          url: '/tools/servers',
          body: { name: 'ok', url: 'https://mcp.example.com/x' },
        },
        { method: 'DELETE', url: '/tools/servers/nothing' },
        { method: 'GET', url: '/usage' },
        { method: 'GET', url: '/models' },
      ];

      const malformed: {
        what: string;
        request: InjectOptions;
        status?: number;
        code?: string;
        /** Sent without the user's token (the request carries its own, or none). */
        anonymous?: boolean;
      }[] = [];
      for (const route of routes) {
        const at = (
          what: string,
          request: Partial<InjectOptions>,
          status?: number,
          code?: string,
        ) =>
          malformed.push({
            what: `${route.method} ${route.url}: ${what}`,
            request: { method: route.method, url: route.url, ...request },
            ...(status === undefined ? {} : { status }),
            ...(code === undefined ? {} : { code }),
          });
        malformed.push(
          {
            what: `${route.method} ${route.url}: no token`,
            request: { method: route.method, url: route.url },
            status: 401,
            code: 'UNAUTHORIZED',
            anonymous: true,
          },
          {
            what: `${route.method} ${route.url}: a token that is not a JWT`,
            request: {
              method: route.method,
              url: route.url,
              headers: { authorization: 'Bearer not.a.jwt' },
            },
            status: 401,
            anonymous: true,
          },
          {
            what: `${route.method} ${route.url}: an expired token`,
            request: {
              method: route.method,
              url: route.url,
              headers: {
                authorization: `Bearer ${await api.identity.tokenFor(user, { expiresInSeconds: -60 })}`,
              },
            },
            status: 401,
            code: 'TOKEN_EXPIRED',
            anonymous: true,
          },
        );
        at('an unknown query parameter', { url: `${route.url}?debug=1` }, 400, 'INVALID_REQUEST');
        const withId = route.url.replace(/[0-9A-HJKMNP-TV-Z]{26}/, 'not-a-ulid');
        if (withId !== route.url) {
          at('an id that is not a ULID', { url: withId }, 400, 'INVALID_REQUEST');
          at(
            'a lower-case ULID',
            { url: route.url.replace(/[0-9A-HJKMNP-TV-Z]{26}/, (id) => id.toLowerCase()) },
            400,
            'INVALID_REQUEST',
          );
        }
        if (route.list) {
          for (const [what, query, code] of [
            ['a cursor that is not base64url', 'cursor=%24%24%24', 'INVALID_CURSOR'],
            ['a cursor of junk JSON', `cursor=${junkCursor}`, 'INVALID_CURSOR'],
            ['a cursor of another list', `cursor=${sessionsCursor}`, 'INVALID_CURSOR'],
            ['an oversized cursor', `cursor=${'A'.repeat(5000)}`, 'INVALID_CURSOR'],
            ['an empty cursor', 'cursor=', 'INVALID_CURSOR'],
            ['two cursors', 'cursor=AAAA&cursor=BBBB', 'INVALID_CURSOR'],
            ['a limit of 0', 'limit=0', 'INVALID_REQUEST'],
            ['a limit of 1000', 'limit=1000', 'INVALID_REQUEST'],
            ['a limit that is not a number', 'limit=ten', 'INVALID_REQUEST'],
            ['a fractional limit', 'limit=1.5', 'INVALID_REQUEST'],
          ] as const) {
            at(what, { url: `${route.url}?${query}` }, 400, code);
          }
        }
        if (route.body !== undefined) {
          at('malformed JSON', jsonBody('{"content":'), 400, 'MALFORMED_JSON');
          at('an empty JSON body', jsonBody(''), 400, 'MALFORMED_JSON');
          at('a JSON array', { payload: [route.body] }, 400, 'INVALID_REQUEST');
          at('a JSON string', jsonBody('"hello"'), 400, 'INVALID_REQUEST');
          if (route.optionalBody !== true) at('JSON null', jsonBody('null'), 400);
          at(
            'an unknown field',
            { payload: { ...route.body, isAdmin: true } },
            400,
            'INVALID_REQUEST',
          );
          at(
            'a prototype-polluting field',
            jsonBody(JSON.stringify(route.body).replace(/^\{/, '{"__proto__":{"x":1},')),
            400,
          );
          at(
            'every field of the wrong type',
            {
              payload: Object.fromEntries(
                Object.keys(route.body).map((key) => [key, { nested: [1] }]),
              ),
            },
            400,
            'INVALID_REQUEST',
          );
          at(
            'a body over the size limit',
            { payload: { ...route.body, padding: huge } },
            413,
            'PAYLOAD_TOO_LARGE',
          );
          at('every text field oversized', {
            payload: Object.fromEntries(
              Object.entries(route.body).map(([key, value]) => [
                key,
                typeof value === 'string' ? 'y'.repeat(40_000) : value,
              ]),
            ),
          });
          at(
            'an unsupported media type',
            { payload: 'a=1', headers: { 'content-type': 'application/x-www-form-urlencoded' } },
            415,
            'UNSUPPORTED_MEDIA_TYPE',
          );
          at(
            'plain text',
            { payload: 'hello', headers: { 'content-type': 'text/plain' } },
            400,
            'INVALID_REQUEST',
          );
        }
        if (route.method === 'POST' && route.body === undefined) {
          at('a body where none is taken', { payload: { force: true } }, 400, 'INVALID_REQUEST');
        }
      }
      // Field rules of particular routes.
      const post = (url: string, payload: object) => ({ method: 'POST' as const, url, payload });
      const messages = `/sessions/${session.id}/messages`;
      malformed.push(
        {
          what: 'a blank message',
          request: post(messages, { content: '   ', clientMessageId: 'm' }),
          status: 400,
        },
        {
          what: 'a message over 32,000 characters',
          request: post(messages, { content: 'z'.repeat(32_001), clientMessageId: 'm' }),
          status: 400,
        },
        {
          what: 'a clientMessageId with spaces',
          request: post(messages, { content: 'hi', clientMessageId: 'a b' }),
          status: 400,
        },
        {
          what: 'unknown turn options',
          request: post(messages, {
            content: 'hi',
            clientMessageId: 'm',
            options: { temperature: 2 },
          }),
          status: 400,
        },
        {
          what: 'a model id with spaces',
          request: post(messages, {
            content: 'hi',
            clientMessageId: 'm',
            options: { model: 'a b' },
          }),
          status: 400,
        },
        {
          what: 'a model that is not offered',
          request: post(messages, {
            content: 'hi',
            clientMessageId: 'm',
            options: { model: 'gpt-9' },
          }),
          status: 400,
          code: 'UNKNOWN_MODEL',
        },
        {
          what: 'a session title with control characters',
          request: post('/sessions', { title: 'a\u0000b' }),
          status: 400,
        },
        {
          what: 'a patch with nothing to change',
          request: {
            method: 'PATCH',
            url: `/sessions/${session.id}`,
            payload: { expectedVersion: 1 },
          },
          status: 400,
        },
        {
          what: 'a patch without a version',
          request: { method: 'PATCH', url: `/sessions/${session.id}`, payload: { title: 'x' } },
          status: 400,
        },
        {
          what: 'a negative document size',
          request: post('/documents', {
            fileName: 'a.txt',
            contentType: 'text/plain',
            sizeBytes: -1,
          }),
          status: 400,
        },
        {
          what: 'a document size of 1e300',
          request: post('/documents', {
            fileName: 'a.txt',
            contentType: 'text/plain',
            sizeBytes: 1e300,
          }),
          status: 400,
        },
        {
          what: 'a file name of dots',
          request: post('/documents', {
            fileName: '../..',
            contentType: 'text/plain',
            sizeBytes: 3,
          }),
          status: 400,
          code: 'INVALID_FILE_NAME',
        },
        {
          what: 'a content type with a newline',
          request: post('/documents', {
            fileName: 'a.txt',
            contentType: 'text/plain\r\nx-evil: 1',
            sizeBytes: 3,
          }),
          status: 400,
        },
        { what: 'a search of k=0', request: post('/search', { query: 'x', k: 0 }), status: 400 },
        {
          what: 'a search query over 2,000 characters',
          request: post('/search', { query: 'q'.repeat(2001) }),
          status: 400,
        },
        {
          what: 'an MCP server name with a slash',
          request: post('/tools/servers', { name: 'a/b', url: 'https://mcp.example.com/x' }),
          status: 400,
        },
        {
          what: 'an afterSeq below -1',
          request: { method: 'GET', url: `/turns/${ulid}/events?afterSeq=-2` },
          status: 400,
        },
        {
          what: 'an afterSeq that is not a number',
          request: { method: 'GET', url: `/turns/${ulid}/events?afterSeq=x` },
          status: 400,
        },
        {
          what: 'a usage day that does not exist',
          request: { method: 'GET', url: '/usage?from=2026-02-30&to=2026-03-01' },
          status: 400,
        },
        {
          what: 'a usage day in another format',
          request: { method: 'GET', url: '/usage?from=01/11/2026' },
          status: 400,
        },
        {
          what: 'a document status that does not exist',
          request: { method: 'GET', url: '/documents?status=done' },
          status: 400,
        },
      );

      const failures: string[] = [];
      for (const { what, request, status, code, anonymous } of malformed) {
        const response = await call(anonymous === true ? undefined : user, request);
        const parsed = errorBodySchema.safeParse(safeJson(response.body));
        const ok =
          response.statusCode >= 400 &&
          response.statusCode < 500 &&
          parsed.success &&
          (status === undefined || response.statusCode === status) &&
          (code === undefined || parsed.data.error.code === code);
        if (!ok) failures.push(`${what} → ${response.statusCode} ${response.body.slice(0, 200)}`);
      }
      expect(failures).toEqual([]);
      expect(malformed.length).toBeGreaterThan(200);
      expect(
        new Set(malformed.map((entry) => entry.what.split(':')[0])).size,
      ).toBeGreaterThanOrEqual(routes.length);
    });

    it('lists every problem of an invalid body in the details', async () => {
      const response = await call(newUser('mallory'), {
        method: 'POST',
        url: '/documents',
        payload: { fileName: 7, sizeBytes: 'big', extra: true },
      });
      expect(response.statusCode).toBe(400);
      const { error } = errorBodySchema.parse(response.json());
      expect(error.code).toBe('INVALID_REQUEST');
      const details = error.details as {
        in: string;
        issues: { path: string; code: string; keys?: string[] }[];
      };
      expect(details.in).toBe('body');
      expect(details.issues).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ path: 'fileName', code: 'invalid_type' }),
          expect.objectContaining({ path: 'contentType', code: 'invalid_type' }),
          expect.objectContaining({ path: 'sizeBytes', code: 'invalid_type' }),
          expect.objectContaining({ code: 'unrecognized_keys', keys: ['extra'] }),
        ]),
      );
    });
  });

  describe('rate limiting', () => {
    it('answers 429 RATE_LIMITED with Retry-After past the per-user limit, for that user only', async () => {
      const limited = buildTestApp(stores, {
        env: { RATE_LIMIT_MAX: '3', RATE_LIMIT_WINDOW_SECONDS: '60' },
      });
      try {
        const alice = newUser('alice');
        const bob = newUser('bob');
        const get = async (user: string) =>
          limited.app.inject({ method: 'GET', url: '/models', headers: await limited.auth(user) });
        for (let i = 0; i < 3; i += 1) expect((await get(alice)).statusCode).toBe(200);
        const refused = await get(alice);
        expect(refused.statusCode).toBe(429);
        expect(refused.json()).toMatchObject({ error: { code: 'RATE_LIMITED' } });
        expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
        expect((await get(bob)).statusCode).toBe(200);
        // Health stays reachable for the load balancer and monitors.
        expect((await limited.app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
      } finally {
        await limited.app.close();
      }
    });
  });
});

/** Polls `probe` until it returns a value (for at most 10 s). */
async function poll<T>(probe: () => Promise<T | undefined>): Promise<T> {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('gave up waiting');
}

/** Polls until `probe` returns a non-empty list (or gives up after 5 s and returns the last one). */
async function eventually<T>(probe: () => T[]): Promise<T[]> {
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const found = probe();
    if (found.length > 0) return found;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return probe();
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
