import { randomUUID } from 'node:crypto';

import type { StartedTurn, StartTurnOptions, TurnEngine, TurnOutcome } from '@lgm/chat';
import type { TurnEvent } from '@lgm/contracts';
import {
  createIdGenerator,
  NotFoundError,
  ServiceUnavailableError,
  systemClock,
  ValidationError,
} from '@lgm/core';
import { type LocalDynamoDb, startLocalDynamoDb } from '@lgm/local-stack';
import {
  createDynamoDbClients,
  type DynamoDbClients,
  ensureTables,
  physicalTableNames,
} from '@lgm/persistence';
import { silentLogger } from '@lgm/testing';

import { createQueuedTurns } from './queued-turns';
import { EventDelivery } from './sender';
import { deltaEvent, recordingSender, TEST_SESSION_ID } from './test/recording-sender';
import type { TurnJob } from './turn-queue';
import { DynamoDbTurnSubscriptions } from './turn-subscriptions';
import { runTurnJob } from './turn-worker';

type Replay = Awaited<ReturnType<TurnEngine['replay']>>;

/** A TurnEngine whose answers the test scripts: replays in order, and one start. */
function scriptedEngine(script: {
  replays?: (Replay | Error)[];
  start?: (options: StartTurnOptions) => Promise<StartedTurn>;
  cancel?: () => Promise<void>;
}): TurnEngine & { replayCalls: number } {
  const replays = [...(script.replays ?? [])];
  const engine = {
    replayCalls: 0,
    start: async (_request: unknown, options: StartTurnOptions = {}) => {
      if (!script.start) throw new Error('start was not scripted');
      return script.start(options);
    },
    cancel: script.cancel ?? (async () => undefined),
    replay: async () => {
      engine.replayCalls += 1;
      const next = replays.shift();
      if (next === undefined) throw new Error('replay was not scripted');
      if (next instanceof Error) throw next;
      return next;
    },
  };
  return engine;
}

const events = (from: number, to: number, turnId: string): TurnEvent[] =>
  Array.from({ length: to - from + 1 }, (_, index) => deltaEvent(from + index, 'x', turnId));

describe('queued turns and the worker against the local DynamoDB', () => {
  let server: LocalDynamoDb;
  let clients: DynamoDbClients;
  let tableName: string;
  const nextId = createIdGenerator(systemClock);
  const logger = silentLogger('ws-gateway');

  beforeAll(async () => {
    server = await startLocalDynamoDb();
    clients = createDynamoDbClients({
      region: server.region,
      endpoint: server.endpoint,
      credentials: server.credentials,
    });
    const names = physicalTableNames(`ws-queued-${randomUUID().slice(0, 8)}`);
    await ensureTables(clients.client, names);
    tableName = names.connections;
  });

  afterAll(async () => {
    clients?.client.destroy();
    await server?.stop();
  });

  function setup(engine: TurnEngine, failQueue = false) {
    const sender = recordingSender();
    const delivery = new EventDelivery({ sender, logger });
    const subscriptions = new DynamoDbTurnSubscriptions({
      documents: clients.documents,
      tableName,
      clock: systemClock,
    });
    const enqueued: TurnJob[] = [];
    const turns = createQueuedTurns({
      engine,
      queue: {
        enqueue: async (job) => {
          if (failQueue) {
            throw new ServiceUnavailableError('SQS is down.', { code: 'TURN_QUEUE_UNAVAILABLE' });
          }
          enqueued.push(job);
        },
      },
      subscriptions,
      delivery,
      nextId,
      logger,
    });
    return { sender, delivery, subscriptions, turns, enqueued };
  }

  it('sendMessage records the sender as first subscriber, acks, then queues the job', async () => {
    const { sender, subscriptions, turns, enqueued } = setup(scriptedEngine({}));
    await turns.start(
      { ownerId: 'alice', connectionId: 'conn-a' },
      {
        action: 'sendMessage',
        requestId: 'r1',
        sessionId: TEST_SESSION_ID,
        clientMessageId: 'c1',
        content: 'Hi',
      },
    );
    const [job] = enqueued;
    expect(sender.framesOf('conn-a')).toEqual([
      {
        kind: 'ack',
        action: 'sendMessage',
        requestId: 'r1',
        turnId: job?.turnId,
        sessionId: TEST_SESSION_ID,
      },
    ]);
    expect(job).toMatchObject({ ownerId: 'alice', connectionId: 'conn-a', requestId: 'r1' });
    expect(await subscriptions.read(job?.turnId ?? '')).toEqual({
      ownerId: 'alice',
      sessionId: TEST_SESSION_ID,
      subscribers: { 'conn-a': -1 },
      closed: false,
      cancelRequested: false,
    });
  });

  it('sendMessage whose turn cannot be queued fails after the ack and closes the record', async () => {
    const { sender, subscriptions, turns } = setup(scriptedEngine({}), true);
    await expect(
      turns.start(
        { ownerId: 'alice', connectionId: 'conn-q' },
        {
          action: 'sendMessage',
          sessionId: TEST_SESSION_ID,
          clientMessageId: 'c2',
          content: 'Hi',
        },
      ),
    ).rejects.toMatchObject({ code: 'TURN_QUEUE_UNAVAILABLE' });
    const [ack] = sender.framesOf('conn-q');
    expect(ack).toMatchObject({ kind: 'ack', action: 'sendMessage' });
    const turnId = ack?.kind === 'ack' ? ack.turnId : '';
    expect((await subscriptions.read(turnId))?.closed).toBe(true);
  });

  it('resume of a turn still queued subscribes to it; another owner gets TURN_NOT_FOUND', async () => {
    const turnId = nextId();
    const { sender, subscriptions, turns } = setup(
      scriptedEngine({
        replays: [new NotFoundError('Turn', turnId), new NotFoundError('Turn', turnId)],
      }),
    );
    await subscriptions.open(turnId, { ownerId: 'alice', sessionId: TEST_SESSION_ID }, 'conn-a');

    await turns.resume(
      { ownerId: 'alice', connectionId: 'conn-b' },
      { action: 'resume', turnId, afterSeq: -1 },
    );
    await expect(
      turns.resume(
        { ownerId: 'mallory', connectionId: 'conn-m' },
        { action: 'resume', turnId, afterSeq: -1 },
      ),
    ).rejects.toMatchObject({ code: 'TURN_NOT_FOUND' });

    expect(sender.framesOf('conn-b')).toEqual([
      { kind: 'ack', action: 'resume', turnId, sessionId: TEST_SESSION_ID },
    ]);
    expect((await subscriptions.read(turnId))?.subscribers).toEqual({
      'conn-a': -1,
      'conn-b': -1,
    });
  });

  it('resume that loses the race with the worker’s last pass reads the rest from the store', async () => {
    const turnId = nextId();
    const { sender, subscriptions, turns } = setup(
      scriptedEngine({
        replays: [
          { sessionId: TEST_SESSION_ID, events: events(0, 2, turnId), ended: false },
          { sessionId: TEST_SESSION_ID, events: events(3, 5, turnId), ended: true },
        ],
      }),
    );
    await subscriptions.open(turnId, { ownerId: 'alice', sessionId: TEST_SESSION_ID }, 'conn-a');
    // The worker closes the record between the route's read of the store and its subscribe.
    await subscriptions.close(turnId);

    await turns.resume(
      { ownerId: 'alice', connectionId: 'conn-b' },
      { action: 'resume', turnId, afterSeq: -1 },
    );

    expect(sender.seqsOf('conn-b', turnId)).toEqual([0, 1, 2, 3, 4, 5]);
    expect((await subscriptions.read(turnId))?.subscribers).toEqual({ 'conn-a': -1 });
  });

  it('cancel of a queued turn flags its record, and the worker starts it already cancelled', async () => {
    const turnId = nextId();
    let signalAborted: boolean | undefined;
    const engine = scriptedEngine({
      cancel: async () => {
        throw new NotFoundError('Turn', turnId);
      },
      start: async (options) => {
        signalAborted = options.signal?.aborted;
        return {
          turnId,
          sessionId: TEST_SESSION_ID,
          userMessageId: nextId(),
          duplicate: false,
          done: Promise.resolve<TurnOutcome>({ turnId, status: 'cancelled' }),
        };
      },
    });
    const { sender, subscriptions, turns } = setup(engine);
    await subscriptions.open(turnId, { ownerId: 'alice', sessionId: TEST_SESSION_ID }, 'conn-a');

    await turns.cancel(
      { ownerId: 'alice', connectionId: 'conn-a' },
      { action: 'cancel', requestId: 'c1', turnId },
    );
    expect(sender.framesOf('conn-a')).toEqual([
      { kind: 'ack', action: 'cancel', requestId: 'c1', turnId, sessionId: TEST_SESSION_ID },
    ]);
    await expect(
      turns.cancel({ ownerId: 'mallory', connectionId: 'm' }, { action: 'cancel', turnId }),
    ).rejects.toMatchObject({ code: 'TURN_NOT_FOUND' });

    const result = await runTurnJob(
      {
        engine,
        sender: recordingSender(),
        subscriptions,
        connections: { delete: async () => undefined },
        logger,
      },
      job(turnId, 'conn-a'),
    );
    expect(result).toBe('ran');
    expect(signalAborted).toBe(true);
  });

  it('the worker delivers to subscribers added mid-turn past their watermark, and drops the gone', async () => {
    const turnId = nextId();
    const subscriptions = new DynamoDbTurnSubscriptions({
      documents: clients.documents,
      tableName,
      clock: systemClock,
    });
    await subscriptions.open(turnId, { ownerId: 'alice', sessionId: TEST_SESSION_ID }, 'conn-a');
    const sender = recordingSender();
    const deleted: string[] = [];
    let emit: ((event: TurnEvent) => void) | undefined;
    let finish: (() => void) | undefined;
    const engine = scriptedEngine({
      start: async (options) => {
        emit = options.onEvent;
        return {
          turnId,
          sessionId: TEST_SESSION_ID,
          userMessageId: nextId(),
          duplicate: false,
          done: new Promise<TurnOutcome>((resolve) => {
            finish = () => resolve({ turnId, status: 'complete' });
          }),
        };
      },
    });
    const running = runTurnJob(
      {
        engine,
        sender,
        subscriptions,
        connections: { delete: async (id) => void deleted.push(id) },
        logger,
        subscriberRefreshMs: 0,
      },
      job(turnId, 'conn-a'),
    );
    await until(() => emit !== undefined);
    for (const event of events(0, 3, turnId)) emit?.(event);
    await until(() => sender.seqsOf('conn-a', turnId).length === 4);
    // conn-a fails; conn-b resumed after seq 1 (it has 0 and 1 from the store).
    sender.gone.add('conn-a');
    expect(await subscriptions.add(turnId, 'alice', 'conn-b', 1)).toBe('added');
    for (const event of events(4, 6, turnId)) emit?.(event);
    finish?.();
    expect(await running).toBe('ran');

    expect(sender.seqsOf('conn-a', turnId)).toEqual([0, 1, 2, 3]);
    expect(sender.seqsOf('conn-b', turnId)).toEqual([2, 3, 4, 5, 6]);
    expect(deleted).toEqual(['conn-a']);
    expect(await subscriptions.read(turnId)).toMatchObject({
      closed: true,
      subscribers: { 'conn-b': 1 },
    });
  });

  it('the worker answers a refused turn with an error frame, a repeat with a duplicate ack', async () => {
    const subscriptions = new DynamoDbTurnSubscriptions({
      documents: clients.documents,
      tableName,
      clock: systemClock,
    });
    const refusedId = nextId();
    await subscriptions.open(refusedId, { ownerId: 'bob', sessionId: TEST_SESSION_ID }, 'conn-b');
    const sender = recordingSender();
    const refused = await runTurnJob(
      {
        engine: scriptedEngine({
          start: async () => {
            throw new ValidationError('No.', { code: 'SESSION_NOT_FOUND' });
          },
        }),
        sender,
        subscriptions,
        connections: { delete: async () => undefined },
        logger,
      },
      job(refusedId, 'conn-b'),
    );
    expect(refused).toBe('refused');
    expect(sender.framesOf('conn-b')).toEqual([
      { kind: 'error', requestId: 'req-1', error: { code: 'SESSION_NOT_FOUND', message: 'No.' } },
    ]);
    expect((await subscriptions.read(refusedId))?.closed).toBe(true);

    const repeatId = nextId();
    const firstTurnId = nextId();
    await subscriptions.open(repeatId, { ownerId: 'bob', sessionId: TEST_SESSION_ID }, 'conn-c');
    const duplicate = await runTurnJob(
      {
        engine: scriptedEngine({
          start: async () => ({
            turnId: firstTurnId,
            sessionId: TEST_SESSION_ID,
            userMessageId: nextId(),
            duplicate: true,
            done: Promise.resolve<TurnOutcome>({ turnId: firstTurnId, status: 'complete' }),
          }),
        }),
        sender,
        subscriptions,
        connections: { delete: async () => undefined },
        logger,
      },
      job(repeatId, 'conn-c'),
    );
    expect(duplicate).toBe('duplicate');
    expect(sender.framesOf('conn-c')).toEqual([
      {
        kind: 'ack',
        action: 'sendMessage',
        requestId: 'req-1',
        turnId: firstTurnId,
        sessionId: TEST_SESSION_ID,
        duplicate: true,
      },
    ]);
  });
});

/** Waits for a condition the code under test brings about asynchronously. */
async function until(condition: () => boolean): Promise<void> {
  for (let attempt = 0; attempt < 500 && !condition(); attempt += 1) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  if (!condition()) throw new Error('the condition never held');
}

function job(turnId: string, connectionId: string): TurnJob {
  return {
    turnId,
    ownerId: 'alice',
    connectionId,
    requestId: 'req-1',
    request: { sessionId: TEST_SESSION_ID, clientMessageId: 'c1', content: 'Hi' },
  };
}
