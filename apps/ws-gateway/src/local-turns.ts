import type { TurnEngine } from '@lgm/chat';
import type { TurnEvent } from '@lgm/contracts';
import {
  type IdGenerator,
  isAppError,
  type Logger,
  NotFoundError,
  ServiceUnavailableError,
} from '@lgm/core';
import { MAX_TURN_EVENT_SEQ } from '@lgm/persistence';

import type { AckFrame } from './frames';
import type { EventDelivery } from './sender';
import type { SocketCaller, TurnDispatcher } from './socket-routes';
import type { TurnHub } from './turn-hub';

export interface LocalTurnsDeps {
  readonly engine: TurnEngine;
  readonly hub: TurnHub;
  readonly delivery: EventDelivery;
  readonly nextId: IdGenerator;
  readonly logger: Logger;
  /** Waits between reads of the store while it catches up with the hub (resume far back). */
  readonly storeRetryDelayMs?: number;
}

/** A dispatcher that also drains its turns on shutdown. */
export interface LocalTurnDispatcher extends TurnDispatcher {
  /** Cancels every running turn and waits until each has stored its (partial) answer. */
  close(): Promise<void>;
}

const RESUME_ATTEMPTS = 5;

/**
 * Turns run in this process (the local server): the engine streams each event to the hub, which
 * keeps it and sends it to the turn's subscribers; `resume` replays from the hub (or the store)
 * and subscribes in one step.
 */
export function createLocalTurns(deps: LocalTurnsDeps): LocalTurnDispatcher {
  const running = new Set<Promise<unknown>>();
  const retryDelayMs = deps.storeRetryDelayMs ?? 50;

  const ack = (
    caller: SocketCaller,
    frame: Omit<AckFrame, 'kind' | 'requestId'>,
    requestId: string | undefined,
  ): void => {
    void deps.delivery.sendFrame(caller.connectionId, {
      kind: 'ack',
      ...frame,
      ...(requestId === undefined ? {} : { requestId }),
    });
  };

  const sendStored = (connectionId: string, events: readonly TurnEvent[], afterSeq: number) => {
    let last = afterSeq;
    for (const event of events) {
      // Stored events form a prefix without gaps; never send past a hole.
      if (event.seq !== last + 1) break;
      deps.delivery.sendEvent(connectionId, event);
      last = event.seq;
    }
    return last;
  };

  /**
   * Follows a turn live in the hub from `afterSeq`. When the hub already dropped the oldest
   * events the client lacks, those come from the store first (they were persisted long before
   * the hub let them go; a few retries cover a store that lags).
   */
  const follow = async (caller: SocketCaller, turnId: string, afterSeq: number) => {
    let from = afterSeq;
    for (let attempt = 0; attempt < RESUME_ATTEMPTS; attempt += 1) {
      const result = deps.hub.subscribe(turnId, caller.connectionId, from);
      if (result.kind === 'subscribed') return;
      const stored = await deps.engine.replay(caller.ownerId, turnId, from);
      from = Math.max(from, sendStored(caller.connectionId, stored.events, from));
      if (result.kind === 'not-live') return; // ended meanwhile: the store has every event
      if (from + 1 < result.firstSeq) {
        await new Promise((resolve) => setTimeout(resolve, retryDelayMs * (attempt + 1)));
      }
    }
    throw new ServiceUnavailableError('The turn could not be resumed yet; retry.', {
      code: 'RESUME_UNAVAILABLE',
    });
  };

  return {
    async start(caller, frame) {
      const turnId = deps.nextId();
      const signal = deps.hub.open({ turnId, ownerId: caller.ownerId, sessionId: frame.sessionId });
      let started;
      try {
        started = await deps.engine.start(
          {
            ownerId: caller.ownerId,
            sessionId: frame.sessionId,
            clientMessageId: frame.clientMessageId,
            content: frame.content,
            ...(frame.options === undefined ? {} : { options: frame.options }),
          },
          {
            turnId,
            signal,
            onEvent: (event) => deps.hub.publish(event),
            onSessionUpdated: (session) => deps.hub.broadcast(turnId, { kind: 'session', session }),
          },
        );
      } catch (error) {
        deps.hub.close(turnId);
        throw error;
      }
      if (started.duplicate) {
        // Nothing new runs: the ack names the turn that already answers this message, which the
        // client resumes if it wants its events.
        deps.hub.close(turnId);
        ack(
          caller,
          {
            action: 'sendMessage',
            turnId: started.turnId,
            sessionId: started.sessionId,
            duplicate: true,
          },
          frame.requestId,
        );
        return;
      }
      const done = started.done.then(
        (outcome) => deps.logger.debug({ turnId, status: outcome.status }, 'turn ended'),
        (error: unknown) => deps.logger.error({ err: error, turnId }, 'turn failed to finish'),
      );
      running.add(done);
      // The hub forgets the turn only once its events are stored, so a resume never misses one.
      void done.finally(() => {
        deps.hub.close(turnId);
        running.delete(done);
      });
      // Same tick: the ack is queued before the events the engine emitted while starting, and
      // the subscription replays those before any later one.
      ack(caller, { action: 'sendMessage', turnId, sessionId: started.sessionId }, frame.requestId);
      deps.hub.subscribe(turnId, caller.connectionId, -1);
    },

    async resume(caller, frame) {
      const live = deps.hub.get(frame.turnId);
      if (live !== undefined) {
        if (live.ownerId !== caller.ownerId) throw new NotFoundError('Turn', frame.turnId);
        ack(
          caller,
          { action: 'resume', turnId: frame.turnId, sessionId: live.sessionId },
          frame.requestId,
        );
        await follow(caller, frame.turnId, frame.afterSeq);
        return;
      }
      // Not running here: it ended (every event is stored), or another process runs it (its
      // stored events are what there is to send).
      const stored = await deps.engine.replay(caller.ownerId, frame.turnId, frame.afterSeq);
      ack(
        caller,
        { action: 'resume', turnId: frame.turnId, sessionId: stored.sessionId },
        frame.requestId,
      );
      sendStored(caller.connectionId, stored.events, frame.afterSeq);
    },

    async cancel(caller, frame) {
      const live = deps.hub.get(frame.turnId);
      let sessionId: string;
      if (live !== undefined && live.ownerId === caller.ownerId) {
        sessionId = live.sessionId;
        // Stop the model now; the stored flag below is for anyone else watching the turn.
        deps.hub.abort(frame.turnId);
        try {
          await deps.engine.cancel(caller.ownerId, frame.turnId);
        } catch (error) {
          if (!isAppError(error) || error.isServerError) throw error;
        }
      } else {
        // Ownership first (another owner's turn is TURN_NOT_FOUND), then the stored flag.
        // Past the last possible seq: ownership and the session, without reading any event.
        sessionId = (await deps.engine.replay(caller.ownerId, frame.turnId, MAX_TURN_EVENT_SEQ))
          .sessionId;
        await deps.engine.cancel(caller.ownerId, frame.turnId);
      }
      ack(caller, { action: 'cancel', turnId: frame.turnId, sessionId }, frame.requestId);
    },

    disconnected(connectionId) {
      deps.hub.unsubscribe(connectionId);
    },

    async close() {
      deps.hub.abortAll();
      await Promise.all(running);
    },
  };
}
