import type { ServerFrame, TurnEvent } from '@lgm/contracts';

import type { EventDelivery } from './sender';

/** A turn running in this process, as the hub knows it. */
export interface LiveTurn {
  readonly turnId: string;
  readonly ownerId: string;
  readonly sessionId: string;
}

/** Outcome of {@link TurnHub.subscribe}. */
export type SubscribeResult =
  | { readonly kind: 'subscribed'; readonly delivered: number }
  /** The turn is not live here (ended, or run by another process). */
  | { readonly kind: 'not-live' }
  /** The hub no longer holds the events after `afterSeq`: send stored events up to `firstSeq` first. */
  | { readonly kind: 'gap'; readonly firstSeq: number };

interface TurnState extends LiveTurn {
  /** Events in seq order; `events[i].seq === firstSeq + i`. */
  events: TurnEvent[];
  readonly subscribers: Set<string>;
  readonly controller: AbortController;
}

export interface TurnHubOptions {
  readonly delivery: EventDelivery;
  /**
   * Events kept per live turn. Older ones are dropped from memory (they are persisted by then:
   * the engine stores events in small batches), and a resume reaching back further reads them
   * from the store.
   */
  readonly maxEventsPerTurn?: number;
}

export const DEFAULT_MAX_EVENTS_PER_TURN = 4096;

/**
 * The turns running in this process: each one's recent events and the connections following it.
 *
 * Exactly-once resume rests on two things. `subscribe` replays the in-memory events after
 * `afterSeq` and adds the subscriber in one synchronous step, and `publish` appends and fans out
 * in one synchronous step: JavaScript runs neither in the middle of the other, so no event falls
 * between replay and live delivery. And the delivery's per-connection watermark drops anything a
 * connection already got, so overlapping replays never duplicate.
 */
export class TurnHub {
  private readonly turns = new Map<string, TurnState>();
  /** connectionId → turns it follows. */
  private readonly following = new Map<string, Set<string>>();
  private readonly delivery: EventDelivery;
  private readonly maxEvents: number;

  constructor(options: TurnHubOptions) {
    this.delivery = options.delivery;
    this.maxEvents = Math.max(1, options.maxEventsPerTurn ?? DEFAULT_MAX_EVENTS_PER_TURN);
  }

  /** Registers a turn about to start here; its events are kept until {@link close}. */
  open(turn: LiveTurn, controller = new AbortController()): AbortSignal {
    this.turns.set(turn.turnId, {
      ...turn,
      events: [],
      subscribers: new Set(),
      controller,
    });
    return controller.signal;
  }

  /** The live turn, when it runs in this process. */
  get(turnId: string): LiveTurn | undefined {
    const turn = this.turns.get(turnId);
    return turn
      ? { turnId: turn.turnId, ownerId: turn.ownerId, sessionId: turn.sessionId }
      : undefined;
  }

  /** An event of a live turn: kept, and sent to every subscriber. Unknown turns are ignored. */
  publish(event: TurnEvent): void {
    const turn = this.turns.get(event.turnId);
    if (!turn) return;
    turn.events.push(event);
    // Trim in slices of a quarter, so the copy is amortised over many events.
    if (turn.events.length > this.maxEvents + (this.maxEvents >> 2)) {
      turn.events = turn.events.slice(turn.events.length - this.maxEvents);
    }
    for (const connectionId of turn.subscribers) this.delivery.sendEvent(connectionId, event);
  }

  /** Any other frame to a live turn's subscribers (its session's new title). */
  broadcast(turnId: string, frame: ServerFrame): void {
    for (const connectionId of this.turns.get(turnId)?.subscribers ?? []) {
      void this.delivery.sendFrame(connectionId, frame);
    }
  }

  /**
   * Sends the connection the kept events after `afterSeq` (and after its watermark), then every
   * later event as it is published.
   */
  subscribe(turnId: string, connectionId: string, afterSeq: number): SubscribeResult {
    const turn = this.turns.get(turnId);
    if (!turn) return { kind: 'not-live' };
    const firstSeq = turn.events[0]?.seq;
    const from = Math.max(afterSeq, this.delivery.watermark(connectionId, turnId));
    if (firstSeq !== undefined && from + 1 < firstSeq) return { kind: 'gap', firstSeq };
    let delivered = 0;
    for (const event of turn.events) {
      if (event.seq > from && this.delivery.sendEvent(connectionId, event)) delivered += 1;
    }
    turn.subscribers.add(connectionId);
    let turns = this.following.get(connectionId);
    if (!turns) {
      turns = new Set();
      this.following.set(connectionId, turns);
    }
    turns.add(turnId);
    return { kind: 'subscribed', delivered };
  }

  /** Stops sending to a connection (it closed). */
  unsubscribe(connectionId: string): void {
    for (const turnId of this.following.get(connectionId) ?? []) {
      this.turns.get(turnId)?.subscribers.delete(connectionId);
    }
    this.following.delete(connectionId);
  }

  /** Aborts a live turn (the engine stores the partial answer as cancelled). */
  abort(turnId: string): boolean {
    const turn = this.turns.get(turnId);
    if (!turn) return false;
    turn.controller.abort();
    return true;
  }

  /**
   * Forgets a turn once it has ended and its events are stored: from then on, resume reads the
   * store. Its subscribers keep their watermarks, so a later replay sends them nothing twice.
   */
  close(turnId: string): void {
    const turn = this.turns.get(turnId);
    if (!turn) return;
    this.turns.delete(turnId);
    for (const connectionId of turn.subscribers) {
      const turns = this.following.get(connectionId);
      turns?.delete(turnId);
      if (turns?.size === 0) this.following.delete(connectionId);
    }
  }

  /** Aborts every live turn (shutdown). */
  abortAll(): void {
    for (const turn of this.turns.values()) turn.controller.abort();
  }
}
