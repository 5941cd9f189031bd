import type { TurnEvent } from '@lgm/contracts';

import { fakeSockets, SESSION_ID, TURN_ID, turnScript } from '../test-support/fake-socket';
import { ChatSocket, type ConnectionState, SocketRequestError } from './chat-socket';

const WS_URL = 'wss://ws.lgm.test/prod';
const script = turnScript();

function setup(options: { token?: string | null } = {}) {
  const fakes = fakeSockets();
  const token = 'token' in options ? options.token : 'access-token';
  const socket = new ChatSocket({
    url: WS_URL,
    getToken: async () => token ?? null,
    createSocket: fakes.create,
    random: () => 0,
    backoff: { initialMs: 100, maxMs: 1000, factor: 2 },
    pingIntervalMs: 10_000,
    pongTimeoutMs: 2_000,
  });
  const events: TurnEvent[] = [];
  const states: ConnectionState[] = [];
  socket.subscribe({
    onEvent: (event) => events.push(event),
    onState: (state) => states.push(state),
  });
  const text = () =>
    events
      .filter((event) => event.type === 'text.delta')
      .map((event) => (event.type === 'text.delta' ? event.data.text : ''))
      .join('');
  return { socket, fakes, events, states, text };
}

/** Lets the client's awaited token and any timers up to `ms` run. */
async function advance(ms = 0): Promise<void> {
  await jest.advanceTimersByTimeAsync(ms);
}

beforeEach(() => {
  jest.useFakeTimers();
});

afterEach(() => {
  jest.useRealTimers();
});

describe('ChatSocket', () => {
  it('connects with the access token as the token query parameter', async () => {
    // Arrange
    const { socket, fakes, states } = setup();

    // Act
    socket.connect();
    await advance();
    fakes.latest().open();

    // Assert
    expect(new URL(fakes.latest().url).searchParams.get('token')).toBe('access-token');
    expect(fakes.latest().url.startsWith(`${WS_URL}?`)).toBe(true);
    expect(states).toEqual(['connecting', 'open']);
  });

  it('sends a message queued before the socket opened, and resolves with its ack', async () => {
    // Arrange
    const { socket, fakes } = setup();
    socket.connect();

    // Act
    const sending = socket.sendMessage({
      sessionId: SESSION_ID,
      content: 'Hello',
      clientMessageId: 'c-1',
    });
    await advance();
    const server = fakes.latest();
    server.open();
    const [frame] = server.framesOf('sendMessage');
    server.receive({
      kind: 'ack',
      action: 'sendMessage',
      requestId: frame?.requestId,
      turnId: TURN_ID,
      sessionId: SESSION_ID,
    });

    // Assert
    await expect(sending).resolves.toMatchObject({ turnId: TURN_ID });
    expect(frame).toMatchObject({
      sessionId: SESSION_ID,
      content: 'Hello',
      clientMessageId: 'c-1',
    });
  });

  it('rejects a message the server refuses, with its error code', async () => {
    // Arrange
    const { socket, fakes } = setup();
    socket.connect();
    await advance();
    fakes.latest().open();

    // Act
    const sending = socket.sendMessage({
      sessionId: SESSION_ID,
      content: 'x',
      clientMessageId: 'c',
    });
    const [frame] = fakes.latest().framesOf('sendMessage');
    fakes.latest().receive({
      kind: 'error',
      requestId: frame?.requestId,
      error: { code: 'SESSION_NOT_FOUND', message: 'No such session.' },
    });

    // Assert
    await expect(sending).rejects.toEqual(
      new SocketRequestError('SESSION_NOT_FOUND', 'No such session.'),
    );
  });

  it('delivers each event once, in order, dropping repeats', async () => {
    // Arrange
    const { socket, fakes, events, text } = setup();
    socket.connect();
    await advance();
    const server = fakes.latest();
    server.open();

    // Act
    server.event(script.started(0));
    server.event(script.delta(1, 'Hel'));
    server.event(script.delta(1, 'Hel'));
    server.event(script.delta(2, 'lo'));
    server.event(script.delta(0 as number, 'stale'));

    // Assert
    expect(events.map((event) => event.seq)).toEqual([0, 1, 2]);
    expect(text()).toBe('Hello');
    expect(socket.lastSeq(TURN_ID)).toBe(2);
  });

  it('ignores frames that are not JSON or break the contract', async () => {
    // Arrange
    const { socket, fakes, events } = setup();
    socket.connect();
    await advance();
    const server = fakes.latest();
    server.open();

    // Act
    server.onmessage?.({ data: 'not json' });
    server.receive({ kind: 'event', event: { type: 'text.delta', seq: 'x' } });
    server.receive({ kind: 'surprise' });

    // Assert
    expect(events).toEqual([]);
  });

  it('reconnects after a drop and resumes from the last applied seq without duplicating text', async () => {
    // Arrange
    const { socket, fakes, text, states } = setup();
    socket.connect();
    await advance();
    const first = fakes.latest();
    first.open();
    first.event(script.started(0));
    first.event(script.delta(1, 'The answer '));
    first.event(script.delta(2, 'is '));

    // Act: the socket dies mid-answer; the server keeps streaming into the void.
    first.drop();
    await advance(49);
    const socketsBeforeBackoff = fakes.sockets.length;
    await advance(1);
    const second = fakes.latest();
    second.open();
    const [resume] = second.framesOf('resume');
    // The server replays from its store, overlapping what a live frame already delivered.
    second.event(script.delta(3, '42'));
    second.event(script.delta(2, 'is '));
    second.event(script.delta(3, '42'));
    second.event(script.delta(4, '.'));
    second.event(script.completed(5));

    // Assert
    expect(socketsBeforeBackoff).toBe(1);
    expect(fakes.sockets).toHaveLength(2);
    expect(resume).toMatchObject({ action: 'resume', turnId: TURN_ID, afterSeq: 2 });
    expect(text()).toBe('The answer is 42.');
    expect(states).toEqual(['connecting', 'open', 'reconnecting', 'open']);
  });

  it('waits longer after each failed attempt, and starts over once connected', async () => {
    // Arrange
    const { socket, fakes } = setup();
    socket.connect();
    await advance();

    // Act: three attempts fail before opening (delays 50, 100, 200 ms with no jitter)
    fakes.latest().drop();
    await advance(50);
    const afterFirst = fakes.sockets.length;
    fakes.latest().drop();
    await advance(99);
    const beforeSecond = fakes.sockets.length;
    await advance(1);
    fakes.latest().drop();
    await advance(199);
    const beforeThird = fakes.sockets.length;
    await advance(1);
    fakes.latest().open();
    fakes.latest().drop();
    await advance(50);

    // Assert
    expect(afterFirst).toBe(2);
    expect(beforeSecond).toBe(2);
    expect(beforeThird).toBe(3);
    expect(fakes.sockets).toHaveLength(5);
  });

  it('buffers events past a gap, asks for the gap once, and applies everything in order', async () => {
    // Arrange
    const { socket, fakes, events, text } = setup();
    socket.connect();
    await advance();
    const server = fakes.latest();
    server.open();
    server.event(script.started(0));

    // Act
    server.event(script.delta(3, 'c'));
    server.event(script.delta(4, 'd'));
    const resumes = server.framesOf('resume');
    server.event(script.delta(1, 'a'));
    server.event(script.delta(2, 'b'));

    // Assert
    expect(resumes).toEqual([expect.objectContaining({ turnId: TURN_ID, afterSeq: 0 })]);
    expect(events.map((event) => event.seq)).toEqual([0, 1, 2, 3, 4]);
    expect(text()).toBe('abcd');
  });

  it('sends a message again after a reconnect when it was never acknowledged', async () => {
    // Arrange
    const { socket, fakes } = setup();
    socket.connect();
    await advance();
    fakes.latest().open();
    const sending = socket.sendMessage({
      sessionId: SESSION_ID,
      content: 'Hi',
      clientMessageId: 'c-9',
    });

    // Act
    fakes.latest().drop();
    await advance(50);
    const second = fakes.latest();
    second.open();
    const [again] = second.framesOf('sendMessage');
    second.receive({
      kind: 'ack',
      action: 'sendMessage',
      requestId: again?.requestId,
      turnId: TURN_ID,
      sessionId: SESSION_ID,
      duplicate: true,
    });

    // Assert
    await expect(sending).resolves.toMatchObject({ turnId: TURN_ID, duplicate: true });
    expect(again).toMatchObject({ clientMessageId: 'c-9', content: 'Hi' });
  });

  it('does not resume a turn that has ended', async () => {
    // Arrange
    const { socket, fakes } = setup();
    socket.connect();
    await advance();
    fakes.latest().open();
    fakes.latest().event(script.started(0));
    fakes.latest().event(script.completed(1));

    // Act
    fakes.latest().drop();
    await advance(50);
    fakes.latest().open();

    // Assert
    expect(fakes.latest().framesOf('resume')).toEqual([]);
  });

  it('follows a turn found streaming after a reload from the seq the caller has', async () => {
    // Arrange
    const { socket, fakes, events } = setup();
    socket.connect();
    socket.watch(TURN_ID, -1);
    await advance();

    // Act
    fakes.latest().open();
    fakes.latest().event(script.started(0));

    // Assert
    expect(fakes.latest().framesOf('resume')).toEqual([
      expect.objectContaining({ turnId: TURN_ID, afterSeq: -1 }),
    ]);
    expect(events).toHaveLength(1);
  });

  it('reports a resume the server refuses', async () => {
    // Arrange
    const fakes = fakeSockets();
    const socket = new ChatSocket({
      url: WS_URL,
      getToken: async () => 't',
      createSocket: fakes.create,
    });
    const failures: string[] = [];
    socket.subscribe({
      onResumeFailed: (turnId, error) => failures.push(`${turnId}:${error.code}`),
    });
    socket.connect();
    await advance();
    fakes.latest().open();

    // Act
    socket.watch(TURN_ID, 4);
    const [resume] = fakes.latest().framesOf('resume');
    fakes.latest().receive({
      kind: 'error',
      requestId: resume?.requestId,
      error: { code: 'TURN_NOT_FOUND', message: 'gone' },
    });

    // Assert
    expect(failures).toEqual([`${TURN_ID}:TURN_NOT_FOUND`]);
  });

  it('replaces a socket that stops answering pings', async () => {
    // Arrange
    const { socket, fakes } = setup();
    socket.connect();
    await advance();
    const first = fakes.latest();
    first.open();

    // Act
    await advance(10_000);
    const pinged = first.framesOf('ping').length;
    await advance(2_000);
    await advance(50);

    // Assert
    expect(pinged).toBe(1);
    expect(first.closedWith).toBe(4000);
    expect(fakes.sockets).toHaveLength(2);
  });

  it('keeps a socket that answers pings', async () => {
    // Arrange
    const { socket, fakes } = setup();
    socket.connect();
    await advance();
    const first = fakes.latest();
    first.open();

    // Act
    await advance(10_000);
    first.receive({ kind: 'pong', status: 'ok' });
    await advance(5_000);

    // Assert
    expect(first.closedWith).toBeUndefined();
    expect(fakes.sockets).toHaveLength(1);
  });

  it('stays closed after close(), failing requests still waiting', async () => {
    // Arrange
    const { socket, fakes, states } = setup();
    socket.connect();
    await advance();
    fakes.latest().open();
    const outcome = socket
      .sendMessage({ sessionId: SESSION_ID, content: 'x', clientMessageId: 'c' })
      .catch((error: unknown) => error);

    // Act
    socket.close();
    await advance(60_000);

    // Assert
    expect(await outcome).toHaveProperty('code', 'SOCKET_CLOSED');
    expect(fakes.sockets).toHaveLength(1);
    expect(states[states.length - 1]).toBe('closed');
  });

  it('keeps one socket when closed and connected again while the token is pending', async () => {
    // Arrange: React StrictMode runs the app's effect as connect → close → connect at once.
    const { socket, fakes, states } = setup();

    // Act
    socket.connect();
    socket.close();
    socket.connect();
    await advance();
    fakes.latest().open();

    // Assert
    expect(fakes.sockets).toHaveLength(1);
    expect(socket.connectionState).toBe('open');
    expect(states[states.length - 1]).toBe('open');
  });

  it('keeps one socket when asked to reconnect while a token is pending', async () => {
    // Arrange: the token of the attempt after a drop takes a while (a silent renewal).
    const fakes = fakeSockets();
    const tokens: ((token: string) => void)[] = [];
    const socket = new ChatSocket({
      url: WS_URL,
      getToken: () => new Promise<string>((resolve) => tokens.push(resolve)),
      createSocket: fakes.create,
      random: () => 0,
      backoff: { initialMs: 100, maxMs: 1000, factor: 2 },
    });
    socket.connect();
    tokens.shift()?.('first');
    await advance();
    fakes.latest().open();
    fakes.latest().drop();
    await advance(50);

    // Act: the browser comes back online while that token is still pending.
    socket.reconnectNow();
    for (const resolve of tokens.splice(0)) resolve('renewed');
    await advance();

    // Assert
    expect(fakes.sockets).toHaveLength(2);
  });

  it('lets go of a socket still connecting when a newer attempt replaces it', async () => {
    // Arrange
    const { socket, fakes } = setup();
    socket.connect();
    await advance();
    fakes.latest().open();
    fakes.latest().drop();
    await advance(50);
    const stale = fakes.latest();

    // Act: a reconnect now while the backoff's socket is still connecting, which then opens.
    socket.reconnectNow();
    await advance();
    const current = fakes.latest();
    stale.open();
    current.open();
    const sending = socket.sendMessage({
      sessionId: SESSION_ID,
      content: 'Hi',
      clientMessageId: 'c-1',
    });
    void sending.catch(() => undefined);

    // Assert
    expect(fakes.sockets).toHaveLength(3);
    expect(stale.closedWith).toBe(1000);
    expect(stale.framesOf('sendMessage')).toEqual([]);
    expect(current.framesOf('sendMessage')).toHaveLength(1);
    expect(socket.connectionState).toBe('open');
  });

  it('closes a socket that opens after close() superseded it', async () => {
    // Arrange
    const { socket, fakes } = setup();
    socket.connect();
    await advance();
    const late = fakes.latest();

    // Act
    socket.close();
    late.readyState = 0; // Its open event was already on its way.
    late.closedWith = undefined;
    late.open();

    // Assert
    expect(late.closedWith).toBe(1000);
    expect(socket.connectionState).toBe('closed');
  });

  it('does not connect without a token', async () => {
    // Arrange
    const { socket, fakes, states } = setup({ token: null });

    // Act
    socket.connect();
    await advance(10_000);

    // Assert
    expect(fakes.sockets).toHaveLength(0);
    expect(states).toEqual(['connecting', 'closed']);
  });
});
