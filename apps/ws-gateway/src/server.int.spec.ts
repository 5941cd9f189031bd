import { randomUUID } from 'node:crypto';

import { type ChatRuntime, createChatRuntime } from '@lgm/chat';
import {
  healthResponseSchema,
  MAX_SERVER_FRAME_BYTES,
  type ServerFrame,
  type TurnEvent,
} from '@lgm/contracts';
import { loadConfig } from '@lgm/core';
import { postgresTargets } from '@lgm/local-stack';
import {
  type BedrockEmulator,
  bedrockScripts,
  createTestIdentity,
  type McpTestServer,
  probeEntryHealth,
  runEntry,
  startBedrockEmulator,
  startEntry,
  startMcpTestServer,
  type TestIdentity,
  testServiceContext,
} from '@lgm/testing';
import type { FastifyInstance } from 'fastify';

import { buildApp } from './app';
import { bootstrap } from './bootstrap';
import { type ServerConfig, serverConfigSchema } from './config';
import { MAX_CLIENT_FRAME_BYTES } from './frames';
import { startJwksServer } from './test/fake-aws';
import { type GatewayStores, startGatewayStores } from './test/stores';
import { HandshakeRefused, TestSocket } from './test/test-socket';

type Ack = Extract<ServerFrame, { kind: 'ack' }>;
type ErrorFrame = Extract<ServerFrame, { kind: 'error' }>;

const isAck =
  (action: Ack['action'], requestId?: string) =>
  (frame: ServerFrame): frame is Ack =>
    frame.kind === 'ack' &&
    frame.action === action &&
    (requestId === undefined || frame.requestId === requestId);
const isError =
  (requestId?: string) =>
  (frame: ServerFrame): frame is ErrorFrame =>
    frame.kind === 'error' && (requestId === undefined || frame.requestId === requestId);

const seqs = (events: readonly TurnEvent[]): number[] => events.map((event) => event.seq);
const range = (from: number, to: number): number[] =>
  Array.from({ length: to - from + 1 }, (_, index) => from + index);
const textOf = (events: readonly TurnEvent[]): string =>
  events.map((event) => (event.type === 'text.delta' ? event.data.text : '')).join('');
const words = (count: number): string =>
  Array.from({ length: count }, (_, index) => `word${index}`).join(' ');

// PGlite always (the gateway's behaviour does not depend on the SQL engine).
const [pglite] = postgresTargets(undefined);

// Guards against a hang (a frame that never comes), not timing assertions.
jest.setTimeout(30_000);

describe('ws-gateway through a real WebSocket client against the local server', () => {
  let stores: GatewayStores;
  let bedrock: BedrockEmulator;
  let mcp: McpTestServer;
  let identity: TestIdentity;
  let env: Record<string, string>;
  let config: ServerConfig;
  let app: FastifyInstance;
  let url: string;
  /** The test's own view of the stores (sessions, stored events, messages). */
  let runtime: ChatRuntime;

  const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

  async function startApp(overrides: Record<string, string> = {}, logLines?: string[]) {
    const appConfig = loadConfig(serverConfigSchema, { ...env, ...overrides });
    const instance = buildApp(
      bootstrap(appConfig, {
        verifier: identity.verifier,
        runtime: { credentials },
        ...(logLines === undefined
          ? {}
          : { logDestination: { write: (line: string) => void logLines.push(line) } }),
      }),
    );
    const address = await instance.listen({ host: '127.0.0.1', port: 0 });
    return { app: instance, url: address };
  }

  beforeAll(async () => {
    if (pglite === undefined) throw new Error('no PGlite target');
    stores = await startGatewayStores(pglite);
    bedrock = await startBedrockEmulator();
    mcp = await startMcpTestServer();
    identity = createTestIdentity();
    env = {
      ...stores.env,
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'silent',
      LLM_PROVIDER: 'bedrock',
      BEDROCK_REGION: 'us-east-1',
      BEDROCK_ENDPOINT: bedrock.endpoint,
      AUTH_ISSUER: identity.issuer,
      AUTH_AUDIENCE: identity.audience,
    };
    config = loadConfig(serverConfigSchema, env);
    ({ app, url } = await startApp());
    runtime = createChatRuntime(config, testServiceContext('ws-gateway'), { credentials });
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    await runtime?.close();
    await mcp?.close();
    await bedrock?.close();
    await stores?.stop();
  });

  beforeEach(() => bedrock.reset());

  const newUser = (label = 'user') => `${label}-${randomUUID()}`;

  async function connect(sub: string): Promise<TestSocket> {
    return TestSocket.open(url, { token: await identity.tokenFor(sub) });
  }

  /**
   * A session titled already, so no title generation competes for the emulator's replies
   * (`untitled` leaves the default title, which the first answer replaces).
   */
  async function newSession(ownerId: string, options: { untitled?: boolean } = {}) {
    const session = await runtime.sessions(ownerId).createSession({
      model: runtime.defaultModelId,
      ...(options.untitled === true ? {} : { title: 'A test session' }),
    });
    return session.id;
  }

  /** Sends a message and waits for its ack; returns the turn id. */
  async function sendMessage(socket: TestSocket, sessionId: string, content: string) {
    const requestId = `send-${randomUUID().slice(0, 8)}`;
    const from = socket.frames.length;
    socket.send({
      action: 'sendMessage',
      requestId,
      sessionId,
      clientMessageId: `cm-${randomUUID()}`,
      content,
    });
    const ack = await socket.waitFor(isAck('sendMessage', requestId), 'the sendMessage ack', from);
    return ack.turnId;
  }

  /** Stored events lag live ones by a flush: wait until the terminal one is stored. */
  async function untilStored(ownerId: string, turnId: string): Promise<TurnEvent[]> {
    for (let attempt = 0; attempt < 100; attempt += 1) {
      const replay = await runtime.engine.replay(ownerId, turnId, -1);
      if (replay.ended && replay.events.some((event) => event.type.startsWith('turn.'))) {
        const last = replay.events.at(-1);
        if (last?.type === 'turn.completed' || last?.type === 'turn.failed') return replay.events;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`turn ${turnId} was never stored as ended`);
  }

  describe('$connect', () => {
    it('refuses a handshake without a token with HTTP 401 and opens no socket', async () => {
      const refused = await TestSocket.open(url).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(HandshakeRefused);
      expect((refused as HandshakeRefused).status).toBe(401);
      expect(JSON.parse((refused as HandshakeRefused).body)).toMatchObject({
        error: { code: 'UNAUTHORIZED' },
      });
    });

    it('refuses an expired token and a token signed by someone else', async () => {
      const expired = await TestSocket.open(url, {
        token: await identity.tokenFor(newUser(), { expiresInSeconds: -120 }),
      }).catch((error: unknown) => error);
      expect((expired as HandshakeRefused).status).toBe(401);
      expect(JSON.parse((expired as HandshakeRefused).body)).toMatchObject({
        error: { code: 'TOKEN_EXPIRED' },
      });

      const forged = await TestSocket.open(url, {
        token: await identity.tokenFor(newUser(), { signature: 'foreign-key' }),
      }).catch((error: unknown) => error);
      expect((forged as HandshakeRefused).status).toBe(401);
    });

    it('takes the token from Sec-WebSocket-Protocol and answers with the bearer subprotocol', async () => {
      const socket = await TestSocket.open(url, {
        protocols: ['bearer', await identity.tokenFor(newUser())],
      });
      expect(socket.protocol).toBe('bearer');
      await socket.roundTrip('p1');
      expect(socket.frames).toEqual([{ kind: 'pong', requestId: 'p1', status: 'ok' }]);
      socket.close();
    });

    it('records the connection for its user and forgets it on close', async () => {
      const user = newUser();
      const socket = await connect(user);
      await socket.roundTrip('p');
      const [connectionId] = await runtime.connections.listByUser(user);
      expect(connectionId).toBeDefined();
      expect(await runtime.connections.get(connectionId ?? '')).toMatchObject({ userId: user });

      socket.close();
      await socket.untilClosed();
      for (let attempt = 0; attempt < 50; attempt += 1) {
        if ((await runtime.connections.get(connectionId ?? '')) === undefined) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(await runtime.connections.get(connectionId ?? '')).toBeUndefined();
    });

    it('never writes the token of the query string to its logs', async () => {
      const lines: string[] = [];
      const logged = await startApp({ LOG_LEVEL: 'trace' }, lines);
      try {
        const user = newUser();
        const token = await identity.tokenFor(user);
        const socket = await TestSocket.open(logged.url, { token });
        const session = await newSession(user);
        bedrock.enqueue(bedrockScripts.text('Logged turn.'));
        await socket.untilEnded(await sendMessage(socket, session, 'Hello.'));
        socket.close();
        await socket.untilClosed();
        const refused = await TestSocket.open(logged.url, {
          token: `${token.slice(0, -4)}AAAA`,
        }).catch((error: unknown) => error);
        expect(refused).toBeInstanceOf(HandshakeRefused);
      } finally {
        await logged.app.close();
      }
      expect(lines.length).toBeGreaterThan(0);
      const signature = lines.join('\n');
      expect(signature).not.toContain('token=');
      expect(signature).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}/);
    });

    it('answers a plain GET /ws with 426 and serves health', async () => {
      const plain = await fetch(`${url}/ws`, {
        headers: { authorization: `Bearer ${await identity.tokenFor(newUser())}` },
      });
      expect(plain.status).toBe(426);
      const health = await fetch(`${url}/health`);
      expect(healthResponseSchema.parse(await health.json()).service).toBe('ws-gateway');
    });
  });

  describe('frames', () => {
    it('answers malformed frames with error frames and keeps the connection open', async () => {
      const socket = await connect(newUser());
      const session = await newSession(newUser());
      const cases: [unknown, string][] = [
        ['not json at all', 'INVALID_FRAME'],
        ['', 'INVALID_FRAME'],
        ['[1,2,3]', 'INVALID_FRAME'],
        [{ requestId: 'r1' }, 'INVALID_FRAME'],
        [{ action: 'dance' }, 'UNKNOWN_ACTION'],
        [{ action: 42 }, 'INVALID_FRAME'],
        [{ action: 'sendMessage', requestId: 'r2' }, 'INVALID_FRAME'],
        [
          {
            action: 'sendMessage',
            sessionId: session,
            clientMessageId: 'c1',
            content: 'hi',
            extra: true,
          },
          'INVALID_FRAME',
        ],
        [
          { action: 'sendMessage', sessionId: session, clientMessageId: 'c1', content: '   ' },
          'INVALID_FRAME',
        ],
        [{ action: 'resume', turnId: 'not-a-ulid', afterSeq: 0 }, 'INVALID_FRAME'],
        [{ action: 'resume', turnId: session, afterSeq: -2 }, 'INVALID_FRAME'],
        [{ action: 'cancel' }, 'INVALID_FRAME'],
        [{ action: 'ping', requestId: 'has spaces' }, 'INVALID_FRAME'],
        ['x'.repeat(MAX_CLIENT_FRAME_BYTES + 1), 'FRAME_TOO_LARGE'],
      ];
      for (const [frame] of cases) socket.send(frame);
      await socket.roundTrip('after');

      const errors = socket.frames.filter((frame) => frame.kind === 'error');
      expect(errors.map((frame) => frame.error.code)).toEqual(cases.map(([, code]) => code));
      // A valid request id is echoed even when the frame is refused.
      expect(errors[3]).toMatchObject({ requestId: 'r1' });
      expect(errors[6]).toMatchObject({
        requestId: 'r2',
        error: {
          details: expect.arrayContaining([expect.objectContaining({ path: 'sessionId' })]),
        },
      });
      expect(socket.closed).toBeUndefined();
      expect(socket.contractProblems).toEqual([]);
      socket.close();
    });
  });

  describe('turns', () => {
    it('streams an answer in order, as events of the contract, and stores it', async () => {
      const user = newUser();
      const session = await newSession(user);
      const answer = 'The quick brown fox jumps over the lazy dog.';
      bedrock.enqueue(bedrockScripts.text(answer));
      const socket = await connect(user);

      const turnId = await sendMessage(socket, session, 'Tell me about foxes.');
      const events = await socket.untilEnded(turnId);

      // The ack comes first, then every event exactly once, in seq order from 0.
      expect(socket.frames[0]).toMatchObject({ kind: 'ack', turnId, sessionId: session });
      expect(seqs(events)).toEqual(range(0, events.length - 1));
      expect(events[0]?.type).toBe('turn.started');
      expect(events.at(-1)).toMatchObject({
        type: 'turn.completed',
        data: { status: 'complete', stopReason: 'end_turn' },
      });
      expect(textOf(events)).toBe(answer);
      expect(socket.contractProblems).toEqual([]);

      // Stored: the same events, and the answer beside the question.
      expect(await untilStored(user, turnId)).toEqual(events);
      const messages = (await runtime.sessions(user).listMessages(session)).items;
      expect(messages.map((message) => message.role)).toEqual(['user', 'assistant']);
      expect(messages[1]).toMatchObject({
        turnId,
        status: 'complete',
        content: [{ type: 'text', text: answer }],
      });
      socket.close();
    });

    it('shows a tool call round trip as events, through a real MCP server', async () => {
      const user = newUser();
      await runtime.mcpTools(user).register({ name: 'tools', url: mcp.url });
      const session = await newSession(user);
      bedrock.enqueue(
        bedrockScripts.toolUse([{ name: 'tools__echo', input: { text: 'ping from the model' } }]),
        bedrockScripts.text('The tool answered.'),
      );
      const socket = await connect(user);

      const turnId = await sendMessage(socket, session, 'Use the echo tool.');
      const events = await socket.untilEnded(turnId);

      const types = events.map((event) => event.type);
      const call = events.find((event) => event.type === 'tool.call');
      const result = events.find((event) => event.type === 'tool.result');
      expect(call).toMatchObject({
        data: { name: 'tools__echo', input: { text: 'ping from the model' } },
      });
      expect(result).toMatchObject({
        data: { name: 'tools__echo', status: 'success', output: 'ping from the model' },
      });
      expect(types.indexOf('tool.call')).toBeLessThan(types.indexOf('tool.result'));
      expect(types.indexOf('tool.result')).toBeLessThan(types.lastIndexOf('text.delta'));
      expect(types.at(-1)).toBe('turn.completed');
      expect(seqs(events)).toEqual(range(0, events.length - 1));
      expect(mcp.calls.map((entry) => entry.tool)).toContain('echo');
      expect(await untilStored(user, turnId)).toEqual(events);
      socket.close();
    });

    it('resumes after a dropped socket with every missed event exactly once', async () => {
      const user = newUser();
      const session = await newSession(user);
      bedrock.enqueue(bedrockScripts.text(words(40), { tokenDelayMs: 15 }));
      const first = await connect(user);
      const turnId = await sendMessage(first, session, 'A long answer, please.');
      await first.waitFor(
        (frame) => frame.kind === 'event' && frame.event.seq >= 5,
        'the first few events',
      );
      first.terminate();
      // What the client applied before its network failed.
      const applied = first.events(turnId);
      const lastApplied = applied.at(-1)?.seq ?? -1;
      expect(seqs(applied)).toEqual(range(0, lastApplied));

      const second = await connect(user);
      second.send({ action: 'resume', requestId: 'r1', turnId, afterSeq: lastApplied });
      const ack = await second.waitFor(isAck('resume', 'r1'), 'the resume ack');
      expect(ack).toMatchObject({ turnId, sessionId: session });
      const resumed = await second.untilEnded(turnId);

      expect(seqs(resumed)).toEqual(range(lastApplied + 1, resumed.at(-1)?.seq ?? -1));
      const whole = [...applied, ...resumed];
      expect(textOf(whole)).toBe(words(40));
      expect(await untilStored(user, turnId)).toEqual(whole);

      // A repeated resume on the same connection never sends an event twice: the connection's
      // watermark is past everything it was sent.
      second.send({ action: 'resume', requestId: 'r2', turnId, afterSeq: lastApplied });
      await second.waitFor(isAck('resume', 'r2'), 'the second resume ack');
      await second.roundTrip('settled');
      expect(seqs(second.events(turnId))).toEqual(seqs(resumed));

      // A new connection resuming from the start gets the whole turn, from the store.
      const third = await connect(user);
      third.send({ action: 'resume', turnId, afterSeq: -1 });
      expect(await third.untilEnded(turnId)).toEqual(whole);
      second.close();
      third.close();
    });

    it('resumes from the store when the live turn has dropped the events the client lacks', async () => {
      // A server that keeps only 64 events of a live turn in memory.
      const small = await startApp({ WS_MAX_EVENTS_PER_TURN: '64' });
      try {
        const user = newUser();
        const session = await newSession(user);
        bedrock.enqueue(bedrockScripts.text(words(300), { tokenDelayMs: 3 }));
        const token = await identity.tokenFor(user);
        const first = await TestSocket.open(small.url, { token });
        const turnId = await sendMessage(first, session, 'Three hundred words.');
        await first.waitFor(
          (frame) => frame.kind === 'event' && frame.event.seq >= 3,
          'the first events',
        );
        first.terminate();
        const applied = first.events(turnId);
        const lastApplied = applied.at(-1)?.seq ?? -1;

        // Once the turn is far past the 64 kept events, a late client resumes from its start.
        const observer = await TestSocket.open(small.url, { token });
        observer.send({ action: 'resume', turnId, afterSeq: 250 });
        await observer.waitFor(
          (frame) => frame.kind === 'event' && frame.event.seq >= 251,
          'the turn to pass seq 250',
        );
        const late = await TestSocket.open(small.url, { token });
        late.send({ action: 'resume', turnId, afterSeq: lastApplied });
        const resumed = await late.untilEnded(turnId);

        expect(seqs(resumed)).toEqual(range(lastApplied + 1, resumed.at(-1)?.seq ?? -1));
        expect(textOf([...applied, ...resumed])).toBe(words(300));
        expect(resumed.at(-1)?.type).toBe('turn.completed');
        observer.close();
        late.close();
      } finally {
        await small.app.close();
      }
    });

    it('cancels a turn and stores its partial answer as cancelled', async () => {
      const user = newUser();
      const session = await newSession(user);
      bedrock.enqueue(bedrockScripts.text(words(200), { tokenDelayMs: 20 }));
      const socket = await connect(user);
      const turnId = await sendMessage(socket, session, 'Talk for a long time.');
      await socket.waitFor(
        (frame) =>
          frame.kind === 'event' && frame.event.type === 'text.delta' && frame.event.seq >= 4,
        'some text',
      );

      socket.send({ action: 'cancel', requestId: 'c1', turnId });
      expect(await socket.waitFor(isAck('cancel', 'c1'), 'the cancel ack')).toMatchObject({
        turnId,
        sessionId: session,
      });
      const events = await socket.untilEnded(turnId);

      const partial = textOf(events);
      expect(events.at(-1)).toMatchObject({
        type: 'turn.completed',
        data: { status: 'cancelled' },
      });
      expect(partial.length).toBeGreaterThan(0);
      expect(words(200).startsWith(partial)).toBe(true);
      expect(partial.length).toBeLessThan(words(200).length);
      await untilStored(user, turnId);
      const messages = (await runtime.sessions(user).listMessages(session)).items;
      expect(messages[1]).toMatchObject({
        role: 'assistant',
        status: 'cancelled',
        content: [{ type: 'text', text: partial }],
      });
      socket.close();
    });

    it('reports a model failure as turn.failed and keeps the user message and partial answer', async () => {
      const user = newUser();
      const session = await newSession(user);
      bedrock.enqueue(bedrockScripts.streamException('Half an answer, then '));
      const socket = await connect(user);

      const turnId = await sendMessage(socket, session, 'This will break.');
      const events = await socket.untilEnded(turnId);

      const failed = events.at(-1);
      expect(failed?.type).toBe('turn.failed');
      expect(textOf(events)).toBe('Half an answer, then ');
      const messages = (await runtime.sessions(user).listMessages(session)).items;
      expect(messages[0]).toMatchObject({
        role: 'user',
        content: [{ type: 'text', text: 'This will break.' }],
      });
      expect(await untilStored(user, turnId)).toEqual(events);

      // A failure before any output fails the turn the same way; the question is kept.
      bedrock.enqueue(bedrockScripts.accessDenied());
      const second = await sendMessage(socket, session, 'And this one?');
      const secondEvents = await socket.untilEnded(second);
      expect(secondEvents.at(-1)?.type).toBe('turn.failed');
      const after = (await runtime.sessions(user).listMessages(session)).items;
      expect(after.filter((message) => message.role === 'user').map((m) => m.content)).toEqual([
        [{ type: 'text', text: 'This will break.' }],
        [{ type: 'text', text: 'And this one?' }],
      ]);
      socket.close();
    });

    it('delivers a 100 KB answer intact, in frames under the frame limit', async () => {
      const user = newUser();
      const session = await newSession(user);
      const big = `${'Lorem ipsum dolor sit amet, consectetur adipiscing elit. '.repeat(1800)}ünïcødé ✓ 🚀 "quoted" \\ end`;
      expect(Buffer.byteLength(big)).toBeGreaterThan(100 * 1024);
      // One model delta of the whole text: the largest event a model can cause.
      bedrock.enqueue(bedrockScripts.text(big, { deltas: 1 }));
      const socket = await connect(user);

      const turnId = await sendMessage(socket, session, 'Write a lot.');
      const events = await socket.untilEnded(turnId);

      expect(textOf(events)).toBe(big);
      expect(events.filter((event) => event.type === 'text.delta').length).toBeGreaterThan(3);
      expect(Math.max(...socket.frameBytes)).toBeLessThanOrEqual(MAX_SERVER_FRAME_BYTES);
      expect(socket.contractProblems).toEqual([]);
      socket.close();
    });

    it("answers another user's turns and sessions with 404 codes and leaves them alone", async () => {
      const alice = newUser('alice');
      const bob = newUser('bob');
      const session = await newSession(alice);
      bedrock.enqueue(bedrockScripts.text(words(30), { tokenDelayMs: 10 }));
      const aliceSocket = await connect(alice);
      const bobSocket = await connect(bob);
      const turnId = await sendMessage(aliceSocket, session, 'Mine.');

      bobSocket.send({ action: 'resume', requestId: 'b1', turnId, afterSeq: -1 });
      bobSocket.send({ action: 'cancel', requestId: 'b2', turnId });
      bobSocket.send({
        action: 'sendMessage',
        requestId: 'b3',
        sessionId: session,
        clientMessageId: 'bob-1',
        content: 'Let me in.',
      });
      const codes = await Promise.all(
        ['b1', 'b2', 'b3'].map(async (id) => (await bobSocket.waitFor(isError(id), id)).error.code),
      );
      expect(codes).toEqual(['TURN_NOT_FOUND', 'TURN_NOT_FOUND', 'SESSION_NOT_FOUND']);

      // Alice's turn ran to its end, untouched, and Bob got none of its events.
      const events = await aliceSocket.untilEnded(turnId);
      expect(events.at(-1)).toMatchObject({ data: { status: 'complete' } });
      await untilStored(alice, turnId);
      bobSocket.send({ action: 'resume', requestId: 'b4', turnId, afterSeq: -1 });
      expect((await bobSocket.waitFor(isError('b4'), 'b4')).error.code).toBe('TURN_NOT_FOUND');
      expect(bobSocket.events()).toEqual([]);
      const messages = (await runtime.sessions(alice).listMessages(session)).items;
      expect(messages.map((message) => message.role)).toEqual(['user', 'assistant']);
      aliceSocket.close();
      bobSocket.close();
    });

    it('acks a repeated message as a duplicate and sends the new title as a session frame', async () => {
      const user = newUser();
      const session = await newSession(user, { untitled: true });
      bedrock.enqueue(bedrockScripts.text('First answer.'), bedrockScripts.text('Foxes and dogs'));
      const socket = await connect(user);
      const frame = {
        action: 'sendMessage',
        sessionId: session,
        clientMessageId: 'same-id',
        content: 'A question about foxes.',
      };

      socket.send({ ...frame, requestId: 'one' });
      const first = await socket.waitFor(isAck('sendMessage', 'one'), 'the first ack');
      await socket.untilEnded(first.turnId);
      const title = await socket.waitFor(
        (candidate) => candidate.kind === 'session',
        'the session frame',
      );
      expect(title).toMatchObject({ session: { id: session, title: 'Foxes and dogs' } });

      socket.send({ ...frame, requestId: 'two' });
      const second = await socket.waitFor(isAck('sendMessage', 'two'), 'the second ack');
      expect(second).toMatchObject({ turnId: first.turnId, duplicate: true });
      socket.close();
    });
  });

  describe('the entry process (server.ts)', () => {
    let jwks: { url: string; close(): Promise<void> };

    beforeAll(async () => {
      jwks = await startJwksServer(identity.jwks);
    });
    afterAll(async () => {
      await jwks?.close();
    });

    const processEnv = () => ({
      ...env,
      LOG_LEVEL: 'info',
      AUTH_JWKS_URL: jwks.url,
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    });

    it('serves health over real HTTP and exits 0 on SIGTERM', async () => {
      const probe = await probeEntryHealth('apps/ws-gateway/src/server.ts', processEnv());
      expect(probe.status).toBe(200);
      expect(healthResponseSchema.parse(probe.body).service).toBe('ws-gateway');
      expect(probe.exitCode).toBe(0);
    });

    it('runs a streamed turn over a socket, verifying tokens against the JWKS', async () => {
      const entry = await startEntry('apps/ws-gateway/src/server.ts', processEnv());
      try {
        const user = newUser();
        const session = await newSession(user);
        bedrock.enqueue(bedrockScripts.text('Hello from a child process.'));
        const socket = await TestSocket.open(entry.url, {
          protocols: ['bearer', await identity.tokenFor(user)],
        });
        const turnId = await sendMessage(socket, session, 'Hello?');
        expect(textOf(await socket.untilEnded(turnId))).toBe('Hello from a child process.');
        socket.close();
      } finally {
        expect(await entry.stop()).toBe(0);
      }
    });

    it('refuses to start on a bad environment, naming every bad key', async () => {
      const run = await runEntry('apps/ws-gateway/src/server.ts', {
        PORT: '70000',
        SERVICE_VERSION: '',
      });
      expect(run.exitCode).toBe(1);
      expect(run.stderr).toContain('Invalid configuration');
      for (const key of ['PORT', 'SERVICE_VERSION', 'SESSIONS_TABLE', 'AUTH_ISSUER']) {
        expect(run.stderr).toContain(key);
      }
    });
  });
});
