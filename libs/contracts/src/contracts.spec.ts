import { errorBodySchema, healthResponseSchema } from './index';

describe('errorBodySchema', () => {
  it('accepts a code, a message and optional details', () => {
    expect(
      errorBodySchema.parse({
        error: { code: 'SESSION_NOT_FOUND', message: 'Session not found.', details: { id: 'x' } },
      }),
    ).toEqual({
      error: { code: 'SESSION_NOT_FOUND', message: 'Session not found.', details: { id: 'x' } },
    });
  });

  it.each([
    ['a lower-case code', { error: { code: 'not_found', message: 'x' } }],
    ['an empty message', { error: { code: 'X', message: '' } }],
    ['an unknown field', { error: { code: 'X', message: 'x', stack: 'at ...' } }],
    ['no error object', { code: 'X', message: 'x' }],
  ])('rejects %s', (_what, body) => {
    expect(errorBodySchema.safeParse(body).success).toBe(false);
  });
});

describe('healthResponseSchema', () => {
  const report = {
    status: 'ok',
    service: 'chat-api',
    version: '1.0.0',
    time: '2026-11-26T10:00:00.000Z',
  };

  it('defaults checks to none', () => {
    expect(healthResponseSchema.parse(report)).toEqual({ ...report, checks: {} });
  });

  it.each([
    ['an unknown service', { ...report, service: 'billing' }],
    ['an unknown status', { ...report, status: 'fine' }],
    ['a time that is not ISO 8601', { ...report, time: 'yesterday' }],
    ['a check with an unknown status', { ...report, checks: { db: { status: 'meh' } } }],
  ])('rejects %s', (_what, body) => {
    expect(healthResponseSchema.safeParse(body).success).toBe(false);
  });
});
