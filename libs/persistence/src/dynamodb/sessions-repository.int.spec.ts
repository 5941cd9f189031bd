import { type DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { AppError, createIdGenerator, createManualClock, type ManualClock } from '@lgm/core';

import { encodeCursor } from '../shared/cursor';
import { mapDynamoDbError } from './errors';
import type { AppendMessageInput } from './messages';
import { SessionRepository, type SessionRepositoryDeps } from './sessions-repository';
import { type LocalTables, newOwnerId, startLocalTables } from './test/local-tables';

let local: LocalTables;

beforeAll(async () => {
  local = await startLocalTables('sessions-int');
});

afterAll(async () => {
  await local.stop();
});

/** A clock, an id generator and repositories for any owner, sharing them. */
function setup(overrides: Partial<SessionRepositoryDeps> = {}): {
  clock: ManualClock;
  sessionsOf: (ownerId: string) => SessionRepository;
} {
  const clock = createManualClock('2026-03-01T09:00:00.000Z');
  const deps: SessionRepositoryDeps = {
    documents: local.documents,
    tableName: local.tableNames.sessions,
    clock,
    nextId: createIdGenerator(clock),
    ...overrides,
  };
  return { clock, sessionsOf: (ownerId) => new SessionRepository(deps, ownerId) };
}

async function expectAppError(
  promise: Promise<unknown>,
  code: string,
  status: number,
): Promise<AppError> {
  const error: unknown = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(AppError);
  expect(error).toMatchObject({ code, status });
  return error as AppError;
}

const text = (value: string): AppendMessageInput => ({
  role: 'user',
  content: [{ type: 'text', text: value }],
});

/** The shared document client, counting the commands sent through it by name. */
function countingDocuments(): { documents: DynamoDBDocumentClient; sent: string[] } {
  const sent: string[] = [];
  const documents = new Proxy(local.documents, {
    get(target, property, receiver) {
      if (property !== 'send') return Reflect.get(target, property, receiver) as unknown;
      return (command: { constructor: { name: string } }) => {
        sent.push(command.constructor.name);
        return (target.send as (command: unknown) => Promise<unknown>)(command);
      };
    },
  });
  return { documents, sent };
}

async function partitionItems(sessionId: string): Promise<Record<string, unknown>[]> {
  const output = await local.documents.send(
    new QueryCommand({
      TableName: local.tableNames.sessions,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': `SESSION#${sessionId}` },
      ConsistentRead: true,
    }),
  );
  return output.Items ?? [];
}

describe('SessionRepository on the local DynamoDB', () => {
  it('creates, reads, updates and deletes a session with its messages and events', async () => {
    const { clock, sessionsOf } = setup();
    const sessions = sessionsOf(newOwnerId());

    const created = await sessions.createSession({ model: 'amazon.nova-lite-v1:0' });
    expect(created).toMatchObject({
      ownerId: sessions.ownerId,
      title: 'New chat',
      model: 'amazon.nova-lite-v1:0',
      version: 1,
      createdAt: '2026-03-01T09:00:00.000Z',
    });
    expect(await sessions.getSession(created.id)).toEqual(created);

    clock.advance(1_000);
    const renamed = await sessions.renameSession(created.id, '  Trip to Lisbon  ', 1);
    expect(renamed).toMatchObject({
      title: 'Trip to Lisbon',
      version: 2,
      updatedAt: '2026-03-01T09:00:01.000Z',
    });
    const remodelled = await sessions.updateSession(created.id, { model: 'extractive' }, 2);
    expect(remodelled).toMatchObject({ title: 'Trip to Lisbon', model: 'extractive', version: 3 });
    expect(await sessions.getSession(created.id)).toEqual(remodelled);

    await sessions.appendMessage(created.id, { ...text('hello'), clientMessageId: 'c-1' });
    await sessions.putTurnEvents(created.id, createIdGenerator(clock)(), [
      { seq: 0, type: 'turn.started' },
    ]);
    expect((await partitionItems(created.id)).length).toBe(4); // META, CMID, MSG, EVT

    await sessions.deleteSession(created.id);
    await expectAppError(sessions.getSession(created.id), 'SESSION_NOT_FOUND', 404);
    await expectAppError(sessions.deleteSession(created.id), 'SESSION_NOT_FOUND', 404);
    expect(await partitionItems(created.id)).toEqual([]);
  });

  it('deletes sessions with more items than one batch and one query page', async () => {
    const { sessionsOf } = setup();
    const sessions = sessionsOf(newOwnerId());
    const session = await sessions.createSession({ model: 'm' });
    const turnId = createIdGenerator()();
    const events = Array.from({ length: 130 }, (_, seq) => ({
      seq,
      type: 'text.delta',
      data: { text: 'x'.repeat(10_000) }, // 1.3 MB in all: more than one 1 MB Query page
    }));
    await sessions.putTurnEvents(session.id, turnId, events);
    expect((await sessions.listTurnEvents(session.id, turnId)).length).toBe(130);

    await sessions.deleteSession(session.id);
    expect(await partitionItems(session.id)).toEqual([]);
  });

  it('lists sessions newest first across pages of 2, without duplicates or gaps', async () => {
    const { clock, sessionsOf } = setup();
    const sessions = sessionsOf(newOwnerId());
    const ids: string[] = [];
    for (let index = 0; index < 5; index += 1) {
      clock.advance(1_000);
      ids.push((await sessions.createSession({ model: 'm', title: `Session ${index}` })).id);
    }

    const pages: string[][] = [];
    let cursor: string | undefined;
    do {
      const page = await sessions.listSessions({ limit: 2, ...(cursor ? { cursor } : {}) });
      pages.push(page.items.map((session) => session.id));
      cursor = page.nextCursor;
    } while (cursor);

    expect(pages.map((page) => page.length)).toEqual([2, 2, 1]);
    expect(pages.flat()).toEqual([...ids].reverse());
  });

  it('pages through sessions updated at the same instant without losing any', async () => {
    const { sessionsOf } = setup();
    const sessions = sessionsOf(newOwnerId());
    const ids = new Set<string>();
    for (let index = 0; index < 7; index += 1) {
      ids.add((await sessions.createSession({ model: 'm' })).id);
    }
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await sessions.listSessions({ limit: 2, ...(cursor ? { cursor } : {}) });
      seen.push(...page.items.map((session) => session.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toHaveLength(7);
    expect(new Set(seen)).toEqual(ids);
  });

  it('rejects a stale rename with SESSION_VERSION_CONFLICT and keeps the stored value', async () => {
    const { sessionsOf } = setup();
    const sessions = sessionsOf(newOwnerId());
    const session = await sessions.createSession({ model: 'm', title: 'Original' });
    await sessions.renameSession(session.id, 'First writer', 1);

    const error = await expectAppError(
      sessions.renameSession(session.id, 'Second writer', 1),
      'SESSION_VERSION_CONFLICT',
      409,
    );
    expect(error.message).toContain('version 1');
    expect(error.details).toEqual({ expectedVersion: 1, currentVersion: 2 });
    expect(await sessions.getSession(session.id)).toMatchObject({
      title: 'First writer',
      version: 2,
    });
  });

  it('appends messages idempotently on clientMessageId, also when retried concurrently', async () => {
    const { sessionsOf } = setup();
    const sessions = sessionsOf(newOwnerId());
    const session = await sessions.createSession({ model: 'm' });

    const first = await sessions.appendMessage(session.id, {
      ...text('hello'),
      clientMessageId: 'client-1',
    });
    const retry = await sessions.appendMessage(session.id, {
      ...text('hello (resent)'),
      clientMessageId: 'client-1',
    });
    expect(retry).toEqual(first);

    const racing = await Promise.all([
      sessions.appendMessage(session.id, { ...text('again'), clientMessageId: 'client-2' }),
      sessions.appendMessage(session.id, { ...text('again'), clientMessageId: 'client-2' }),
      sessions.appendMessage(session.id, { ...text('again'), clientMessageId: 'client-2' }),
    ]);
    expect(new Set(racing.map((message) => message.id)).size).toBe(1);

    const { items } = await sessions.listMessages(session.id);
    expect(items.map((message) => message.clientMessageId)).toEqual(['client-1', 'client-2']);
    expect(items[0]?.content).toEqual([{ type: 'text', text: 'hello' }]);
  });

  it('stores assistant messages with citations, tool calls, usage and status', async () => {
    const { sessionsOf } = setup();
    const sessions = sessionsOf(newOwnerId());
    const session = await sessions.createSession({ model: 'm' });
    const turnId = createIdGenerator()();
    const appended = await sessions.appendMessage(session.id, {
      role: 'assistant',
      content: [
        { type: 'text', text: 'Lisbon is the capital [1].' },
        { type: 'toolUse', toolUseId: 't1', name: 'search', input: { q: 'capital', n: 1e300 } },
      ],
      turnId,
      citations: [{ documentId: 'd1', page: 3, score: 0.87 }],
      toolCalls: [{ name: 'search', status: 'ok', nested: [[[{ deep: null }]]] }],
      usage: { inputTokens: 120, outputTokens: 18 },
      stopReason: 'end_turn',
      status: 'complete',
    });
    const { items } = await sessions.listMessages(session.id);
    expect(items).toEqual([appended]);
    expect(items[0]).toMatchObject({
      role: 'assistant',
      turnId,
      usage: { inputTokens: 120, outputTokens: 18 },
      citations: [{ documentId: 'd1', page: 3, score: 0.87 }],
    });
  });

  it('bumps updatedAt on append, moving the session to the top of the list', async () => {
    const { clock, sessionsOf } = setup();
    const sessions = sessionsOf(newOwnerId());
    const older = await sessions.createSession({ model: 'm', title: 'Older' });
    clock.advance(1_000);
    const newer = await sessions.createSession({ model: 'm', title: 'Newer' });
    clock.advance(1_000);

    await sessions.appendMessage(older.id, text('ping'));

    const { items } = await sessions.listSessions();
    expect(items.map((session) => session.id)).toEqual([older.id, newer.id]);
    expect(items[0]).toMatchObject({ updatedAt: '2026-03-01T09:00:02.000Z', version: 1 });
  });

  it('lists messages chronologically across pages of 2', async () => {
    const { clock, sessionsOf } = setup();
    const sessions = sessionsOf(newOwnerId());
    const session = await sessions.createSession({ model: 'm' });
    const written: string[] = [];
    for (let index = 0; index < 5; index += 1) {
      clock.advance(10);
      written.push((await sessions.appendMessage(session.id, text(`m${index}`))).id);
    }
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await sessions.listMessages(session.id, {
        limit: 2,
        ...(cursor ? { cursor } : {}),
      });
      seen.push(...page.items.map((message) => message.id));
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual(written);
  });

  it('returns the turn events after a seq, in order, idempotent per seq', async () => {
    const { sessionsOf } = setup();
    const sessions = sessionsOf(newOwnerId());
    const session = await sessions.createSession({ model: 'm' });
    const nextId = createIdGenerator();
    const turnId = nextId();
    const otherTurnId = nextId();
    const delta = (seq: number) => ({ seq, type: 'text.delta', data: { text: `t${seq}` } });

    // 30 events: more than one BatchWriteItem chunk of 25; seq 9 and 10 sort as numbers.
    await sessions.putTurnEvents(
      session.id,
      turnId,
      Array.from({ length: 30 }, (_, i) => delta(i)),
    );
    await sessions.putTurnEvents(session.id, turnId, [delta(3), delta(4)]); // a retried flush
    await sessions.putTurnEvents(session.id, otherTurnId, [delta(0), delta(1)]);

    const after = await sessions.listTurnEvents(session.id, turnId, { afterSeq: 8 });
    expect(after.map((event) => event.seq)).toEqual(Array.from({ length: 21 }, (_, i) => i + 9));
    expect(after[0]).toMatchObject({ turnId, type: 'text.delta', data: { text: 't9' } });

    const all = await sessions.listTurnEvents(session.id, turnId);
    expect(all).toHaveLength(30);
    expect(await sessions.listTurnEvents(session.id, turnId, { afterSeq: 29 })).toEqual([]);
    expect(await sessions.listTurnEvents(session.id, otherTurnId)).toHaveLength(2);
    // Events and guards never show up as messages.
    expect((await sessions.listMessages(session.id)).items).toEqual([]);
  });

  it('takes a Session it returned as the owner check, without reading META again', async () => {
    const { documents, sent } = countingDocuments();
    const { clock, sessionsOf } = setup({ documents, turnEventTtlSeconds: 3600 });
    const ownerId = newOwnerId();
    const sessions = sessionsOf(ownerId);
    const session = await sessions.getSession(
      (await sessions.createSession({ model: 'm', expiresAt: new Date('2026-03-01T10:00:00Z') }))
        .id,
    );
    const turnId = createIdGenerator()();
    clock.advance(1_000);
    sent.length = 0;

    const first = await sessions.append(session, { ...text('Hi'), clientMessageId: 'c-1' });
    const retried = await sessions.append(session, { ...text('Hi'), clientMessageId: 'c-1' });
    await sessions.putTurnEvents(session, turnId, [
      { seq: 0, type: 'turn.started' },
      { seq: 1, type: 'text.delta', data: { text: 'first' } },
    ]);
    await sessions.putTurnEvents(session, turnId, [
      { seq: 1, type: 'text.delta', data: { text: 'again' } },
    ]);
    const page = await sessions.listMessages(session);

    expect(first.created).toBe(true);
    expect(retried).toEqual({ message: first.message, created: false });
    expect(page.items).toEqual([first.message]);
    // Guard, message and touch; the retry's guard and two reads of what it found; two event
    // writes; one query. Not one read of META.
    expect(sent).toEqual([
      'PutCommand',
      'PutCommand',
      'UpdateCommand',
      'PutCommand',
      'GetCommand',
      'GetCommand',
      'BatchWriteCommand',
      'BatchWriteCommand',
      'QueryCommand',
    ]);
    const events = await sessions.listTurnEvents(session.id, turnId);
    expect(events.map((event) => [event.seq, event.data])).toEqual([
      [0, null],
      [1, { text: 'again' }],
    ]);
    // Everything written through the object lives and dies with the session.
    const items = await partitionItems(session.id);
    expect(new Set(items.map((item) => item['ttl']))).toEqual(
      new Set([Date.parse('2026-03-01T10:00:00Z') / 1000]),
    );
    expect((await sessions.getSession(session.id)).updatedAt).toBe(clock.now().toISOString());

    // Past its expiry the object is refused as the id is, still without a request.
    clock.set('2026-03-01T10:00:00.000Z');
    sent.length = 0;
    await expectAppError(
      sessions.putTurnEvents(session, turnId, [{ seq: 2, type: 'text.delta' }]),
      'SESSION_NOT_FOUND',
      404,
    );
    expect(sent).toEqual([]);
  });

  it('refuses a Session of another owner, or one built by hand, and writes nothing', async () => {
    const { sessionsOf } = setup();
    const alice = sessionsOf(newOwnerId('alice'));
    const bob = sessionsOf(newOwnerId('bob'));
    const session = await alice.createSession({ model: 'm' });
    const bobs = await bob.createSession({ model: 'm' });
    const turnId = createIdGenerator()();
    const notFound = (promise: Promise<unknown>) =>
      expectAppError(promise, 'SESSION_NOT_FOUND', 404);

    // Alice's session object in Bob's repository: the check it stands for was Alice's.
    await notFound(bob.putTurnEvents(session, turnId, [{ seq: 0, type: 'turn.started' }]));
    await notFound(bob.append(session, text('injected')));
    await notFound(bob.appendMessage(session, text('injected')));
    await notFound(bob.listMessages(session));
    // A copy, or Bob's own object relabelled with Alice's id, stands for no check at all.
    const copy = { ...session };
    await notFound(alice.putTurnEvents(copy, turnId, [{ seq: 0, type: 'turn.started' }]));
    await notFound(alice.append({ ...bobs, ownerId: alice.ownerId }, text('forged')));
    await notFound(bob.putTurnEvents({ ...bobs, id: session.id }, turnId, [{ seq: 0, type: 'x' }]));

    expect(await partitionItems(session.id)).toHaveLength(1); // META alone
    expect(await partitionItems(bobs.id)).toHaveLength(1);
  });

  it('hides ttl-expired sessions, messages and events', async () => {
    const { clock, sessionsOf } = setup({ turnEventTtlSeconds: 60 });
    const sessions = sessionsOf(newOwnerId());
    const lasting = await sessions.createSession({ model: 'm', title: 'Lasting' });
    const expiring = await sessions.createSession({
      model: 'm',
      title: 'Expiring',
      expiresAt: new Date('2026-03-01T10:00:00.000Z'),
    });
    expect(expiring.expiresAt).toBe('2026-03-01T10:00:00.000Z');
    await sessions.appendMessage(lasting.id, text('kept'));
    const turnId = createIdGenerator()();
    await sessions.putTurnEvents(lasting.id, turnId, [{ seq: 0, type: 'turn.started' }]);

    clock.advance(61_000); // the events' 60 s retention has passed
    expect(await sessions.listTurnEvents(lasting.id, turnId)).toEqual([]);
    expect((await sessions.listMessages(lasting.id)).items).toHaveLength(1);

    clock.set('2026-03-01T10:00:00.000Z'); // the session's expiry
    await expectAppError(sessions.getSession(expiring.id), 'SESSION_NOT_FOUND', 404);
    await expectAppError(
      sessions.appendMessage(expiring.id, text('too late')),
      'SESSION_NOT_FOUND',
      404,
    );
    await expectAppError(
      sessions.renameSession(expiring.id, 'Revived?', 1),
      'SESSION_NOT_FOUND',
      404,
    );
    const { items } = await sessions.listSessions();
    expect(items.map((session) => session.id)).toEqual([lasting.id]);
  });

  it("keeps owner A's sessions out of owner B's reach", async () => {
    const { sessionsOf } = setup();
    const alice = sessionsOf(newOwnerId('alice'));
    const bob = sessionsOf(newOwnerId('bob'));
    const session = await alice.createSession({ model: 'm', title: "Alice's plans" });
    await alice.appendMessage(session.id, text('secret'));
    const turnId = createIdGenerator()();
    await alice.putTurnEvents(session.id, turnId, [{ seq: 0, type: 'turn.started' }]);
    const extra = await alice.createSession({ model: 'm' });
    const aliceCursor = (await alice.listSessions({ limit: 1 })).nextCursor;
    expect(aliceCursor).toBeDefined();

    const notFound = (promise: Promise<unknown>) =>
      expectAppError(promise, 'SESSION_NOT_FOUND', 404);
    await notFound(bob.getSession(session.id));
    await notFound(bob.renameSession(session.id, 'Mine now', 1));
    await notFound(bob.updateSession(session.id, { model: 'x' }, 1));
    await notFound(bob.deleteSession(session.id));
    await notFound(bob.appendMessage(session.id, text('injected')));
    await notFound(bob.appendMessage(session.id, { ...text('injected'), clientMessageId: 'x' }));
    await notFound(bob.listMessages(session.id));
    await notFound(bob.putTurnEvents(session.id, turnId, [{ seq: 1, type: 'text.delta' }]));
    await notFound(bob.listTurnEvents(session.id, turnId));
    expect(await bob.listSessions()).toEqual({ items: [] });

    // Neither A's own cursor nor one hand-built from A's keys opens A's index to B.
    await expectAppError(bob.listSessions({ cursor: aliceCursor ?? '' }), 'INVALID_CURSOR', 400);
    const forged = encodeCursor({
      pk: `SESSION#${extra.id}`,
      sk: 'META',
      ownerId: alice.ownerId,
      updatedAt: extra.updatedAt,
    });
    await expectAppError(bob.listSessions({ cursor: forged }), 'INVALID_CURSOR', 400);

    expect(await alice.getSession(session.id)).toEqual(session);
    const messages = await alice.listMessages(session.id);
    expect(messages.items.map((message) => message.content)).toEqual([
      [{ type: 'text', text: 'secret' }],
    ]);
    expect(await alice.listTurnEvents(session.id, turnId)).toHaveLength(1);
    expect((await alice.listSessions()).items).toHaveLength(2);
  });

  it('rejects malformed ids, cursors, limits and oversized input with coded AppErrors', async () => {
    const { sessionsOf } = setup();
    const sessions = sessionsOf(newOwnerId());
    const session = await sessions.createSession({ model: 'm' });
    const other = await sessions.createSession({ model: 'm' });
    await sessions.appendMessage(other.id, text('1'));
    await sessions.appendMessage(other.id, text('2'));
    const otherCursor = (await sessions.listMessages(other.id, { limit: 1 })).nextCursor ?? '';
    const unknownId = createIdGenerator()();

    expect(() => sessionsOf('')).toThrow(expect.objectContaining({ code: 'INVALID_OWNER_ID' }));
    expect(() => sessionsOf('a#b')).toThrow(expect.objectContaining({ code: 'INVALID_OWNER_ID' }));
    await expectAppError(sessions.getSession(unknownId), 'SESSION_NOT_FOUND', 404);
    await expectAppError(sessions.getSession('not-a-ulid'), 'INVALID_SESSION_ID', 400);
    await expectAppError(sessions.getSession('SESSION#x'), 'INVALID_SESSION_ID', 400);
    await expectAppError(sessions.deleteSession('../etc'), 'INVALID_SESSION_ID', 400);
    await expectAppError(sessions.listSessions({ cursor: 'abc$%' }), 'INVALID_CURSOR', 400);
    await expectAppError(
      sessions.listSessions({ cursor: encodeCursor({ pk: 'SESSION#x', sk: 'META' }) }),
      'INVALID_CURSOR',
      400,
    );
    await expectAppError(
      sessions.listMessages(session.id, { cursor: otherCursor }),
      'INVALID_CURSOR',
      400,
    );
    await expectAppError(sessions.listSessions({ limit: 0 }), 'INVALID_LIMIT', 400);
    await expectAppError(sessions.listMessages(session.id, { limit: 101 }), 'INVALID_LIMIT', 400);
    await expectAppError(
      sessions.createSession({ model: 'm', title: 'x'.repeat(201) }),
      'INVALID_SESSION_TITLE',
      400,
    );
    await expectAppError(
      sessions.renameSession(session.id, '   ', 1),
      'INVALID_SESSION_TITLE',
      400,
    );
    await expectAppError(
      sessions.renameSession(session.id, 'ok', 0),
      'INVALID_SESSION_VERSION',
      400,
    );
    await expectAppError(sessions.updateSession(session.id, {}, 1), 'NO_SESSION_CHANGES', 400);
    await expectAppError(sessions.createSession({ model: '' }), 'INVALID_MODEL_ID', 400);
    await expectAppError(
      sessions.createSession({ model: 'm', expiresAt: new Date('2020-01-01') }),
      'INVALID_SESSION_EXPIRY',
      400,
    );
    await expectAppError(
      sessions.appendMessage(session.id, text('x'.repeat(300 * 1024))),
      'MESSAGE_TOO_LARGE',
      413,
    );
    const invalid = await expectAppError(
      sessions.appendMessage(session.id, {
        role: 'robot',
        content: [{ type: 'text' }],
      } as unknown as AppendMessageInput),
      'INVALID_MESSAGE',
      400,
    );
    expect(invalid.details).toEqual(
      expect.arrayContaining([expect.objectContaining({ path: 'role' })]),
    );
    await expectAppError(
      sessions.putTurnEvents(session.id, 'turn-1', [{ seq: 0, type: 'x' }]),
      'INVALID_TURN_ID',
      400,
    );
    const turnId = createIdGenerator()();
    await expectAppError(
      sessions.putTurnEvents(session.id, turnId, [
        { seq: 1, type: 'a' },
        { seq: 1, type: 'b' },
      ]),
      'DUPLICATE_TURN_EVENT_SEQ',
      400,
    );
    await expectAppError(
      sessions.putTurnEvents(session.id, turnId, [{ seq: -1, type: 'a' }]),
      'INVALID_TURN_EVENT',
      400,
    );
    await expectAppError(
      sessions.putTurnEvents(session.id, turnId, [
        { seq: 0, type: 'a', data: 'x'.repeat(300 * 1024) },
      ]),
      'TURN_EVENT_TOO_LARGE',
      413,
    );
    await expectAppError(
      sessions.listTurnEvents(session.id, turnId, { afterSeq: 1.5 }),
      'INVALID_AFTER_SEQ',
      400,
    );
    // Nothing of the rejected writes reached the table.
    expect((await partitionItems(session.id)).map((item) => item['sk'])).toEqual(['META']);
  });

  it("maps DynamoDB's own failures: item too large, missing table", async () => {
    const tooLarge = await local.documents
      .send(
        new PutCommand({
          TableName: local.tableNames.sessions,
          Item: { pk: 'raw', sk: 'raw', blob: 'x'.repeat(401 * 1024) },
        }),
      )
      .catch((error: unknown) => mapDynamoDbError(error, { operation: 'PutItem', tableName: 't' }));
    expect(tooLarge).toMatchObject({ code: 'ITEM_TOO_LARGE', status: 413 });

    const { sessionsOf } = setup({ tableName: 'no-such-table' });
    const error = await expectAppError(
      sessionsOf(newOwnerId()).createSession({ model: 'm' }),
      'INTERNAL_ERROR',
      500,
    );
    expect(error.message).toContain("'no-such-table' does not exist");
  });
});
