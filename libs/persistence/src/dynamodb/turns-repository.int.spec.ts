import { AppError, createIdGenerator, createManualClock, type ManualClock } from '@lgm/core';

import { SessionRepository } from './sessions-repository';
import { type LocalTables, newOwnerId, startLocalTables } from './test/local-tables';
import { TurnRepository, type TurnRepositoryDeps } from './turns-repository';

let local: LocalTables;

beforeAll(async () => {
  local = await startLocalTables('turns-int');
});

afterAll(async () => {
  await local.stop();
});

function setup(overrides: Partial<TurnRepositoryDeps> = {}) {
  const clock: ManualClock = createManualClock('2026-03-01T09:00:00.000Z');
  const nextId = createIdGenerator(clock);
  const deps: TurnRepositoryDeps = {
    documents: local.documents,
    tableName: local.tableNames.sessions,
    clock,
    ...overrides,
  };
  return {
    clock,
    nextId,
    deps,
    turnsOf: (ownerId: string) => new TurnRepository(deps, ownerId),
    sessionsOf: (ownerId: string) =>
      new SessionRepository(
        { documents: local.documents, tableName: local.tableNames.sessions, clock, nextId },
        ownerId,
      ),
  };
}

async function expectAppError(promise: Promise<unknown>, code: string, status: number) {
  const error: unknown = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(AppError);
  expect(error).toMatchObject({ code, status });
}

describe('TurnRepository on the local DynamoDB', () => {
  it('creates a running turn, reads it back and finishes it once', async () => {
    const { nextId, turnsOf } = setup({ turnTtlSeconds: 3600 });
    const turns = turnsOf(newOwnerId());
    const turnId = nextId();
    const sessionId = nextId();
    const userMessageId = nextId();

    const { turn, created } = await turns.create({
      turnId,
      sessionId,
      userMessageId,
      model: 'nova-lite',
    });

    expect(created).toBe(true);
    expect(turn).toEqual({
      turnId,
      sessionId,
      ownerId: turns.ownerId,
      userMessageId,
      model: 'nova-lite',
      status: 'running',
      cancelRequested: false,
      createdAt: '2026-03-01T09:00:00.000Z',
      expiresAt: '2026-03-01T10:00:00.000Z',
    });
    expect(await turns.get(turnId)).toEqual(turn);

    const messageId = nextId();
    const finished = await turns.finish(turnId, { status: 'complete', lastSeq: 7, messageId });
    expect(finished).toMatchObject({ status: 'complete', lastSeq: 7, messageId });
    expect(finished.endedAt).toBe('2026-03-01T09:00:00.000Z');

    // The first finish wins: a later one changes nothing.
    const again = await turns.finish(turnId, { status: 'failed', lastSeq: 9 });
    expect(again).toEqual(finished);
  });

  it('answers a repeated create with the stored record and created=false', async () => {
    const { nextId, turnsOf } = setup();
    const turns = turnsOf(newOwnerId());
    const input = { turnId: nextId(), sessionId: nextId(), userMessageId: nextId(), model: 'm' };
    const first = await turns.create(input);

    const second = await turns.create({ ...input, userMessageId: nextId() });

    expect(second).toEqual({ turn: first.turn, created: false });
  });

  it("refuses to reuse another owner's or another session's turn id", async () => {
    const { nextId, turnsOf } = setup();
    const input = { turnId: nextId(), sessionId: nextId(), userMessageId: nextId(), model: 'm' };
    await turnsOf(newOwnerId('a')).create(input);

    await expectAppError(turnsOf(newOwnerId('b')).create(input), 'TURN_ID_TAKEN', 409);
    await expectAppError(
      turnsOf(newOwnerId('a')).create({ ...input, sessionId: nextId() }),
      'TURN_ID_TAKEN',
      409,
    );
  });

  it('sets the cancel flag idempotently and reads it cheaply', async () => {
    const { nextId, turnsOf } = setup();
    const turns = turnsOf(newOwnerId());
    const turnId = nextId();
    await turns.create({ turnId, sessionId: nextId(), userMessageId: nextId(), model: 'm' });
    expect(await turns.isCancelRequested(turnId)).toBe(false);

    expect((await turns.requestCancel(turnId)).cancelRequested).toBe(true);
    expect((await turns.requestCancel(turnId)).cancelRequested).toBe(true);

    expect(await turns.isCancelRequested(turnId)).toBe(true);
    expect((await turns.get(turnId)).status).toBe('running');
  });

  it("reads many owners' cancel flags at once, each only for its own owner", async () => {
    const { clock, deps, nextId, turnsOf } = setup({ turnTtlSeconds: 60 });
    const alice = turnsOf(newOwnerId('alice'));
    const bob = turnsOf(newOwnerId('bob'));
    const start = async (turns: TurnRepository) => {
      const turnId = nextId();
      await turns.create({ turnId, sessionId: nextId(), userMessageId: nextId(), model: 'm' });
      return turnId;
    };
    // 120 of Alice's turns: more than one BatchGetItem of 100 keys.
    const aliceTurns = await Promise.all(Array.from({ length: 120 }, () => start(alice)));
    const bobTurn = await start(bob);
    const cancelled = [aliceTurns[3], aliceTurns[110]].filter((id) => id !== undefined);
    for (const turnId of cancelled) await alice.requestCancel(turnId);
    await bob.requestCancel(bobTurn);
    const unknown = nextId();

    const requested = await TurnRepository.cancelRequestsAmong(deps, [
      ...aliceTurns.map((turnId) => ({ ownerId: alice.ownerId, turnId })),
      // Bob's cancelled turn listed as Alice's: it is not hers, so it is not reported.
      { ownerId: alice.ownerId, turnId: bobTurn },
      { ownerId: bob.ownerId, turnId: unknown },
      { ownerId: alice.ownerId, turnId: aliceTurns[3] ?? '' }, // listed twice
    ]);

    expect([...requested].sort()).toEqual([...cancelled].sort());
    expect(
      await TurnRepository.cancelRequestsAmong(deps, [{ ownerId: bob.ownerId, turnId: bobTurn }]),
    ).toEqual(new Set([bobTurn]));
    expect(await TurnRepository.cancelRequestsAmong(deps, [])).toEqual(new Set());
    // An expired record is not reported either.
    clock.advance(61_000);
    expect(
      await TurnRepository.cancelRequestsAmong(deps, [{ ownerId: bob.ownerId, turnId: bobTurn }]),
    ).toEqual(new Set());
    await expectAppError(
      TurnRepository.cancelRequestsAmong(deps, [{ ownerId: bob.ownerId, turnId: 'TURN#x' }]),
      'INVALID_TURN_ID',
      400,
    );
    await expectAppError(
      TurnRepository.cancelRequestsAmong(deps, [{ ownerId: 'a#b', turnId: bobTurn }]),
      'INVALID_OWNER_ID',
      400,
    );
  });

  it("reports another owner's turn as not found for every operation, and leaves it alone", async () => {
    const { nextId, turnsOf } = setup();
    const owner = turnsOf(newOwnerId('a'));
    const intruder = turnsOf(newOwnerId('b'));
    const turnId = nextId();
    await owner.create({ turnId, sessionId: nextId(), userMessageId: nextId(), model: 'm' });

    await expectAppError(intruder.get(turnId), 'TURN_NOT_FOUND', 404);
    await expectAppError(intruder.requestCancel(turnId), 'TURN_NOT_FOUND', 404);
    await expectAppError(intruder.isCancelRequested(turnId), 'TURN_NOT_FOUND', 404);
    await expectAppError(
      intruder.finish(turnId, { status: 'failed', lastSeq: 0 }),
      'TURN_NOT_FOUND',
      404,
    );
    await expectAppError(intruder.get(nextId()), 'TURN_NOT_FOUND', 404);

    expect(await owner.get(turnId)).toMatchObject({ status: 'running', cancelRequested: false });
  });

  it('hides expired records and never outlives the session', async () => {
    const { clock, nextId, turnsOf } = setup({ turnTtlSeconds: 86_400 });
    const turns = turnsOf(newOwnerId());
    const turnId = nextId();
    const { turn } = await turns.create({
      turnId,
      sessionId: nextId(),
      userMessageId: nextId(),
      model: 'm',
      sessionExpiresAt: '2026-03-01T09:30:00.000Z',
    });
    expect(turn.expiresAt).toBe('2026-03-01T09:30:00.000Z');

    clock.advance(31 * 60 * 1000);

    await expectAppError(turns.get(turnId), 'TURN_NOT_FOUND', 404);
    await expectAppError(turns.requestCancel(turnId), 'TURN_NOT_FOUND', 404);
    await expectAppError(turns.isCancelRequested(turnId), 'TURN_NOT_FOUND', 404);
  });

  it("never shows up in the owner's session list (the byOwner index stays sessions only)", async () => {
    const { nextId, turnsOf, sessionsOf } = setup();
    const ownerId = newOwnerId();
    const session = await sessionsOf(ownerId).createSession({ model: 'm' });
    await turnsOf(ownerId).create({
      turnId: nextId(),
      sessionId: session.id,
      userMessageId: nextId(),
      model: 'm',
    });

    const page = await sessionsOf(ownerId).listSessions();

    expect(page.items.map((item) => item.id)).toEqual([session.id]);
  });

  it('validates ids, status and seq before touching the table', async () => {
    const { nextId, turnsOf } = setup();
    const turns = turnsOf(newOwnerId());

    await expectAppError(turns.get('nope'), 'INVALID_TURN_ID', 400);
    await expectAppError(
      turns.create({ turnId: nextId(), sessionId: 'x', userMessageId: nextId(), model: 'm' }),
      'INVALID_SESSION_ID',
      400,
    );
    await expectAppError(
      turns.create({ turnId: nextId(), sessionId: nextId(), userMessageId: nextId(), model: '' }),
      'INVALID_MODEL_ID',
      400,
    );
    await expectAppError(
      turns.finish(nextId(), { status: 'running' as 'failed', lastSeq: 0 }),
      'INVALID_TURN_STATUS',
      400,
    );
    await expectAppError(
      turns.finish(nextId(), { status: 'failed', lastSeq: -1 }),
      'INVALID_TURN_SEQ',
      400,
    );
    expect(() => turnsOf('bad owner')).toThrow(AppError);
  });
});
