import { randomUUID } from 'node:crypto';

import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { type ChatRuntime, createChatRuntime } from '@lgm/chat';
import {
  MAX_SERVER_FRAME_BYTES,
  type ServerFrame,
  type TurnEvent,
  turnEventSchema,
} from '@lgm/contracts';
import { loadConfig } from '@lgm/core';
import { postgresTargets } from '@lgm/local-stack';
import {
  type BedrockEmulator,
  bedrockScripts,
  createTestIdentity,
  startBedrockEmulator,
  type TestIdentity,
  testServiceContext,
} from '@lgm/testing';

import { handler as authorize } from './authorizer';
import { workerConfigSchema } from './config';
import { handler as socket } from './lambda';
import {
  authorizerEvent,
  connectEvent,
  disconnectEvent,
  messageEvent,
  sqsEvent,
} from './test/api-gateway-events';
import {
  type FakeManagementApi,
  type FakeSqs,
  startFakeManagementApi,
  startFakeSqs,
  startJwksServer,
} from './test/fake-aws';
import { type GatewayStores, startGatewayStores } from './test/stores';
import { subscriptionKey } from './turn-subscriptions';
import { handler as work } from './worker';

const [pglite] = postgresTargets(undefined);

// Guards against a hang, not timing assertions.
jest.setTimeout(30_000);

const seqs = (events: readonly TurnEvent[]): number[] => events.map((event) => event.seq);
const range = (from: number, to: number): number[] =>
  Array.from({ length: to - from + 1 }, (_, index) => from + index);
const textOf = (events: readonly TurnEvent[]): string =>
  events.map((event) => (event.type === 'text.delta' ? event.data.text : '')).join('');
const words = (count: number): string =>
  Array.from({ length: count }, (_, index) => `word${index}`).join(' ');
const eventsOf = (frames: readonly ServerFrame[], turnId: string): TurnEvent[] =>
  frames
    .filter((frame) => frame.kind === 'event')
    .map((frame) => frame.event)
    .filter((event) => event.turnId === turnId);

/** API Gateway connection ids are base64-like. */
const newConnectionId = (): string => `${randomUUID().replace(/-/g, '').slice(0, 14)}Aw=`;

describe('ws-gateway Lambdas with API Gateway and SQS event shapes', () => {
  let stores: GatewayStores;
  let bedrock: BedrockEmulator;
  let management: FakeManagementApi;
  let sqs: FakeSqs;
  let jwks: { url: string; close(): Promise<void> };
  let identity: TestIdentity;
  let runtime: ChatRuntime;

  beforeAll(async () => {
    if (pglite === undefined) throw new Error('no PGlite target');
    stores = await startGatewayStores(pglite);
    bedrock = await startBedrockEmulator();
    management = await startFakeManagementApi();
    sqs = await startFakeSqs();
    identity = createTestIdentity();
    jwks = await startJwksServer(identity.jwks);
    // The Lambdas read their environment on first use, as on AWS.
    Object.assign(process.env, {
      ...stores.env,
      LOG_LEVEL: 'silent',
      LLM_PROVIDER: 'bedrock',
      BEDROCK_REGION: 'us-east-1',
      BEDROCK_ENDPOINT: bedrock.endpoint,
      AUTH_ISSUER: identity.issuer,
      AUTH_AUDIENCE: identity.audience,
      AUTH_JWKS_URL: jwks.url,
      TURN_QUEUE_URL: sqs.queueUrl,
      WS_CALLBACK_URL: management.callbackUrl,
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
    });
    runtime = createChatRuntime(
      loadConfig(workerConfigSchema, process.env),
      testServiceContext('ws-gateway'),
      { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } },
    );
  }, 120_000);

  afterAll(async () => {
    await runtime?.close();
    await jwks?.close();
    await sqs?.close();
    await management?.close();
    await bedrock?.close();
    await stores?.stop();
  });

  beforeEach(() => bedrock.reset());

  const newUser = (label = 'user') => `${label}-${randomUUID()}`;

  async function newSession(ownerId: string): Promise<string> {
    const session = await runtime
      .sessions(ownerId)
      .createSession({ model: runtime.defaultModelId, title: 'A test session' });
    return session.id;
  }

  /** `$connect` with the token in the query string; returns the connection id. */
  async function connect(user: string): Promise<string> {
    const connectionId = newConnectionId();
    const result = await socket(
      connectEvent({ connectionId, token: await identity.tokenFor(user) }),
    );
    expect(result.statusCode).toBe(200);
    return connectionId;
  }

  /** `sendMessage` → the ack posted to the connection, and the turn job queued. */
  async function sendMessage(connectionId: string, sessionId: string, content: string) {
    const queued = sqs.messages.length;
    const requestId = `r-${randomUUID().slice(0, 8)}`;
    const result = await socket(
      messageEvent(connectionId, {
        action: 'sendMessage',
        requestId,
        sessionId,
        clientMessageId: `cm-${randomUUID()}`,
        content,
      }),
    );
    expect(result).toEqual({ statusCode: 200 });
    const ack = management
      .framesOf(connectionId)
      .find((frame) => frame.kind === 'ack' && frame.requestId === requestId);
    expect(ack).toMatchObject({ kind: 'ack', action: 'sendMessage', sessionId });
    const message = sqs.messages[queued];
    if (message === undefined || ack?.kind !== 'ack') throw new Error('nothing was queued');
    return { turnId: ack.turnId, message: message.body };
  }

  async function untilFrame(
    connectionId: string,
    matches: (frame: ServerFrame) => boolean,
  ): Promise<void> {
    for (let attempt = 0; attempt < 400; attempt += 1) {
      if (management.framesOf(connectionId).some(matches)) return;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error(`no matching frame for ${connectionId}`);
  }

  async function subscriptionRecord(turnId: string) {
    const { Item: record } = await stores.dynamo.documents.send(
      new GetCommand({
        TableName: stores.tableNames.connections,
        Key: { connectionId: subscriptionKey(turnId) },
        ConsistentRead: true,
      }),
    );
    return record;
  }

  async function subscribersOf(turnId: string): Promise<unknown> {
    return (await subscriptionRecord(turnId))?.['subscribers'];
  }

  describe('authorizer ($connect)', () => {
    it('allows a valid token from the query string, with the principal as context', async () => {
      const user = newUser();
      const response = await authorize(
        authorizerEvent({ connectionId: newConnectionId(), token: await identity.tokenFor(user) }),
      );
      expect(response).toMatchObject({
        principalId: user,
        policyDocument: {
          Version: '2012-10-17',
          Statement: [
            {
              Action: 'execute-api:Invoke',
              Effect: 'Allow',
              Resource: 'arn:aws:execute-api:eu-west-1:123456789012:ws123/prod/$connect',
            },
          ],
        },
        context: { sub: user, username: user, groups: '' },
      });
    });

    it('allows a token offered as the bearer subprotocol', async () => {
      const user = newUser();
      const response = await authorize(
        authorizerEvent({
          connectionId: newConnectionId(),
          protocolHeader: `bearer, ${await identity.tokenFor(user)}`,
        }),
      );
      expect(response.policyDocument.Statement[0]?.Effect).toBe('Allow');
      expect(response.principalId).toBe(user);
    });

    it('denies an expired or forged token and refuses a missing one with Unauthorized', async () => {
      const expired = await authorize(
        authorizerEvent({
          connectionId: newConnectionId(),
          token: await identity.tokenFor(newUser(), { expiresInSeconds: -120 }),
        }),
      );
      expect(expired).toMatchObject({
        principalId: 'anonymous',
        policyDocument: { Statement: [{ Effect: 'Deny' }] },
        context: { reason: 'TOKEN_EXPIRED' },
      });
      const forged = await authorize(
        authorizerEvent({
          connectionId: newConnectionId(),
          token: await identity.tokenFor(newUser(), { signature: 'alg-none' }),
        }),
      );
      expect(forged.policyDocument.Statement[0]?.Effect).toBe('Deny');
      await expect(authorize(authorizerEvent({ connectionId: newConnectionId() }))).rejects.toThrow(
        'Unauthorized',
      );
    });
  });

  describe('socket routes (lambda.ts)', () => {
    it('$connect verifies the query token, records the connection; $disconnect forgets it', async () => {
      const user = newUser();
      const connectionId = await connect(user);
      expect(await runtime.connections.get(connectionId)).toMatchObject({ userId: user });

      expect(await socket(disconnectEvent(connectionId))).toEqual({ statusCode: 200 });
      expect(await runtime.connections.get(connectionId)).toBeUndefined();
    });

    it('$connect trusts the authorizer context and echoes the bearer subprotocol', async () => {
      const user = newUser();
      const connectionId = newConnectionId();
      const token = await identity.tokenFor(user);
      const allowed = await authorize(
        authorizerEvent({ connectionId, protocolHeader: `bearer, ${token}` }),
      );
      const result = await socket(
        connectEvent({
          connectionId,
          protocolHeader: `bearer, ${token}`,
          authorizer: { principalId: allowed.principalId, ...allowed.context },
        }),
      );
      expect(result).toEqual({
        statusCode: 200,
        headers: { 'Sec-WebSocket-Protocol': 'bearer' },
      });
      expect(await runtime.connections.get(connectionId)).toMatchObject({ userId: user });
    });

    it('$connect refuses a missing or expired token with 401', async () => {
      const missing = await socket(connectEvent({ connectionId: newConnectionId() }));
      expect(missing.statusCode).toBe(401);
      const expired = await socket(
        connectEvent({
          connectionId: newConnectionId(),
          token: await identity.tokenFor(newUser(), { expiresInSeconds: -120 }),
        }),
      );
      expect(expired.statusCode).toBe(401);
      expect(JSON.parse(expired.body ?? '{}')).toMatchObject({ error: { code: 'TOKEN_EXPIRED' } });
    });

    it('answers malformed frames on $default with error frames posted to the connection', async () => {
      const connectionId = await connect(newUser());
      for (const body of ['{oops', JSON.stringify({ action: 'dance' }), '{"action":"cancel"}']) {
        expect(await socket(messageEvent(connectionId, body, '$default'))).toEqual({
          statusCode: 200,
        });
      }
      expect(await socket(messageEvent(connectionId, { action: 'ping', requestId: 'p1' }))).toEqual(
        { statusCode: 200 },
      );
      expect(management.framesOf(connectionId)).toEqual([
        expect.objectContaining({
          kind: 'error',
          error: expect.objectContaining({ code: 'INVALID_FRAME' }),
        }),
        expect.objectContaining({
          kind: 'error',
          error: expect.objectContaining({ code: 'UNKNOWN_ACTION' }),
        }),
        expect.objectContaining({
          kind: 'error',
          error: expect.objectContaining({ code: 'INVALID_FRAME' }),
        }),
        { kind: 'pong', requestId: 'p1', status: 'ok' },
      ]);
    });
  });

  describe('sendMessage → turn queue → worker', () => {
    it('acks, queues the turn, and the worker posts its events in order and stores them', async () => {
      const user = newUser();
      const session = await newSession(user);
      const connectionId = await connect(user);
      const answer = 'Streamed by the worker, posted to the connection.';
      bedrock.enqueue(bedrockScripts.text(answer));

      const { turnId, message } = await sendMessage(connectionId, session, 'Hello worker.');
      expect(JSON.parse(message)).toMatchObject({
        turnId,
        ownerId: user,
        connectionId,
        request: { sessionId: session, content: 'Hello worker.' },
      });
      const batch = await work(sqsEvent([message]));

      expect(batch).toEqual({ batchItemFailures: [] });
      const frames = management.framesOf(connectionId);
      expect(frames[0]).toMatchObject({ kind: 'ack', turnId });
      const events = eventsOf(frames, turnId);
      expect(seqs(events)).toEqual(range(0, events.length - 1));
      expect(events.at(-1)).toMatchObject({ type: 'turn.completed', data: { status: 'complete' } });
      expect(textOf(events)).toBe(answer);
      expect((await runtime.engine.replay(user, turnId, -1)).events).toEqual(events);
      const posted = management.posts.filter((post) => post.connectionId === connectionId);
      expect(posted.every((post) => post.frame !== undefined)).toBe(true);
      expect(Math.max(...posted.map((post) => post.bytes))).toBeLessThanOrEqual(
        MAX_SERVER_FRAME_BYTES,
      );
      // The subscriber record is closed once the worker is done.
      expect(await subscriptionRecord(turnId)).toMatchObject({
        ownerId: user,
        sessionId: session,
        closed: true,
        subscribers: { [connectionId]: -1 },
      });
    });

    it('resumes a worker turn on a new connection after the first one is gone, every event once', async () => {
      const user = newUser();
      const session = await newSession(user);
      const first = await connect(user);
      bedrock.enqueue(bedrockScripts.text(words(60), { tokenDelayMs: 20 }));
      const { turnId, message } = await sendMessage(first, session, 'Take your time.');
      // The client's network fails after the ack and eight events: API Gateway answers 410.
      management.markGone(first, 8);

      const worker = work(sqsEvent([message]));
      await untilFrame(first, (frame) => frame.kind === 'event' && frame.event.seq === 7);
      const applied = eventsOf(management.framesOf(first), turnId);
      const lastApplied = applied.at(-1)?.seq ?? -1;
      expect(seqs(applied)).toEqual(range(0, 7));

      const second = await connect(user);
      await socket(
        messageEvent(second, { action: 'resume', requestId: 'r1', turnId, afterSeq: lastApplied }),
      );
      expect(await worker).toEqual({ batchItemFailures: [] });

      const frames = management.framesOf(second);
      expect(frames[0]).toMatchObject({
        kind: 'ack',
        action: 'resume',
        turnId,
        sessionId: session,
      });
      const resumed = eventsOf(frames, turnId);
      expect(seqs(resumed)).toEqual(range(lastApplied + 1, resumed.at(-1)?.seq ?? -1));
      expect(resumed.at(-1)?.type).toBe('turn.completed');
      expect(textOf([...applied, ...resumed])).toBe(words(60));
      expect((await runtime.engine.replay(user, turnId, -1)).events).toEqual([
        ...applied,
        ...resumed,
      ]);
      // The gone connection's record went with it, and the worker served the resumed one as a
      // subscriber (not only from the store): it is in the closed subscriber record.
      expect(await runtime.connections.get(first)).toBeUndefined();
      // (Its watermark is lastApplied, or more if the route sent some stored events itself.)
      const subscribers = (await subscribersOf(turnId)) as Record<string, number>;
      expect(Object.keys(subscribers)).toEqual([second]);
      expect(subscribers[second]).toBeGreaterThanOrEqual(lastApplied);
    });

    it('resumes an ended turn from the store', async () => {
      const user = newUser();
      const session = await newSession(user);
      const connectionId = await connect(user);
      bedrock.enqueue(bedrockScripts.text('Short and done.'));
      const { turnId, message } = await sendMessage(connectionId, session, 'Quick one.');
      await work(sqsEvent([message]));

      const later = await connect(user);
      await socket(messageEvent(later, { action: 'resume', turnId, afterSeq: 1 }));
      const events = eventsOf(management.framesOf(later), turnId);
      expect(seqs(events)).toEqual(range(2, events.length + 1));
      expect(events.at(-1)?.type).toBe('turn.completed');
      for (const event of events) expect(turnEventSchema.parse(event)).toEqual(event);
    });

    it('cancels a running worker turn from another Lambda; the partial answer is stored', async () => {
      const user = newUser();
      const session = await newSession(user);
      const connectionId = await connect(user);
      bedrock.enqueue(bedrockScripts.text(words(400), { tokenDelayMs: 10 }));
      const { turnId, message } = await sendMessage(connectionId, session, 'Go on and on.');
      const worker = work(sqsEvent([message]));
      await untilFrame(connectionId, (frame) => frame.kind === 'event' && frame.event.seq >= 5);

      await socket(messageEvent(connectionId, { action: 'cancel', requestId: 'c1', turnId }));
      expect(await worker).toEqual({ batchItemFailures: [] });

      const frames = management.framesOf(connectionId);
      expect(frames).toContainEqual(
        expect.objectContaining({ kind: 'ack', action: 'cancel', requestId: 'c1', turnId }),
      );
      const events = eventsOf(frames, turnId);
      expect(events.at(-1)).toMatchObject({
        type: 'turn.completed',
        data: { status: 'cancelled' },
      });
      const partial = textOf(events);
      expect(words(400).startsWith(partial)).toBe(true);
      expect(partial.length).toBeLessThan(words(400).length);
      const messages = (await runtime.sessions(user).listMessages(session)).items;
      expect(messages[1]).toMatchObject({ status: 'cancelled', content: [{ text: partial }] });
    });

    it("answers another user's turns and sessions with 404 codes", async () => {
      const alice = newUser('alice');
      const bob = newUser('bob');
      const session = await newSession(alice);
      const aliceConnection = await connect(alice);
      const bobConnection = await connect(bob);
      bedrock.enqueue(bedrockScripts.text('For Alice only.'));
      const { turnId, message } = await sendMessage(aliceConnection, session, 'Mine.');
      await work(sqsEvent([message]));

      await socket(
        messageEvent(bobConnection, { action: 'resume', requestId: 'b1', turnId, afterSeq: -1 }),
      );
      await socket(messageEvent(bobConnection, { action: 'cancel', requestId: 'b2', turnId }));
      // The socket route acks Bob's message; the worker then finds the session is not his.
      const bobs = await sendMessage(bobConnection, session, 'Let me in.');
      expect(await work(sqsEvent([bobs.message]))).toEqual({ batchItemFailures: [] });

      const errors = management
        .framesOf(bobConnection)
        .filter((frame) => frame.kind === 'error')
        .map((frame) => [frame.requestId, frame.error.code]);
      expect(errors).toEqual([
        ['b1', 'TURN_NOT_FOUND'],
        ['b2', 'TURN_NOT_FOUND'],
        [expect.any(String), 'SESSION_NOT_FOUND'],
      ]);
      expect(eventsOf(management.framesOf(bobConnection), turnId)).toEqual([]);
      const messages = (await runtime.sessions(alice).listMessages(session)).items;
      expect(messages.map((entry) => entry.role)).toEqual(['user', 'assistant']);
    });

    it('drops a message that is not a turn job and reports nothing to redeliver', async () => {
      expect(await work(sqsEvent(['not json', JSON.stringify({ turnId: 'x' })]))).toEqual({
        batchItemFailures: [],
      });
      await expect(work({ Records: [] })).rejects.toMatchObject({ code: 'UNSUPPORTED_EVENT' });
    });
  });
});
