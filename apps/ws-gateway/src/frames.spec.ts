import { MAX_SERVER_FRAME_BYTES, serverFrameSchema } from '@lgm/contracts';

import {
  encodeServerFrame,
  errorFrameFrom,
  MAX_CLIENT_FRAME_BYTES,
  parseClientFrame,
} from './frames';
import { deltaEvent } from './test/recording-sender';

const SESSION = '01KAZ00000000000000SESS10N';

describe('parseClientFrame', () => {
  it('accepts every action of the contract', () => {
    const frames = [
      { action: 'sendMessage', sessionId: SESSION, clientMessageId: 'c-1', content: 'Hi' },
      { action: 'resume', turnId: SESSION, afterSeq: -1, requestId: 'r.1' },
      { action: 'cancel', turnId: SESSION },
      { action: 'ping' },
    ];
    for (const frame of frames) {
      expect(parseClientFrame(JSON.stringify(frame))).toEqual({ ok: true, frame });
    }
  });

  it.each([
    ['undefined', undefined, 'INVALID_FRAME'],
    ['blank', '  ', 'INVALID_FRAME'],
    ['not JSON', '{action:', 'INVALID_FRAME'],
    ['a JSON string', '"ping"', 'INVALID_FRAME'],
    ['null', 'null', 'INVALID_FRAME'],
    ['an array', '[{"action":"ping"}]', 'INVALID_FRAME'],
    ['no action', '{"turnId":"x"}', 'INVALID_FRAME'],
    ['an unknown action', '{"action":"sendmessage"}', 'UNKNOWN_ACTION'],
    ['an unknown field', '{"action":"ping","extra":1}', 'INVALID_FRAME'],
    [
      'a fractional seq',
      `{"action":"resume","turnId":"${SESSION}","afterSeq":1.5}`,
      'INVALID_FRAME',
    ],
  ])('answers %s with %s', (_label, raw, code) => {
    const parsed = parseClientFrame(raw);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) {
      expect(parsed.error.error.code).toBe(code);
      expect(serverFrameSchema.parse(parsed.error)).toEqual(parsed.error);
    }
  });

  it('measures frames in bytes, not characters', () => {
    const content = 'é'.repeat(MAX_CLIENT_FRAME_BYTES / 2);
    const raw = JSON.stringify({ action: 'ping', content });
    expect(raw.length).toBeLessThan(MAX_CLIENT_FRAME_BYTES);
    const parsed = parseClientFrame(raw);
    expect(parsed).toMatchObject({ ok: false, error: { error: { code: 'FRAME_TOO_LARGE' } } });
  });

  it('echoes a valid request id on a refused frame, never an invalid one', () => {
    expect(parseClientFrame('{"action":"nope","requestId":"abc"}')).toMatchObject({
      ok: false,
      error: { requestId: 'abc' },
    });
    const refused = parseClientFrame('{"action":"nope","requestId":"a b"}');
    expect(refused.ok === false && 'requestId' in refused.error).toBe(false);
  });
});

describe('encodeServerFrame', () => {
  it('serialises a frame under the limit as it is', () => {
    const frame = { kind: 'event' as const, event: deltaEvent(3, 'x'.repeat(8 * 1024)) };
    expect(JSON.parse(encodeServerFrame(frame))).toEqual(frame);
  });

  it('replaces an event over the frame limit with an EVENT_TOO_LARGE error naming it', () => {
    const event = deltaEvent(7, 'x'.repeat(MAX_SERVER_FRAME_BYTES));
    const encoded = encodeServerFrame({ kind: 'event', event });
    expect(Buffer.byteLength(encoded)).toBeLessThanOrEqual(MAX_SERVER_FRAME_BYTES);
    expect(serverFrameSchema.parse(JSON.parse(encoded))).toMatchObject({
      kind: 'error',
      error: {
        code: 'EVENT_TOO_LARGE',
        details: { turnId: event.turnId, seq: 7, type: 'text.delta' },
      },
    });
  });

  it('refuses any other frame over the limit', () => {
    const huge = { kind: 'error' as const, error: { code: 'X', message: 'y'.repeat(40_000) } };
    expect(() => encodeServerFrame(huge)).toThrow(/frame limit/);
  });
});

describe('errorFrameFrom', () => {
  it('hides the message of a server error and keeps a client error whole', () => {
    expect(errorFrameFrom(new Error('database password is hunter2'), 'r1')).toEqual({
      kind: 'error',
      requestId: 'r1',
      error: { code: 'INTERNAL_ERROR', message: 'Internal error. It has been logged.' },
    });
  });
});
