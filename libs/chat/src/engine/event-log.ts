import type { TurnEvent, TurnEventData, TurnEventType } from '@lgm/contracts';
import { isAppError, type Logger } from '@lgm/core';
import type { JsonValue, TurnEventInput } from '@lgm/persistence';

import type { TurnEventListener } from '../ports';

/** Stores a batch of the turn's events (`SessionRepository.putTurnEvents` of its session). */
export type TurnEventStore = (events: readonly TurnEventInput[]) => Promise<void>;

export interface TurnEventLogOptions {
  readonly turnId: string;
  readonly sessionId: string;
  readonly store: TurnEventStore;
  /**
   * Nothing is stored before this settles, and nothing at all if it resolves false: a turn whose
   * record is still being written must not store events under an id that may turn out not to be
   * its own. Unset: events are stored from the start.
   */
  readonly storeWhen?: Promise<boolean>;
  readonly onEvent?: TurnEventListener | undefined;
  /** Longest time an event waits to be stored. */
  readonly flushIntervalMs: number;
  /** A batch this large is stored at once (BatchWriteItem takes 25 items a call). */
  readonly flushMaxEvents: number;
  readonly logger: Logger;
}

/** Events of one `putTurnEvents` call: well under its limit of 1,000. */
const MAX_BATCH = 100;
const FINAL_ATTEMPTS = 4;
const RETRY_DELAY_MS = 100;

/**
 * The events of one turn: numbered from 0 without gaps, handed to the live listener at once
 * (before any storage), and stored in batches — after `flushIntervalMs` or `flushMaxEvents`,
 * whichever comes first, one write at a time. A failed write keeps its events for the next one,
 * and `close` insists, so the stored log ends with the terminal event unless storage is down.
 */
export class TurnEventLog {
  private readonly options: TurnEventLogOptions;
  private next = 0;
  private pending: TurnEventInput[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private writing: Promise<void> = Promise.resolve();
  /** A write is queued behind the current one (it will take whatever is pending then). */
  private queued = false;
  /** Pending events the write in progress is storing (they stay pending until it succeeds). */
  private taken = 0;

  constructor(options: TurnEventLogOptions) {
    this.options = options;
  }

  /** Seq of the last event emitted (-1 before the first). */
  get lastSeq(): number {
    return this.next - 1;
  }

  /** Numbers an event, delivers it live, and queues it for storage. */
  emit<TType extends TurnEventType>(type: TType, data: TurnEventData<TType>): TurnEvent {
    const { turnId, sessionId } = this.options;
    const seq = this.next;
    this.next += 1;
    const event = { turnId, sessionId, seq, type, data } as TurnEvent;
    try {
      this.options.onEvent?.(event);
    } catch (error) {
      // A broken listener (a socket gone bad) must not break the turn: the event is still stored.
      this.options.logger.warn({ err: error, turnId, seq }, 'turn event listener failed');
    }
    // Event data is JSON by construction (contracts' schemas); tool input came from JSON.parse.
    this.pending.push({ seq, type, data: data as unknown as JsonValue });
    if (this.pending.length - this.taken >= this.options.flushMaxEvents) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), this.options.flushIntervalMs);
    return event;
  }

  /** Stores what is pending (after any write in progress). Never rejects. */
  flush(): Promise<void> {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    // One write waiting is enough: it takes every event pending when it starts, so flushes
    // asked for meanwhile (each event past flushMaxEvents asks) would only write tiny batches.
    if (!this.queued) {
      this.queued = true;
      this.writing = this.writing.then(() => {
        this.queued = false;
        return this.write();
      });
    }
    return this.writing;
  }

  /**
   * Stores everything pending, retrying a few times.
   * @returns false when events could not be stored (they were delivered live all the same).
   */
  async close(): Promise<boolean> {
    for (let attempt = 1; attempt <= FINAL_ATTEMPTS; attempt += 1) {
      await this.flush();
      if (this.pending.length === 0) return true;
      await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS * attempt));
    }
    this.options.logger.error(
      { turnId: this.options.turnId, unstored: this.pending.length },
      'turn events could not be stored',
    );
    return false;
  }

  private async writeOneByOne(batch: readonly TurnEventInput[]): Promise<void> {
    for (const event of batch) {
      try {
        await this.options.store([event]);
      } catch (error) {
        this.options.logger.error(
          { err: error, turnId: this.options.turnId, seq: event.seq, type: event.type },
          'a turn event was refused by storage and dropped',
        );
      }
    }
  }

  private async write(): Promise<void> {
    if (this.options.storeWhen !== undefined && !(await this.options.storeWhen)) {
      this.pending = [];
      return;
    }
    // What is pending now; events emitted during the writes wait for their own trigger (the
    // interval or the count), so a busy turn stores in full batches rather than one by one.
    let remaining = this.pending.length;
    while (remaining > 0) {
      const batch = this.pending.slice(0, Math.min(MAX_BATCH, remaining));
      this.taken = batch.length;
      try {
        await this.options.store(batch);
      } catch (error) {
        this.taken = 0;
        if (isAppError(error) && error.status < 500) {
          // Refused for what it holds (size, shape): retrying cannot help, and must not hold
          // back the events after it. Store them one by one and drop only the refused ones.
          await this.writeOneByOne(batch);
          this.pending = this.pending.slice(batch.length);
          remaining -= batch.length;
          continue;
        }
        // Same seqs are overwritten on retry (putTurnEvents is idempotent per seq).
        this.options.logger.warn(
          { err: error, turnId: this.options.turnId, events: batch.length },
          'storing turn events failed; will retry',
        );
        return;
      }
      this.taken = 0;
      this.pending = this.pending.slice(batch.length);
      remaining -= batch.length;
    }
  }
}
