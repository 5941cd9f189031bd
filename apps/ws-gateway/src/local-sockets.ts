import type { WebSocket } from 'ws';

import type { Delivery, FrameTransport } from './sender';

/**
 * A client that reads slower than its answer streams would make the server buffer without end:
 * past this many unsent bytes the socket is closed and counted as gone (the client resumes).
 */
export const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;

/** WebSocket close code 1013 "Try Again Later" (RFC 6455 §7.4 registry). */
const TRY_AGAIN_LATER = 1013;

/** The TCP side of a `ws` socket, as far as batching writes needs it. */
interface Corkable {
  cork(): void;
  uncork(): void;
}

/**
 * The local transport: the open sockets of this process by connection id, standing in for
 * API Gateway's `postToConnection`. A frame is delivered once handed to the socket.
 *
 * Each frame stays one WebSocket message, but the TCP writes of the frames a connection gets
 * within one tick of the event loop go out together: its socket is corked at the first frame and
 * uncorked once the tick's work is done (`process.nextTick`, which runs after the promise jobs
 * that deliver the frames), so a fast stream costs one `writev` per tick rather than per frame.
 */
export class LocalSockets implements FrameTransport {
  private readonly sockets = new Map<string, WebSocket>();
  private readonly corked = new Set<Corkable>();
  private uncorkScheduled = false;

  add(connectionId: string, socket: WebSocket): void {
    this.sockets.set(connectionId, socket);
  }

  remove(connectionId: string): void {
    this.sockets.delete(connectionId);
  }

  post(connectionId: string, data: string): Promise<Delivery> {
    const socket = this.sockets.get(connectionId);
    // 1 = OPEN: a closing or closed socket is gone for good.
    if (socket === undefined || socket.readyState !== 1) return Promise.resolve('gone');
    if (socket.bufferedAmount > MAX_BUFFERED_BYTES) {
      socket.close(TRY_AGAIN_LATER, 'Reading too slowly; reconnect and resume.');
      return Promise.resolve('gone');
    }
    this.cork(socket);
    socket.send(data);
    return Promise.resolve('delivered');
  }

  /** Closes every socket (shutdown). */
  closeAll(code = 1001, reason = 'Server shutting down.'): void {
    this.uncorkAll();
    for (const socket of this.sockets.values()) socket.close(code, reason);
    this.sockets.clear();
  }

  private cork(socket: WebSocket): void {
    // `ws` keeps its TCP socket as `_socket` (set while open); without one, frames go out as
    // `ws` writes them.
    const tcp = (socket as unknown as { _socket?: Partial<Corkable> | null })._socket;
    if (typeof tcp?.cork !== 'function' || typeof tcp.uncork !== 'function') return;
    const corkable = tcp as Corkable;
    if (this.corked.has(corkable)) return;
    corkable.cork();
    this.corked.add(corkable);
    if (!this.uncorkScheduled) {
      this.uncorkScheduled = true;
      process.nextTick(this.uncorkAll);
    }
  }

  private readonly uncorkAll = (): void => {
    this.uncorkScheduled = false;
    for (const tcp of this.corked) tcp.uncork();
    this.corked.clear();
  };
}
