import type { ServerFrame, TurnEvent } from '@lgm/contracts';

import type { Delivery, Sender } from '../sender';

/** A Sender that records what each connection was sent; connections can be marked gone. */
export interface RecordingSender extends Sender {
  readonly sent: { readonly connectionId: string; readonly frame: ServerFrame }[];
  readonly gone: Set<string>;
  framesOf(connectionId: string): ServerFrame[];
  /** Seqs of the events a connection was sent, in order. */
  seqsOf(connectionId: string, turnId?: string): number[];
}

export function recordingSender(): RecordingSender {
  const sent: { connectionId: string; frame: ServerFrame }[] = [];
  const gone = new Set<string>();
  const framesOf = (connectionId: string) =>
    sent.filter((entry) => entry.connectionId === connectionId).map((entry) => entry.frame);
  return {
    sent,
    gone,
    framesOf,
    seqsOf: (connectionId, turnId) =>
      framesOf(connectionId)
        .filter((frame) => frame.kind === 'event')
        .filter((frame) => turnId === undefined || frame.event.turnId === turnId)
        .map((frame) => frame.event.seq),
    send: async (connectionId, frame): Promise<Delivery> => {
      if (gone.has(connectionId)) return 'gone';
      sent.push({ connectionId, frame });
      return 'delivered';
    },
  };
}

const TURN = '01KAZ0000000000000000TWRN0';
const SESSION = '01KAZ00000000000000SESS10N';

/** A text.delta event of a test turn. */
export function deltaEvent(seq: number, text = `t${seq} `, turnId = TURN): TurnEvent {
  return { turnId, sessionId: SESSION, seq, type: 'text.delta', data: { text } };
}

export const TEST_TURN_ID = TURN;
export const TEST_SESSION_ID = SESSION;
