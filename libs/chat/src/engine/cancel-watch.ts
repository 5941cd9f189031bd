import type { Logger } from '@lgm/core';

/** A running turn whose stored cancel flag is watched. */
export interface WatchedTurn {
  readonly ownerId: string;
  readonly turnId: string;
}

/**
 * Reads the cancel flags of many turns at once, each for the owner it is listed with; returns
 * the ids of those whose cancel was requested (`TurnRepository.cancelRequestsAmong` fits).
 */
export type CancelFlagReader = (turns: readonly WatchedTurn[]) => Promise<ReadonlySet<string>>;

export interface CancelWatchOptions {
  readonly read: CancelFlagReader;
  /** Time between two reads of every watched flag. */
  readonly intervalMs: number;
  readonly logger: Logger;
}

/**
 * Watches the stored cancel flags of every turn this process runs with ONE timer and one batched
 * read per interval, rather than a timer and a read per turn: what a cancel sent to another
 * process (chat-api's REST cancel, the AWS socket Lambda) reaches a running turn through. A
 * cancel sent to this process aborts its turn directly and never waits for this.
 */
export class CancelWatch {
  private readonly options: CancelWatchOptions;
  private readonly watched = new Map<string, { ownerId: string; onCancel: () => void }>();
  private timer: ReturnType<typeof setInterval> | undefined;
  private reading = false;

  constructor(options: CancelWatchOptions) {
    this.options = options;
  }

  /** Calls `onCancel` (once) when the turn's flag is found set; returns the unwatch function. */
  watch(turn: WatchedTurn, onCancel: () => void): () => void {
    const entry = { ownerId: turn.ownerId, onCancel };
    this.watched.set(turn.turnId, entry);
    if (this.timer === undefined) {
      this.timer = setInterval(() => void this.poll(), this.options.intervalMs);
      // Watching must never keep a process alive on its own.
      this.timer.unref?.();
    }
    return () => {
      if (this.watched.get(turn.turnId) === entry) this.watched.delete(turn.turnId);
      if (this.watched.size === 0 && this.timer !== undefined) {
        clearInterval(this.timer);
        this.timer = undefined;
      }
    };
  }

  /** Turns watched now. */
  get size(): number {
    return this.watched.size;
  }

  private async poll(): Promise<void> {
    // A slow store must not stack reads: the next tick after this one ends reads again.
    if (this.reading || this.watched.size === 0) return;
    this.reading = true;
    try {
      const turns = [...this.watched].map(([turnId, { ownerId }]) => ({ turnId, ownerId }));
      const requested = await this.options.read(turns);
      for (const turnId of requested) {
        const entry = this.watched.get(turnId);
        if (entry === undefined) continue;
        this.watched.delete(turnId);
        entry.onCancel();
      }
    } catch (error) {
      this.options.logger.warn({ err: error, turns: this.watched.size }, 'cancel poll failed');
    } finally {
      this.reading = false;
    }
  }
}
