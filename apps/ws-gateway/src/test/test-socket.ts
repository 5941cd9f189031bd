import { type ServerFrame, serverFrameSchema, type TurnEvent } from '@lgm/contracts';
import WebSocket from 'ws';

/** A refused handshake: the HTTP status and body the server answered the upgrade with. */
export class HandshakeRefused extends Error {
  readonly status: number;
  readonly body: string;

  constructor(status: number, body: string) {
    super(`WebSocket handshake refused with HTTP ${status}: ${body}`);
    this.status = status;
    this.body = body;
  }
}

export interface OpenOptions {
  /** Sent as `?token=`. */
  readonly token?: string;
  /** Offered subprotocols (`['bearer', jwt]` is how a browser sends a token). */
  readonly protocols?: readonly string[];
  readonly headers?: Readonly<Record<string, string>>;
}

/** Longest wait for an expected frame: a guard against hanging, not a timing assertion. */
const WAIT_LIMIT_MS = 20_000;

/**
 * A real WebSocket client (the `ws` package) that parses every frame with the contract's
 * `serverFrameSchema` (a frame that does not parse fails the test) and records its size.
 */
export class TestSocket {
  readonly frames: ServerFrame[] = [];
  /** UTF-8 bytes of each frame, in order. */
  readonly frameBytes: number[] = [];
  readonly socket: WebSocket;
  private readonly waiters = new Set<() => void>();
  private closedWith: { code: number; reason: string } | undefined;
  private readonly problems: string[] = [];

  private constructor(socket: WebSocket) {
    this.socket = socket;
    socket.on('message', (data, isBinary) => {
      const text = Buffer.isBuffer(data) ? data.toString('utf8') : String(data);
      this.frameBytes.push(Buffer.byteLength(text, 'utf8'));
      const parsed = isBinary ? undefined : serverFrameSchema.safeParse(JSON.parse(text));
      if (parsed?.success) this.frames.push(parsed.data);
      else this.problems.push(`a frame does not match the contract: ${text.slice(0, 300)}`);
      this.wake();
    });
    socket.on('close', (code, reason) => {
      this.closedWith = { code, reason: reason.toString() };
      this.wake();
    });
  }

  /** Opens a socket; rejects with {@link HandshakeRefused} when the server answers HTTP. */
  static open(baseUrl: string, options: OpenOptions = {}): Promise<TestSocket> {
    const url = new URL('/ws', baseUrl.replace(/^http/, 'ws'));
    if (options.token !== undefined) url.searchParams.set('token', options.token);
    const socket = new WebSocket(url, options.protocols ? [...options.protocols] : [], {
      ...(options.headers === undefined ? {} : { headers: { ...options.headers } }),
    });
    return new Promise((resolve, reject) => {
      socket.once('open', () => resolve(new TestSocket(socket)));
      socket.once('unexpected-response', (_request, response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
        response.on('end', () => reject(new HandshakeRefused(response.statusCode ?? 0, body)));
      });
      socket.once('error', reject);
    });
  }

  /** The subprotocol the server chose ('' for none). */
  get protocol(): string {
    return this.socket.protocol;
  }

  get closed(): { code: number; reason: string } | undefined {
    return this.closedWith;
  }

  /** Frames that did not match the contract (a test asserts there are none). */
  get contractProblems(): readonly string[] {
    return this.problems;
  }

  send(frame: unknown): void {
    this.socket.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** Events received, optionally of one turn, in arrival order. */
  events(turnId?: string): TurnEvent[] {
    return this.frames
      .filter((frame) => frame.kind === 'event')
      .map((frame) => frame.event)
      .filter((event) => turnId === undefined || event.turnId === turnId);
  }

  /** Waits for the first frame (from `from` on) that matches. */
  async waitFor<T extends ServerFrame>(
    matches: (frame: ServerFrame) => frame is T,
    what: string,
    from?: number,
  ): Promise<T>;
  async waitFor(
    matches: (frame: ServerFrame) => boolean,
    what: string,
    from?: number,
  ): Promise<ServerFrame>;
  async waitFor(
    matches: (frame: ServerFrame) => boolean,
    what: string,
    from = 0,
  ): Promise<ServerFrame> {
    return this.until(() => this.frames.slice(from).find(matches), what);
  }

  /** Waits until the turn's terminal event arrived; returns the turn's events. */
  async untilEnded(turnId: string): Promise<TurnEvent[]> {
    await this.until(
      () =>
        this.events(turnId).find(
          (event) => event.type === 'turn.completed' || event.type === 'turn.failed',
        ),
      `the end of turn ${turnId}`,
    );
    return this.events(turnId);
  }

  /** Waits until the socket is closed (by either side). */
  async untilClosed(): Promise<{ code: number; reason: string }> {
    return this.until(() => this.closedWith, 'the socket to close');
  }

  /** Sends a ping and waits for its pong: every frame sent before it has been handled. */
  async roundTrip(requestId: string): Promise<void> {
    this.send({ action: 'ping', requestId });
    await this.waitFor(
      (frame) => frame.kind === 'pong' && frame.requestId === requestId,
      `pong ${requestId}`,
    );
  }

  close(): void {
    this.socket.close();
  }

  /** Drops the TCP connection without a close handshake (a network failure). */
  terminate(): void {
    this.socket.terminate();
  }

  private until<T>(probe: () => T | undefined, what: string): Promise<T> {
    const found = probe();
    if (found !== undefined) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(
          new Error(
            `Gave up waiting for ${what}; frames so far:\n${JSON.stringify(this.frames).slice(-3000)}`,
          ),
        );
      }, WAIT_LIMIT_MS);
      const check = (): void => {
        const value = probe();
        if (value === undefined) {
          if (this.closedWith !== undefined && what !== 'the socket to close') {
            this.waiters.delete(check);
            clearTimeout(timer);
            reject(new Error(`The socket closed while waiting for ${what}.`));
          }
          return;
        }
        this.waiters.delete(check);
        clearTimeout(timer);
        resolve(value);
      };
      this.waiters.add(check);
    });
  }

  private wake(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}
