import type { TurnEngine } from '@lgm/chat';
import type { TurnEvent } from '@lgm/contracts';
import { type Clock, isAppError, type Logger, systemClock } from '@lgm/core';

import { errorFrameFrom } from './frames';
import { EventDelivery, type Sender } from './sender';
import type { ConnectionStore } from './socket-routes';
import type { TurnJob } from './turn-queue';
import type { TurnSubscriptionStore } from './turn-subscriptions';

export interface TurnWorkerDeps {
  readonly engine: TurnEngine;
  readonly sender: Sender;
  readonly subscriptions: TurnSubscriptionStore;
  readonly connections: Pick<ConnectionStore, 'delete'>;
  readonly logger: Logger;
  readonly clock?: Clock;
  /**
   * How often, at most, the subscriber record is re-read while events flow (one consistent
   * GetItem): the bound on how long a resumed connection waits for its first live event.
   */
  readonly subscriberRefreshMs?: number;
}

/** What became of a job: the turn ran, it was a repeat, or it was refused (a client error). */
export type TurnJobResult = 'ran' | 'duplicate' | 'refused';

export const DEFAULT_SUBSCRIBER_REFRESH_MS = 200;

/**
 * Runs one queued turn (AWS worker) and delivers its events to every subscriber exactly once.
 *
 * The events are kept in memory, indexed by seq. Delivery runs in passes: a pass (re)reads the
 * subscriber record when due and sends each subscriber the events past its watermark (its
 * registered `afterSeq`, raised by what this worker sent it). When the turn has ended and its
 * events are stored, the record is closed in one UpdateItem that returns the final subscribers,
 * who get the rest; a resume that lands after the close finds `closed` and reads the store.
 *
 * A client error (another owner's session, an invalid request) is answered with an error frame
 * and the job succeeds; anything else is thrown so SQS redelivers it (the engine makes a repeat
 * of the same message a no-op).
 */
export async function runTurnJob(deps: TurnWorkerDeps, job: TurnJob): Promise<TurnJobResult> {
  const clock = deps.clock ?? systemClock;
  const refreshMs = deps.subscriberRefreshMs ?? DEFAULT_SUBSCRIBER_REFRESH_MS;
  const { turnId } = job;
  const log = deps.logger.child({ turnId });
  const events: TurnEvent[] = [];
  /** Subscribers known to this worker (the sender's connection from the start). */
  const subscribers = new Set<string>([job.connectionId]);
  const controller = new AbortController();

  const delivery = new EventDelivery({
    sender: deps.sender,
    logger: log,
    onGone: (connectionId) => {
      subscribers.delete(connectionId);
      void Promise.allSettled([
        deps.connections.delete(connectionId),
        deps.subscriptions.remove(turnId, connectionId),
      ]);
    },
  });

  let lastRead = Number.NEGATIVE_INFINITY;
  const refresh = async (force: boolean): Promise<void> => {
    const now = clock.now().getTime();
    if (!force && now - lastRead < refreshMs) return;
    lastRead = now;
    const record = await deps.subscriptions.read(turnId);
    if (record === undefined) return;
    if (record.cancelRequested) controller.abort();
    merge(record.subscribers);
  };
  const merge = (registered: Readonly<Record<string, number>>): void => {
    for (const [connectionId, afterSeq] of Object.entries(registered)) {
      if (delivery.isGone(connectionId)) continue;
      subscribers.add(connectionId);
      delivery.advance(connectionId, turnId, afterSeq);
    }
  };
  const deliver = (): void => {
    for (const connectionId of subscribers) {
      for (let seq = delivery.watermark(connectionId, turnId) + 1; seq < events.length; seq += 1) {
        const event = events[seq];
        // Never past a hole (there is none while events arrive in order), nor to the gone.
        if (event === undefined || !delivery.sendEvent(connectionId, event)) break;
      }
    }
  };

  let pass: Promise<void> | undefined;
  let pending = false;
  const schedule = (): void => {
    pending = true;
    pass ??= (async () => {
      while (pending) {
        pending = false;
        try {
          await refresh(false);
        } catch (error) {
          // A failed read delays new subscribers, never the ones already known.
          log.warn({ err: error }, 'subscriber record not read');
        }
        deliver();
      }
      pass = undefined;
    })();
  };

  await refresh(true).catch((error: unknown) => {
    log.warn({ err: error }, 'subscriber record not read');
  });

  let started;
  try {
    started = await deps.engine.start(
      { ownerId: job.ownerId, ...job.request },
      {
        turnId,
        signal: controller.signal,
        onSessionUpdated: (session) => {
          for (const connectionId of subscribers) {
            void delivery.sendFrame(connectionId, { kind: 'session', session });
          }
        },
        onEvent: (event) => {
          // Events come with seq 0, 1, 2, …: the array index is the seq.
          events[event.seq] = event;
          schedule();
        },
      },
    );
  } catch (error) {
    if (!isAppError(error) || error.isServerError) throw error;
    log.info({ code: error.code }, 'turn refused');
    await delivery.sendFrame(job.connectionId, errorFrameFrom(error, job.requestId));
    await deps.subscriptions.close(turnId);
    return 'refused';
  }

  if (started.duplicate) {
    // A redelivered job, or a message sent twice: nothing new runs. The stored events of the
    // turn that answers it are what subscribers get.
    if (started.turnId !== turnId) {
      await delivery.sendFrame(job.connectionId, {
        kind: 'ack',
        action: 'sendMessage',
        ...(job.requestId === undefined ? {} : { requestId: job.requestId }),
        turnId: started.turnId,
        sessionId: started.sessionId,
        duplicate: true,
      });
    } else {
      const stored = await deps.engine.replay(job.ownerId, turnId, -1);
      for (const event of stored.events) events[event.seq] = event;
    }
    await finish();
    return 'duplicate';
  }

  const outcome = await started.done;
  log.info({ status: outcome.status }, 'turn ended');
  await finish();
  return 'ran';

  async function finish(): Promise<void> {
    while (pass) await pass;
    const final = await deps.subscriptions.close(turnId);
    if (final) merge(final.subscribers);
    deliver();
    await delivery.drain();
  }
}
