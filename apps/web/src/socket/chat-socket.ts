import {
  type ClientFrame,
  isTerminalTurnEvent,
  type ServerFrame,
  serverFrameSchema,
  type TurnEvent,
  type TurnOptions,
} from '@lgm/contracts';

/** The slice of the browser's WebSocket the client uses (a fake in tests). */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: unknown) => void) | null;
  onclose: ((event: { code: number; reason?: string }) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onerror: ((event: unknown) => void) | null;
}

export type WebSocketFactory = (url: string) => WebSocketLike;

const OPEN = 1;

/**
 * `idle` before `connect()`; `connecting` for the first attempt; `open`; `reconnecting` after a
 * drop, until the next attempt opens; `closed` after `close()` or without a token.
 */
export type ConnectionState = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'closed';

type Ack = Extract<ServerFrame, { kind: 'ack' }>;
type ErrorFrame = Extract<ServerFrame, { kind: 'error' }>;
type SessionFrame = Extract<ServerFrame, { kind: 'session' }>;

export interface ChatSocketListener {
  /** Each event of each turn exactly once, in seq order, whatever the socket delivered. */
  onEvent?(event: TurnEvent): void;
  onSession?(session: SessionFrame['session']): void;
  onState?(state: ConnectionState): void;
  /** A resume the server refused (an unknown or foreign turn). */
  onResumeFailed?(turnId: string, error: ErrorFrame['error']): void;
}

export interface BackoffOptions {
  readonly initialMs: number;
  readonly maxMs: number;
  readonly factor: number;
}

export interface ChatSocketOptions {
  /** The WebSocket API's URL from the runtime configuration. */
  readonly url: string;
  /** The access token, sent as the `token` query parameter; null stops connecting. */
  readonly getToken: () => Promise<string | null>;
  readonly createSocket?: WebSocketFactory;
  readonly backoff?: Partial<BackoffOptions>;
  /** 0 ≤ random() < 1, for the backoff's jitter. */
  readonly random?: () => number;
  /** A ping every this many ms while open. */
  readonly pingIntervalMs?: number;
  /** Without any frame this long after a ping, the socket is considered dead and replaced. */
  readonly pongTimeoutMs?: number;
}

export interface SendMessageInput {
  readonly sessionId: string;
  readonly content: string;
  readonly clientMessageId: string;
  readonly options?: TurnOptions;
}

/** A request the server refused, with its error code (`SESSION_NOT_FOUND`, `RATE_LIMITED`, …). */
export class SocketRequestError extends Error {
  override readonly name = 'SocketRequestError';
  constructor(
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

interface TurnTracker {
  /** The highest seq applied; -1 before the first event. */
  lastSeq: number;
  ended: boolean;
  /** Events that arrived ahead of a gap, applied once the gap is filled. */
  readonly ahead: Map<number, TurnEvent>;
  /** The `afterSeq` of the resume sent to fill the current gap, so it is asked for once. */
  gapResumeAfter?: number;
}

interface PendingRequest {
  readonly frame: ClientFrame & { requestId: string };
  readonly resolve: (ack: Ack) => void;
  readonly reject: (error: Error) => void;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 500, maxMs: 15_000, factor: 2 };

/**
 * The browser's one socket to ws-gateway. It reconnects by itself with exponential backoff and
 * jitter, and after a reconnect sends `resume {turnId, afterSeq}` for every turn still running,
 * where `afterSeq` is the last seq it applied. Events are applied idempotently by seq: anything
 * at or below the last applied seq is dropped (a replay overlapping live events), anything past a
 * gap waits until the gap is filled (and asks for it with a resume), so listeners see each event
 * exactly once and in order: no duplicated or lost text.
 *
 * `sendMessage` requests not acknowledged before a drop are sent again on reconnect with the
 * same `clientMessageId`, which the server treats as the same message.
 */
export class ChatSocket {
  private socket: WebSocketLike | undefined;
  private state: ConnectionState = 'idle';
  private readonly listeners = new Set<ChatSocketListener>();
  private readonly turns = new Map<string, TurnTracker>();
  private readonly pending = new Map<string, PendingRequest>();
  private readonly resumes = new Map<string, string>();
  /** Frames waiting for the socket to open (cancel requests). */
  private outbox: ClientFrame[] = [];
  /** Failed attempts since the last open, for the backoff. */
  private attempt = 0;
  /**
   * Bumped by every `open()` and by `close()`. An `open()` still waiting for its token when a
   * newer one started (StrictMode's connect → close → connect, `reconnectNow()` during a pending
   * token) must not create a second socket, so it checks this after the await.
   */
  private generation = 0;
  private requestCounter = 0;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private pingTimer: ReturnType<typeof setInterval> | undefined;
  private pongTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly backoff: BackoffOptions;
  private readonly createSocket: WebSocketFactory;

  constructor(private readonly options: ChatSocketOptions) {
    this.backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
    this.createSocket = options.createSocket ?? ((url) => new WebSocket(url) as WebSocketLike);
  }

  get connectionState(): ConnectionState {
    return this.state;
  }

  subscribe(listener: ChatSocketListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Opens the socket (once); later drops reconnect by themselves. */
  connect(): void {
    if (this.state !== 'idle' && this.state !== 'closed') return;
    this.attempt = 0;
    void this.open('connecting');
  }

  /** Closes for good (sign-out, unmount): no reconnect, pending requests fail. */
  close(): void {
    this.generation += 1;
    this.setState('closed');
    this.stopTimers();
    const socket = this.socket;
    this.socket = undefined;
    if (socket) {
      socket.onclose = null;
      socket.close(1000, 'client closed');
    }
    for (const request of this.pending.values()) {
      request.reject(new SocketRequestError('SOCKET_CLOSED', 'The connection was closed.'));
    }
    this.pending.clear();
  }

  /** Reconnects now instead of waiting for the backoff (the browser came back online). */
  reconnectNow(): void {
    if (this.state !== 'reconnecting') return;
    clearTimeout(this.reconnectTimer);
    void this.open('reconnecting');
  }

  /** Starts a turn; resolves with the server's ack (which names the turn). */
  sendMessage(input: SendMessageInput): Promise<Ack> {
    const requestId = this.nextRequestId();
    const frame = { action: 'sendMessage', requestId, ...input } as const;
    return new Promise<Ack>((resolve, reject) => {
      this.pending.set(requestId, { frame, resolve, reject });
      this.transmit(frame);
    });
  }

  /** Asks the server to stop a running turn; it ends with `turn.completed` (cancelled). */
  cancel(turnId: string): void {
    this.transmit({ action: 'cancel', requestId: this.nextRequestId(), turnId });
  }

  /**
   * Follows a turn from `afterSeq` (the last seq the caller already has, -1 for none): a turn
   * found still streaming after a reload, or one this client started.
   */
  watch(turnId: string, afterSeq = -1): void {
    const tracker = this.turns.get(turnId);
    if (tracker && (tracker.ended || tracker.lastSeq >= afterSeq)) return;
    this.turns.set(turnId, { lastSeq: afterSeq, ended: false, ahead: new Map() });
    this.sendResume(turnId, afterSeq);
  }

  /** The last seq applied for a turn, -1 when none. */
  lastSeq(turnId: string): number {
    return this.turns.get(turnId)?.lastSeq ?? -1;
  }

  private nextRequestId(): string {
    this.requestCounter += 1;
    return `r${this.requestCounter}`;
  }

  private sendResume(turnId: string, afterSeq: number): void {
    const requestId = this.nextRequestId();
    this.resumes.set(requestId, turnId);
    this.transmit({ action: 'resume', requestId, turnId, afterSeq });
  }

  /** Sends now when open. Otherwise: requests are resent from `pending` on open; others wait. */
  private transmit(frame: ClientFrame): void {
    if (this.socket?.readyState === OPEN && this.state === 'open') {
      this.socket.send(JSON.stringify(frame));
      return;
    }
    // sendMessage is resent from `pending`; a resume is rebuilt from `turns` on open.
    if (frame.action === 'cancel' || frame.action === 'ping') this.outbox.push(frame);
  }

  private async open(state: 'connecting' | 'reconnecting'): Promise<void> {
    this.generation += 1;
    const generation = this.generation;
    this.setState(state);
    let token: string | null;
    try {
      token = await this.options.getToken();
    } catch {
      token = null;
    }
    // Closed, or a newer attempt started while the token was fetched: that one connects.
    if (generation !== this.generation || this.state === 'closed') return;
    if (!token) {
      this.setState('closed');
      return;
    }
    const url = new URL(this.options.url);
    url.searchParams.set('token', token);
    let socket: WebSocketLike;
    try {
      socket = this.createSocket(url.toString());
    } catch {
      this.scheduleReconnect();
      return;
    }
    // Never two sockets: one still connecting from an earlier attempt is let go.
    const previous = this.socket;
    if (previous) {
      previous.onclose = null;
      previous.close(1000, 'replaced');
    }
    this.socket = socket;
    socket.onopen = () => this.handleOpen(socket);
    socket.onmessage = (event) => {
      if (this.socket === socket) this.handleMessage(event.data);
    };
    socket.onerror = () => undefined; // A close event follows; that is where we react.
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.socket = undefined;
      this.stopTimers();
      this.scheduleReconnect();
    };
  }

  private handleOpen(socket: WebSocketLike): void {
    if (this.socket !== socket) {
      // Superseded (closed or replaced while it was connecting): it must not stay open unseen.
      socket.onclose = null;
      socket.close(1000, 'superseded');
      return;
    }
    this.attempt = 0;
    this.setState('open');
    // Resume every turn still running, from the last seq applied: nothing is asked for twice.
    for (const [turnId, tracker] of this.turns) {
      if (!tracker.ended) {
        tracker.gapResumeAfter = undefined;
        this.sendResume(turnId, tracker.lastSeq);
      }
    }
    for (const request of this.pending.values()) socket.send(JSON.stringify(request.frame));
    const queued = this.outbox;
    this.outbox = [];
    for (const frame of queued) socket.send(JSON.stringify(frame));
    this.startPing();
  }

  private scheduleReconnect(): void {
    if (this.state === 'closed') return;
    this.setState('reconnecting');
    const { initialMs, maxMs, factor } = this.backoff;
    const ceiling = Math.min(maxMs, initialMs * factor ** this.attempt);
    // "Equal jitter": half fixed, half random, so many clients dropped together spread out.
    const delay = ceiling / 2 + (this.options.random ?? Math.random)() * (ceiling / 2);
    this.attempt += 1;
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => void this.open('reconnecting'), delay);
  }

  private startPing(): void {
    const interval = this.options.pingIntervalMs ?? 25_000;
    const timeout = this.options.pongTimeoutMs ?? 10_000;
    clearInterval(this.pingTimer);
    this.pingTimer = setInterval(() => {
      if (this.socket?.readyState !== OPEN) return;
      this.socket.send(JSON.stringify({ action: 'ping' } satisfies ClientFrame));
      clearTimeout(this.pongTimer);
      // A half-open connection (laptop sleep, network change) never closes by itself.
      this.pongTimer = setTimeout(() => this.dropDeadSocket(), timeout);
    }, interval);
  }

  private dropDeadSocket(): void {
    const socket = this.socket;
    if (!socket) return;
    this.socket = undefined;
    socket.onclose = null;
    socket.close(4000, 'no answer to ping');
    this.stopTimers();
    this.scheduleReconnect();
  }

  private stopTimers(): void {
    clearTimeout(this.reconnectTimer);
    clearInterval(this.pingTimer);
    clearTimeout(this.pongTimer);
  }

  private handleMessage(data: unknown): void {
    // Any frame proves the connection alive.
    clearTimeout(this.pongTimer);
    if (typeof data !== 'string') return;
    let json: unknown;
    try {
      json = JSON.parse(data);
    } catch {
      return;
    }
    const parsed = serverFrameSchema.safeParse(json);
    if (!parsed.success) return;
    const frame = parsed.data;
    switch (frame.kind) {
      case 'event':
        this.receiveEvent(frame.event);
        return;
      case 'ack':
        this.receiveAck(frame);
        return;
      case 'error':
        this.receiveError(frame);
        return;
      case 'session':
        for (const listener of this.listeners) listener.onSession?.(frame.session);
        return;
      case 'pong':
        return;
    }
  }

  private receiveAck(ack: Ack): void {
    if (!ack.requestId) return;
    if (ack.action === 'sendMessage' && !this.turns.has(ack.turnId)) {
      this.turns.set(ack.turnId, { lastSeq: -1, ended: false, ahead: new Map() });
    }
    this.resumes.delete(ack.requestId);
    const request = this.pending.get(ack.requestId);
    if (!request) return;
    this.pending.delete(ack.requestId);
    request.resolve(ack);
  }

  private receiveError(frame: ErrorFrame): void {
    if (!frame.requestId) return;
    const turnId = this.resumes.get(frame.requestId);
    if (turnId) {
      this.resumes.delete(frame.requestId);
      for (const listener of this.listeners) listener.onResumeFailed?.(turnId, frame.error);
      return;
    }
    const request = this.pending.get(frame.requestId);
    if (!request) return;
    this.pending.delete(frame.requestId);
    const { code, message, details } = frame.error;
    request.reject(new SocketRequestError(code, message, details));
  }

  private receiveEvent(event: TurnEvent): void {
    let tracker = this.turns.get(event.turnId);
    if (!tracker) {
      tracker = { lastSeq: -1, ended: false, ahead: new Map() };
      this.turns.set(event.turnId, tracker);
    }
    if (tracker.ended || event.seq <= tracker.lastSeq) return; // Already applied.
    if (event.seq > tracker.lastSeq + 1) {
      tracker.ahead.set(event.seq, event);
      if (tracker.gapResumeAfter !== tracker.lastSeq) {
        tracker.gapResumeAfter = tracker.lastSeq;
        this.sendResume(event.turnId, tracker.lastSeq);
      }
      return;
    }
    this.apply(tracker, event);
    let next = tracker.ahead.get(tracker.lastSeq + 1);
    while (next && !tracker.ended) {
      tracker.ahead.delete(next.seq);
      this.apply(tracker, next);
      next = tracker.ahead.get(tracker.lastSeq + 1);
    }
  }

  private apply(tracker: TurnTracker, event: TurnEvent): void {
    tracker.lastSeq = event.seq;
    if (isTerminalTurnEvent(event)) {
      tracker.ended = true;
      tracker.ahead.clear();
    }
    for (const listener of this.listeners) listener.onEvent?.(event);
  }

  private setState(state: ConnectionState): void {
    if (this.state === state) return;
    this.state = state;
    for (const listener of this.listeners) listener.onState?.(state);
  }
}
