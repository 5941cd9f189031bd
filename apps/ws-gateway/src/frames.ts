import {
  CLIENT_ACTIONS,
  type ClientAction,
  type ClientFrame,
  clientFrameSchema,
  MAX_SERVER_FRAME_BYTES,
  type ServerFrame,
  type TurnEvent,
} from '@lgm/contracts';
import { InternalError, toErrorBody } from '@lgm/core';

/**
 * Largest frame a client may send, in bytes. API Gateway WebSocket caps a message at 128 KB; the
 * local server applies the same limit so both paths answer `FRAME_TOO_LARGE` alike.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html#apigateway-execution-service-websocket-limits-table
 */
export const MAX_CLIENT_FRAME_BYTES = 128 * 1024;

export type ErrorFrame = Extract<ServerFrame, { kind: 'error' }>;
export type AckFrame = Extract<ServerFrame, { kind: 'ack' }>;
export type SendMessageFrame = Extract<ClientFrame, { action: 'sendMessage' }>;
export type ResumeFrame = Extract<ClientFrame, { action: 'resume' }>;
export type CancelFrame = Extract<ClientFrame, { action: 'cancel' }>;

/** The outcome of reading one client frame: the frame, or the error frame to answer with. */
export type ParsedClientFrame =
  | { readonly ok: true; readonly frame: ClientFrame }
  | { readonly ok: false; readonly error: ErrorFrame };

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

/** An error frame; `requestId` echoes the client's correlation id when it had a valid one. */
export function errorFrame(
  code: string,
  message: string,
  options: { requestId?: string | undefined; details?: unknown } = {},
): ErrorFrame {
  return {
    kind: 'error',
    ...(options.requestId === undefined ? {} : { requestId: options.requestId }),
    error: {
      code,
      message,
      ...(options.details === undefined ? {} : { details: options.details }),
    },
  };
}

/**
 * Any failure as an error frame, through the same mapping as the HTTP error handler: an AppError
 * keeps its code, message and details; a server error keeps its code and hides its message.
 */
export function errorFrameFrom(error: unknown, requestId?: string): ErrorFrame {
  const { body } = toErrorBody(error);
  return errorFrame(body.error.code, body.error.message, {
    requestId,
    details: body.error.details,
  });
}

/**
 * Reads one frame from a client. Never throws: every malformed input becomes an error frame with
 * a machine-readable code (`FRAME_TOO_LARGE`, `INVALID_FRAME`, `UNKNOWN_ACTION`), and the
 * connection stays open.
 */
export function parseClientFrame(
  raw: string | undefined,
  byteLength = raw === undefined ? 0 : Buffer.byteLength(raw, 'utf8'),
): ParsedClientFrame {
  if (byteLength > MAX_CLIENT_FRAME_BYTES) {
    return fail('FRAME_TOO_LARGE', `A frame may hold at most ${MAX_CLIENT_FRAME_BYTES} bytes.`, {
      details: { maxBytes: MAX_CLIENT_FRAME_BYTES, bytes: byteLength },
    });
  }
  if (raw === undefined || raw.trim() === '') {
    return fail('INVALID_FRAME', 'The frame is empty; send a JSON object with an "action".');
  }
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return fail('INVALID_FRAME', 'The frame is not valid JSON.');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return fail('INVALID_FRAME', 'The frame must be a JSON object with an "action".');
  }
  const record = value as Record<string, unknown>;
  const requestId =
    typeof record['requestId'] === 'string' && REQUEST_ID.test(record['requestId'])
      ? record['requestId']
      : undefined;
  const action = record['action'];
  if (typeof action !== 'string') {
    return fail('INVALID_FRAME', 'The frame has no "action".', { requestId });
  }
  if (!CLIENT_ACTIONS.includes(action as ClientAction)) {
    return fail('UNKNOWN_ACTION', `Unknown action '${action.slice(0, 64)}'.`, {
      requestId,
      details: { actions: CLIENT_ACTIONS },
    });
  }
  const parsed = clientFrameSchema.safeParse(value);
  if (!parsed.success) {
    const details = parsed.error.issues.slice(0, 10).map((issue) => ({
      path: issue.path.map(String).join('.'),
      message: issue.message,
    }));
    const first = details[0];
    return fail(
      'INVALID_FRAME',
      `The ${action} frame is invalid${first ? ` (${first.path || 'frame'}: ${first.message})` : ''}.`,
      { requestId, details },
    );
  }
  return { ok: true, frame: parsed.data };
}

function fail(
  code: string,
  message: string,
  options: { requestId?: string | undefined; details?: unknown } = {},
): ParsedClientFrame {
  return { ok: false, error: errorFrame(code, message, options) };
}

/** The JSON text of a frame and its size in UTF-8 bytes. */
export function serializeFrame(frame: ServerFrame): { text: string; bytes: number } {
  const text = JSON.stringify(frame);
  return { text, bytes: Buffer.byteLength(text, 'utf8') };
}

/** The frame of one turn event. */
export function eventFrame(event: TurnEvent): ServerFrame {
  return { kind: 'event', event };
}

/**
 * Serialises a frame for the wire, held to {@link MAX_SERVER_FRAME_BYTES} (API Gateway's 32 KB
 * frame, less margin).
 *
 * Splitting is the turn engine's job, where seq numbers are given: it cuts model deltas into
 * `text.delta` events of at most 8 KiB and caps tool output and citation text, so every event
 * fits one frame and a long answer arrives as several ordinary events. The gateway never splits
 * one event across frames (a frame is one event, one seq, as the contract says). Should an event
 * still exceed the limit, the client gets an `EVENT_TOO_LARGE` error frame naming its turn and
 * seq in its place, so the gap is visible and the event can be read over REST, rather than a
 * frame API Gateway would refuse.
 */
export function encodeServerFrame(frame: ServerFrame): string {
  const { text, bytes } = serializeFrame(frame);
  if (bytes <= MAX_SERVER_FRAME_BYTES) return text;
  if (frame.kind === 'event') {
    const { turnId, seq, type } = frame.event;
    return serializeFrame(
      errorFrame(
        'EVENT_TOO_LARGE',
        `Event ${seq} of turn ${turnId} is ${bytes} bytes, over the ${MAX_SERVER_FRAME_BYTES}-byte frame limit; read it from the turn's stored events.`,
        { details: { turnId, seq, type, bytes } },
      ),
    ).text;
  }
  throw new InternalError(
    `A ${frame.kind} frame of ${bytes} bytes exceeds the ${MAX_SERVER_FRAME_BYTES}-byte frame limit.`,
  );
}
