import { silentLogger } from '@lgm/testing';

import { EventDelivery } from './sender';
import {
  deltaEvent,
  recordingSender,
  TEST_SESSION_ID,
  TEST_TURN_ID,
} from './test/recording-sender';
import { TurnHub } from './turn-hub';

function setup(maxEventsPerTurn?: number) {
  const sender = recordingSender();
  const gone: string[] = [];
  const delivery = new EventDelivery({
    sender,
    logger: silentLogger('ws-gateway'),
    onGone: (connectionId) => gone.push(connectionId),
  });
  const hub = new TurnHub({
    delivery,
    ...(maxEventsPerTurn === undefined ? {} : { maxEventsPerTurn }),
  });
  hub.open({ turnId: TEST_TURN_ID, ownerId: 'alice', sessionId: TEST_SESSION_ID });
  return { sender, delivery, hub, gone };
}

const range = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, index) => from + index);

describe('TurnHub', () => {
  it('replays kept events after afterSeq, then streams live ones, each once', async () => {
    const { sender, delivery, hub } = setup();
    for (const seq of range(0, 4)) hub.publish(deltaEvent(seq));

    expect(hub.subscribe(TEST_TURN_ID, 'c1', 1)).toEqual({ kind: 'subscribed', delivered: 3 });
    for (const seq of range(5, 7)) hub.publish(deltaEvent(seq));
    await delivery.drain();

    expect(sender.seqsOf('c1')).toEqual(range(2, 7));
  });

  it('never sends an event twice to a connection, however resumes and publishes interleave', async () => {
    const { sender, delivery, hub } = setup();
    hub.publish(deltaEvent(0));
    hub.subscribe(TEST_TURN_ID, 'c1', -1);
    hub.publish(deltaEvent(1));
    // The same connection resumes again, from earlier and from later.
    hub.subscribe(TEST_TURN_ID, 'c1', -1);
    hub.publish(deltaEvent(2));
    hub.subscribe(TEST_TURN_ID, 'c1', 0);
    hub.publish(deltaEvent(3));
    await delivery.drain();

    expect(sender.seqsOf('c1')).toEqual([0, 1, 2, 3]);
  });

  it('reports a gap when the events after afterSeq are no longer kept', async () => {
    const { sender, delivery, hub } = setup(4);
    for (const seq of range(0, 9)) hub.publish(deltaEvent(seq));

    const result = hub.subscribe(TEST_TURN_ID, 'late', 1);
    expect(result.kind).toBe('gap');
    // Once the connection has the stored events up to the kept ones, it subscribes.
    const firstKept = result.kind === 'gap' ? result.firstSeq : 0;
    for (const seq of range(2, firstKept - 1)) delivery.sendEvent('late', deltaEvent(seq));
    expect(hub.subscribe(TEST_TURN_ID, 'late', 1).kind).toBe('subscribed');
    hub.publish(deltaEvent(10));
    await delivery.drain();

    expect(sender.seqsOf('late')).toEqual(range(2, 10));
  });

  it('knows the owner of a live turn and forgets the turn when closed', () => {
    const { hub } = setup();
    expect(hub.get(TEST_TURN_ID)).toEqual({
      turnId: TEST_TURN_ID,
      ownerId: 'alice',
      sessionId: TEST_SESSION_ID,
    });
    hub.close(TEST_TURN_ID);
    expect(hub.get(TEST_TURN_ID)).toBeUndefined();
    expect(hub.subscribe(TEST_TURN_ID, 'c1', -1)).toEqual({ kind: 'not-live' });
  });

  it('stops sending to an unsubscribed connection and to a gone one', async () => {
    const { sender, delivery, hub, gone } = setup();
    hub.subscribe(TEST_TURN_ID, 'stays', -1);
    hub.subscribe(TEST_TURN_ID, 'leaves', -1);
    hub.subscribe(TEST_TURN_ID, 'vanishes', -1);
    hub.publish(deltaEvent(0));
    await delivery.drain();
    hub.unsubscribe('leaves');
    sender.gone.add('vanishes');
    hub.publish(deltaEvent(1));
    hub.publish(deltaEvent(2));
    await delivery.drain();

    expect(sender.seqsOf('stays')).toEqual([0, 1, 2]);
    expect(sender.seqsOf('leaves')).toEqual([0]);
    expect(sender.seqsOf('vanishes')).toEqual([0]);
    expect(gone).toEqual(['vanishes']);
  });

  it('aborts a live turn through its signal', () => {
    const { hub } = setup();
    const signal = hub.open({ turnId: 'T2', ownerId: 'bob', sessionId: TEST_SESSION_ID });
    expect(hub.abort('T2')).toBe(true);
    expect(signal.aborted).toBe(true);
    expect(hub.abort('unknown')).toBe(false);
  });
});

describe('EventDelivery', () => {
  it('keeps frames of one connection in order even when the transport is slow', async () => {
    const order: string[] = [];
    const delivery = new EventDelivery({
      logger: silentLogger('ws-gateway'),
      sender: {
        send: async (connectionId, frame) => {
          // The first frame takes longest: a transport that reordered would show it.
          const seq = frame.kind === 'event' ? frame.event.seq : -1;
          await new Promise((resolve) => setTimeout(resolve, seq === 0 ? 30 : 1));
          order.push(`${connectionId}:${seq}`);
          return 'delivered';
        },
      },
    });
    for (const seq of [0, 1, 2]) delivery.sendEvent('c1', deltaEvent(seq));
    await delivery.drain();
    expect(order).toEqual(['c1:0', 'c1:1', 'c1:2']);
  });

  it('carries on after a frame the transport failed to send', async () => {
    const sent: number[] = [];
    const delivery = new EventDelivery({
      logger: silentLogger('ws-gateway'),
      sender: {
        send: async (_connectionId, frame) => {
          if (frame.kind === 'event' && frame.event.seq === 1) throw new Error('network');
          if (frame.kind === 'event') sent.push(frame.event.seq);
          return 'delivered';
        },
      },
    });
    for (const seq of [0, 1, 2]) delivery.sendEvent('c1', deltaEvent(seq));
    await delivery.drain();
    expect(sent).toEqual([0, 2]);
  });
});
