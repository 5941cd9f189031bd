import type { TurnEngine } from '@lgm/chat';
import type { TurnEvent } from '@lgm/contracts';
import { type IdGenerator, isAppError, type Logger, NotFoundError } from '@lgm/core';
import { MAX_TURN_EVENT_SEQ } from '@lgm/persistence';

import type { AckFrame } from './frames';
import type { EventDelivery } from './sender';
import type { SocketCaller, TurnDispatcher } from './socket-routes';
import type { TurnQueue } from './turn-queue';
import type { TurnSubscriptionStore } from './turn-subscriptions';

export interface QueuedTurnsDeps {
  readonly engine: TurnEngine;
  readonly queue: TurnQueue;
  readonly subscriptions: TurnSubscriptionStore;
  readonly delivery: EventDelivery;
  readonly nextId: IdGenerator;
  readonly logger: Logger;
}

type Replay = Awaited<ReturnType<TurnEngine['replay']>>;

/**
 * Turns run by the worker (AWS): API Gateway gives a route 29 seconds, a turn may take minutes.
 * `sendMessage` picks the turn id, records the sender as the turn's first subscriber, acks and
 * queues the turn. `resume` sends the stored events, then subscribes for the rest, which the
 * worker delivers; the subscriber record's `closed` flag settles the race with the turn's end.
 */
export function createQueuedTurns(deps: QueuedTurnsDeps): TurnDispatcher {
  const ack = async (
    caller: SocketCaller,
    frame: Omit<AckFrame, 'kind' | 'requestId'>,
    requestId: string | undefined,
  ): Promise<void> => {
    await deps.delivery.sendFrame(caller.connectionId, {
      kind: 'ack',
      ...frame,
      ...(requestId === undefined ? {} : { requestId }),
    });
  };

  /** Sends stored events after `afterSeq` in order; returns the last seq now sent. */
  const sendStored = async (
    connectionId: string,
    events: readonly TurnEvent[],
    afterSeq: number,
  ): Promise<number> => {
    let last = afterSeq;
    for (const event of events) {
      if (event.seq !== last + 1) break;
      deps.delivery.sendEvent(connectionId, event);
      last = event.seq;
    }
    // Posted before the subscription exists, so the worker's frames can only come after these.
    await deps.delivery.idle(connectionId);
    return last;
  };

  const replayOrUndefined = async (
    caller: SocketCaller,
    turnId: string,
    afterSeq: number,
  ): Promise<Replay | undefined> => {
    try {
      return await deps.engine.replay(caller.ownerId, turnId, afterSeq);
    } catch (error) {
      // Queued but not started yet: the worker has not recorded the turn.
      if (isAppError(error) && error.status === 404) return undefined;
      throw error;
    }
  };

  return {
    async start(caller, frame) {
      const turnId = deps.nextId();
      await deps.subscriptions.open(
        turnId,
        { ownerId: caller.ownerId, sessionId: frame.sessionId },
        caller.connectionId,
      );
      // Acked before queueing: the worker's frames then always arrive after the ack.
      await ack(
        caller,
        { action: 'sendMessage', turnId, sessionId: frame.sessionId },
        frame.requestId,
      );
      const enqueued = deps.queue.enqueue({
        turnId,
        ownerId: caller.ownerId,
        connectionId: caller.connectionId,
        ...(frame.requestId === undefined ? {} : { requestId: frame.requestId }),
        request: {
          sessionId: frame.sessionId,
          clientMessageId: frame.clientMessageId,
          content: frame.content,
          ...(frame.options === undefined ? {} : { options: frame.options }),
        },
      });
      try {
        await enqueued;
      } catch (error) {
        // No worker will run it: close the record so a resume reads the (empty) store instead.
        await deps.subscriptions.close(turnId).catch(() => undefined);
        throw error;
      }
    },

    async resume(caller, frame) {
      const { turnId } = frame;
      const stored = await replayOrUndefined(caller, turnId, frame.afterSeq);
      let sessionId = stored?.sessionId;
      if (sessionId === undefined) {
        const record = await deps.subscriptions.read(turnId);
        if (record === undefined || record.ownerId !== caller.ownerId) {
          throw new NotFoundError('Turn', turnId);
        }
        sessionId = record.sessionId;
      }
      await ack(caller, { action: 'resume', turnId, sessionId }, frame.requestId);
      const sent = await sendStored(caller.connectionId, stored?.events ?? [], frame.afterSeq);
      if (stored?.ended) return;

      const added = await deps.subscriptions.add(turnId, caller.ownerId, caller.connectionId, sent);
      if (added === 'closed') {
        // The worker made its final pass before we subscribed: every event is stored now.
        const rest = await deps.engine.replay(caller.ownerId, turnId, sent);
        await sendStored(caller.connectionId, rest.events, sent);
      } else if (added === 'missing') {
        // Not a worker's turn (chat-api ran it) or its record expired: what is stored is all
        // this route can send; the client resumes again later for more.
        deps.logger.info({ turnId }, 'resumed turn has no live subscription');
      }
    },

    async cancel(caller, frame) {
      const { turnId } = frame;
      // The worker polls the stored flag; a turn still queued reads the subscription's flag.
      const flagged = await deps.subscriptions.requestCancel(turnId, caller.ownerId);
      let sessionId: string | undefined;
      try {
        await deps.engine.cancel(caller.ownerId, turnId);
      } catch (error) {
        if (!(flagged && isAppError(error) && error.status === 404)) throw error;
      }
      const record = flagged ? await deps.subscriptions.read(turnId) : undefined;
      sessionId = record?.sessionId;
      // Past the last possible seq: the turn's session, without reading any event.
      sessionId ??= (await deps.engine.replay(caller.ownerId, turnId, MAX_TURN_EVENT_SEQ))
        .sessionId;
      await ack(caller, { action: 'cancel', turnId, sessionId }, frame.requestId);
    },

    disconnected() {
      // Nothing held in this process: the worker learns from GoneException.
    },
  };
}
