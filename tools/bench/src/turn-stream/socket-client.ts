import type { ClientFrame, ServerFrame, TurnEvent } from '@lgm/contracts';
import { WebSocket } from 'ws';

// The benchmark's WebSocket client: timestamps every frame on arrival (before parsing), and
// follows one turn at a time with the checks of the contract (seq from 0 without gaps, each event
// once, ack first, one terminal event). Frames are validated against the contract only after the
// measurement (`rawFrames`), so schema parsing never delays the timestamps.

/** A socket the gateway refused at the handshake. */
export class HandshakeRefused extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
  ) {
    super(`handshake refused with HTTP ${status}: ${body.slice(0, 300)}`);
  }
}

export class BenchSocket {
  /** Every frame's text as received (for contract validation after the run). */
  readonly rawFrames: string[] = [];
  closed: { code: number; reason: string } | undefined;
  private listener: ((at: number, frame: ServerFrame) => void) | undefined;

  private constructor(
    private readonly socket: WebSocket,
    keepRaw: boolean,
  ) {
    socket.on('message', (data: Buffer, isBinary: boolean) => {
      const at = performance.now();
      const text = isBinary ? '' : data.toString('utf8');
      if (keepRaw) this.rawFrames.push(text);
      let frame: ServerFrame;
      try {
        frame = JSON.parse(text) as ServerFrame;
      } catch {
        frame = {
          kind: 'error',
          error: { code: 'BENCH_UNPARSABLE_FRAME', message: text.slice(0, 200) },
        };
      }
      this.listener?.(at, frame);
    });
    socket.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      this.onClose?.();
    });
  }

  onClose: (() => void) | undefined;

  /** Opens `<wsUrl>?token=…`; rejects with {@link HandshakeRefused} on an HTTP answer. */
  static open(
    wsUrl: string,
    token: string,
    options: { timeoutMs: number; keepRaw?: boolean },
  ): Promise<BenchSocket> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(`${wsUrl}?token=${encodeURIComponent(token)}`, {
        handshakeTimeout: options.timeoutMs,
        perMessageDeflate: false,
      });
      socket.once('unexpected-response', (_request, response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => (body += chunk.toString()));
        response.on('end', () => reject(new HandshakeRefused(response.statusCode ?? 0, body)));
        response.on('error', () => reject(new HandshakeRefused(response.statusCode ?? 0, body)));
      });
      socket.once('error', reject);
      socket.once('open', () => {
        socket.off('error', reject);
        // Errors after the handshake surface as `close`.
        socket.on('error', () => undefined);
        resolve(new BenchSocket(socket, options.keepRaw ?? false));
      });
    });
  }

  /** Where frames go (one turn at a time). */
  follow(listener: ((at: number, frame: ServerFrame) => void) | undefined): void {
    this.listener = listener;
  }

  /** Sends a frame; returns the time just before handing it to the socket. */
  send(frame: ClientFrame): number {
    const at = performance.now();
    this.socket.send(JSON.stringify(frame));
    return at;
  }

  close(): Promise<void> {
    if (this.closed !== undefined) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.socket.terminate();
        resolve();
      }, 2_000);
      this.socket.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      this.socket.close(1000, 'bench done');
    });
  }
}

/** Contract problems one turn showed, as counts. */
export interface TurnProblems {
  /** Seqs below the terminal event's that never came. */
  lost: number;
  /** Events received more than once. */
  duplicated: number;
  /** Events that came after a higher seq. */
  outOfOrder: number;
  /** Events of another turn on this socket (cross-talk). */
  foreign: number;
  /** Events before the ack. */
  beforeAck: number;
  /** Error frames. */
  errors: number;
}

/** One `sendMessage` and everything the socket sent back for it, with arrival times. */
export class TurnRecorder {
  readonly requestId: string;
  sentAt = Number.NaN;
  ackAt: number | undefined;
  startedAt: number | undefined;
  firstDeltaAt: number | undefined;
  lastDeltaAt: number | undefined;
  endedAt: number | undefined;
  turnId: string | undefined;
  readonly events: TurnEvent[] = [];
  deltas = 0;
  text = '';
  terminal: TurnEvent | undefined;
  firstError: string | undefined;
  readonly problems: TurnProblems = {
    lost: 0,
    duplicated: 0,
    outOfOrder: 0,
    foreign: 0,
    beforeAck: 0,
    errors: 0,
  };
  readonly done: Promise<void>;
  private resolveDone: () => void = () => undefined;
  private readonly seen = new Set<number>();
  private maxSeq = -1;

  constructor(requestId: string) {
    this.requestId = requestId;
    this.done = new Promise((resolve) => {
      this.resolveDone = resolve;
    });
  }

  /** Ends the wait without a terminal event (the socket closed). */
  abandon(why: string): void {
    this.firstError ??= why;
    this.resolveDone();
  }

  handle(at: number, frame: ServerFrame): void {
    switch (frame.kind) {
      case 'ack':
        if (frame.requestId !== this.requestId) return;
        this.ackAt ??= at;
        if (this.turnId !== undefined && this.turnId !== frame.turnId) this.problems.foreign += 1;
        this.turnId = frame.turnId;
        return;
      case 'error':
        if (frame.requestId !== undefined && frame.requestId !== this.requestId) return;
        this.problems.errors += 1;
        this.firstError ??= `${frame.error.code}: ${frame.error.message}`;
        // A refused sendMessage has no turn to wait for.
        if (this.ackAt === undefined) this.resolveDone();
        return;
      case 'event':
        this.onEvent(at, frame.event);
        return;
      default:
        return;
    }
  }

  private onEvent(at: number, event: TurnEvent): void {
    if (this.ackAt === undefined) {
      this.problems.beforeAck += 1;
      this.turnId ??= event.turnId;
    }
    if (event.turnId !== this.turnId) {
      this.problems.foreign += 1;
      return;
    }
    if (this.seen.has(event.seq)) {
      this.problems.duplicated += 1;
      return;
    }
    if (event.seq < this.maxSeq) this.problems.outOfOrder += 1;
    this.seen.add(event.seq);
    this.maxSeq = Math.max(this.maxSeq, event.seq);
    this.events.push(event);
    switch (event.type) {
      case 'turn.started':
        this.startedAt = at;
        break;
      case 'text.delta':
        this.firstDeltaAt ??= at;
        this.lastDeltaAt = at;
        this.deltas += 1;
        this.text += event.data.text;
        break;
      case 'turn.completed':
      case 'turn.failed':
        this.terminal = event;
        this.endedAt = at;
        this.problems.lost = event.seq + 1 - this.seen.size;
        if (event.type === 'turn.failed') {
          this.firstError ??= `${event.data.error.code}: ${event.data.error.message}`;
        }
        this.resolveDone();
        break;
      default:
        break;
    }
  }

  /** The events in seq order (what the store should hold). */
  ordered(): TurnEvent[] {
    return [...this.events].sort((a, b) => a.seq - b.seq);
  }
}
