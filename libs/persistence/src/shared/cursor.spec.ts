import * as z from 'zod';

import { decodeCursor, encodeCursor, pageSize } from './cursor';

const position = z.object({ createdAt: z.iso.datetime(), id: z.string().length(26) }).strict();

describe('cursors', () => {
  it('round-trip a position', () => {
    const at = { createdAt: '2026-11-26T10:00:00.000Z', id: '01ARZ3NDEKTSV4RRFFQ69G5FAV' };
    expect(decodeCursor(position, encodeCursor(at))).toEqual(at);
  });

  it.each([
    ['empty', ''],
    ['not base64url', 'abc$%^'],
    ['not JSON', Buffer.from('{oops').toString('base64url')],
    ['the wrong shape', encodeCursor({ createdAt: 'yesterday', id: 'x' })],
    [
      'extra fields',
      encodeCursor({
        createdAt: '2026-11-26T10:00:00.000Z',
        id: '01ARZ3NDEKTSV4RRFFQ69G5FAV',
        ownerId: 'b',
      }),
    ],
    ['absurdly long', 'a'.repeat(5000)],
  ])('reject a cursor that is %s with INVALID_CURSOR', (_what, cursor) => {
    expect(() => decodeCursor(position, cursor)).toThrow(
      expect.objectContaining({ code: 'INVALID_CURSOR', status: 400 }),
    );
  });

  it('bound page sizes', () => {
    expect(pageSize(undefined)).toBe(20);
    expect(pageSize(100)).toBe(100);
    for (const bad of [0, -1, 101, 1.5, Number.NaN]) {
      expect(() => pageSize(bad)).toThrow(expect.objectContaining({ code: 'INVALID_LIMIT' }));
    }
  });
});
