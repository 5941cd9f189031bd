import type { WebSocket } from 'ws';

import type { Delivery, FrameTransport } from './sender';

/**
 * A client that reads slower than its answer streams would make the server buffer without end:
 * past this many unsent bytes the socket is closed and counted as gone (the client resumes).
 */
export const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;

/** WebSocket close code 1013 "Try Again Later" (RFC 6455 §7.4 registry). */
const TRY_AGAIN_LATER = 1013;

/**
 * The local transport: the open sockets of this process by connection id, standing in for
 * API Gateway's `postToConnection`. A frame is delivered once handed to the socket.
 */
export class LocalSockets implements FrameTransport {
  private readonly sockets = new Map<string, WebSocket>();

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
    socket.send(data);
    return Promise.resolve('delivered');
  }

  /** Closes every socket (shutdown). */
  closeAll(code = 1001, reason = 'Server shutting down.'): void {
    for (const socket of this.sockets.values()) socket.close(code, reason);
    this.sockets.clear();
  }
}
