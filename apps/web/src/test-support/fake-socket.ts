import type { ClientFrame, ServerFrame, TurnEvent } from '@lgm/contracts';

import type { WebSocketLike } from '../socket/chat-socket';

/** A WebSocket the test drives: it opens, receives and drops when told to. */
export class FakeWebSocket implements WebSocketLike {
  readyState = 0;
  readonly sent: ClientFrame[] = [];
  closedWith?: number;
  onopen: ((event: unknown) => void) | null = null;
  onclose: ((event: { code: number; reason?: string }) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  /** Called with each frame the client sends (a scripted server). */
  onSend?: (frame: ClientFrame, socket: FakeWebSocket) => void;

  constructor(readonly url: string) {}

  send(data: string): void {
    if (this.readyState !== 1) throw new Error('send on a socket that is not open');
    const frame = JSON.parse(data) as ClientFrame;
    this.sent.push(frame);
    this.onSend?.(frame, this);
  }

  close(code = 1000): void {
    this.closedWith = code;
    this.readyState = 3;
  }

  open(): void {
    this.readyState = 1;
    this.onopen?.({});
  }

  receive(frame: ServerFrame | Record<string, unknown>): void {
    this.onmessage?.({ data: JSON.stringify(frame) });
  }

  event(event: TurnEvent): void {
    this.receive({ kind: 'event', event });
  }

  /** The connection dies (network change, server restart). */
  drop(): void {
    this.readyState = 3;
    this.onclose?.({ code: 1006 });
  }

  framesOf<A extends ClientFrame['action']>(action: A): Extract<ClientFrame, { action: A }>[] {
    return this.sent.filter(
      (frame): frame is Extract<ClientFrame, { action: A }> => frame.action === action,
    );
  }
}

/**
 * Records every socket the client creates; `onSend` scripts each new one. With `autoOpen` each
 * socket opens right after it is created, as a reachable server's would.
 */
export function fakeSockets(
  onSend?: (frame: ClientFrame, socket: FakeWebSocket) => void,
  { autoOpen = false } = {},
) {
  const sockets: FakeWebSocket[] = [];
  return {
    sockets,
    create: (url: string) => {
      const socket = new FakeWebSocket(url);
      socket.onSend = onSend;
      sockets.push(socket);
      if (autoOpen) queueMicrotask(() => socket.readyState === 0 && socket.open());
      return socket;
    },
    latest(): FakeWebSocket {
      const socket = sockets[sockets.length - 1];
      if (!socket) throw new Error('no socket created yet');
      return socket;
    },
  };
}

export const SESSION_ID = '01HX5Z7Q8R9S0T1V2W3X4Y5Z6A';
export const TURN_ID = '01HX5Z7Q8R9S0T1V2W3X4Y5Z6B';
export const USER_MESSAGE_ID = '01HX5Z7Q8R9S0T1V2W3X4Y5Z6C';
export const ANSWER_MESSAGE_ID = '01HX5Z7Q8R9S0T1V2W3X4Y5Z6D';
export const DOCUMENT_ID = '01HX5Z7Q8R9S0T1V2W3X4Y5Z6E';

/** Builds the events of one turn with consecutive seqs. */
export function turnScript(turnId = TURN_ID, sessionId = SESSION_ID) {
  const base = { turnId, sessionId };
  return {
    started: (seq = 0): TurnEvent => ({
      ...base,
      seq,
      type: 'turn.started',
      data: { userMessageId: USER_MESSAGE_ID, model: 'extractive', knowledgeBase: true },
    }),
    delta: (seq: number, text: string): TurnEvent => ({
      ...base,
      seq,
      type: 'text.delta',
      data: { text },
    }),
    citation: (seq: number, id: string, title = 'Handbook.pdf'): TurnEvent => ({
      ...base,
      seq,
      type: 'citation',
      data: {
        id,
        chunkId: `chunk-${id}`,
        documentId: DOCUMENT_ID,
        title,
        pageStart: 3,
        pageEnd: 4,
        headingPath: ['Policies', 'Travel'],
        text: `Passage ${id} of ${title}.`,
        score: 0.9,
      },
    }),
    toolCall: (seq: number, toolUseId: string, name: string, input: unknown): TurnEvent => ({
      ...base,
      seq,
      type: 'tool.call',
      data: { toolUseId, name, input },
    }),
    toolResult: (
      seq: number,
      toolUseId: string,
      name: string,
      output: string,
      status: 'success' | 'error' = 'success',
    ): TurnEvent => ({
      ...base,
      seq,
      type: 'tool.result',
      data: { toolUseId, name, status, output, truncated: false, durationMs: 1234 },
    }),
    completed: (seq: number, status: 'complete' | 'cancelled' = 'complete'): TurnEvent => ({
      ...base,
      seq,
      type: 'turn.completed',
      data: {
        messageId: ANSWER_MESSAGE_ID,
        status,
        stopReason: status === 'cancelled' ? 'cancelled' : 'end_turn',
        usage: { inputTokens: 120, outputTokens: 45, costUsd: 0.0012 },
      },
    }),
    failed: (seq: number, message = 'The model is unavailable.'): TurnEvent => ({
      ...base,
      seq,
      type: 'turn.failed',
      data: { error: { code: 'MODEL_ERROR', message } },
    }),
  };
}

/** A server that acknowledges every request; sendMessage starts turn `turnIds[n]` for the n-th. */
export function ackingServer(turnIds: readonly string[] = [TURN_ID]) {
  let started = 0;
  return (frame: ClientFrame, socket: FakeWebSocket): void => {
    if (frame.action === 'sendMessage') {
      const turnId = turnIds[Math.min(started, turnIds.length - 1)] ?? TURN_ID;
      started += 1;
      socket.receive({
        kind: 'ack',
        action: 'sendMessage',
        requestId: frame.requestId,
        turnId,
        sessionId: frame.sessionId,
      });
    } else if (frame.action === 'resume' || frame.action === 'cancel') {
      socket.receive({
        kind: 'ack',
        action: frame.action,
        requestId: frame.requestId,
        turnId: frame.turnId,
        sessionId: SESSION_ID,
      });
    }
  };
}
