import type { ServerFrame, TurnEvent } from '@lgm/contracts';
import type { Logger } from '@lgm/core';

import { encodeServerFrame, eventFrame } from './frames';

/** What became of a frame: handed to the connection, or the connection no longer exists. */
export type Delivery = 'delivered' | 'gone';

/**
 * Moves serialised frames to one connection: the local socket, or API Gateway's
 * `postToConnection` on AWS. `gone` means the connection is closed for good.
 */
export interface FrameTransport {
  post(connectionId: string, data: string): Promise<Delivery>;
}

/** The Sender port: one server frame to one connection. */
export interface Sender {
  send(connectionId: string, frame: ServerFrame): Promise<Delivery>;
}

/** A Sender over a transport: frames are serialised and held to the frame limit first. */
export function createSender(transport: FrameTransport): Sender {
  return { send: (connectionId, frame) => transport.post(connectionId, encodeServerFrame(frame)) };
}

interface ConnectionState {
  /** Settles when every frame queued so far for this connection has been handed over. */
  tail: Promise<Delivery>;
  gone: boolean;
  /** turnId → highest seq queued to this connection. */
  readonly sent: Map<string, number>;
}

export interface EventDeliveryOptions {
  readonly sender: Sender;
  readonly logger: Logger;
  /** Called once when a connection turns out to be gone (to forget its record). */
  readonly onGone?: (connectionId: string) => void;
}

/**
 * Frames to connections, in order per connection, and every turn event at most once per
 * connection: a per-connection watermark (highest seq queued, per turn) drops anything at or
 * below it, so a replay overlapping a live stream (resume) can never duplicate an event. The
 * watermark moves when the event is queued, synchronously, so overlapping callers agree.
 */
export class EventDelivery {
  private readonly connections = new Map<string, ConnectionState>();
  private readonly options: EventDeliveryOptions;

  constructor(options: EventDeliveryOptions) {
    this.options = options;
  }

  /** Queues any frame behind the connection's earlier frames. */
  sendFrame(connectionId: string, frame: ServerFrame): Promise<Delivery> {
    const state = this.state(connectionId);
    if (state.gone) return Promise.resolve('gone');
    const delivery = state.tail.then(async (previous): Promise<Delivery> => {
      if (previous === 'gone' || state.gone) return 'gone';
      try {
        const result = await this.options.sender.send(connectionId, frame);
        if (result === 'gone') this.markGone(connectionId, state);
        return result;
      } catch (error) {
        // A frame that cannot be sent (a transport failure, an oversized frame) must not stop
        // the frames behind it, nor the turn: it is logged and the connection carries on.
        this.options.logger.error({ err: error, connectionId }, 'frame not delivered');
        return 'delivered';
      }
    });
    state.tail = delivery;
    return delivery;
  }

  /**
   * Queues a turn event unless this connection already got it (seq at or below its watermark).
   * Returns false when the event was skipped for that reason or the connection is gone.
   */
  sendEvent(connectionId: string, event: TurnEvent): boolean {
    const state = this.state(connectionId);
    if (state.gone) return false;
    const last = state.sent.get(event.turnId) ?? -1;
    if (event.seq <= last) return false;
    state.sent.set(event.turnId, event.seq);
    void this.sendFrame(connectionId, eventFrame(event));
    return true;
  }

  /** Highest seq of `turnId` queued to the connection (-1 for none). */
  watermark(connectionId: string, turnId: string): number {
    return this.connections.get(connectionId)?.sent.get(turnId) ?? -1;
  }

  /** Raises the watermark without sending (events the connection is known to have). */
  advance(connectionId: string, turnId: string, seq: number): void {
    const state = this.state(connectionId);
    if (seq > (state.sent.get(turnId) ?? -1)) state.sent.set(turnId, seq);
  }

  isGone(connectionId: string): boolean {
    return this.connections.get(connectionId)?.gone ?? false;
  }

  /** Settles when every frame queued so far for the connection has been handed over. */
  async idle(connectionId: string): Promise<Delivery> {
    const state = this.connections.get(connectionId);
    return state ? state.tail : 'delivered';
  }

  /** Settles when every queued frame of every connection has been handed over. */
  async drain(): Promise<void> {
    await Promise.all([...this.connections.values()].map((state) => state.tail));
  }

  /** Forgets a closed connection's queue and watermarks. */
  forget(connectionId: string): void {
    const state = this.connections.get(connectionId);
    if (state) state.gone = true;
    this.connections.delete(connectionId);
  }

  private state(connectionId: string): ConnectionState {
    let state = this.connections.get(connectionId);
    if (!state) {
      state = { tail: Promise.resolve('delivered'), gone: false, sent: new Map() };
      this.connections.set(connectionId, state);
    }
    return state;
  }

  private markGone(connectionId: string, state: ConnectionState): void {
    if (state.gone) return;
    state.gone = true;
    this.options.onGone?.(connectionId);
  }
}
