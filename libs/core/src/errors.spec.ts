import { toErrorBody } from './error-body';
import {
  AppError,
  ConflictError,
  InternalError,
  isAppError,
  NotFoundError,
  PayloadTooLargeError,
  RateLimitedError,
  toAppError,
  UnauthorizedError,
  ValidationError,
} from './errors';

describe('AppError family', () => {
  it.each([
    [new ValidationError('bad'), 'VALIDATION_FAILED', 400],
    [new UnauthorizedError(), 'UNAUTHORIZED', 401],
    [new NotFoundError('Session', '01J'), 'SESSION_NOT_FOUND', 404],
    [new NotFoundError('mcp server'), 'MCP_SERVER_NOT_FOUND', 404],
    [new ConflictError('stale'), 'CONFLICT', 409],
    [new PayloadTooLargeError('big', { code: 'UPLOAD_TOO_LARGE' }), 'UPLOAD_TOO_LARGE', 413],
    [new RateLimitedError(), 'RATE_LIMITED', 429],
    [new InternalError(), 'INTERNAL_ERROR', 500],
  ])('%p has code %s and status %d', (error, code, status) => {
    expect(error).toBeInstanceOf(AppError);
    expect(error.code).toBe(code);
    expect(error.status).toBe(status);
    expect(error.name).toBe(error.constructor.name);
  });

  it('wraps unknown throwables as internal errors keeping the cause', () => {
    const cause = new TypeError('boom');
    const wrapped = toAppError(cause);
    expect(wrapped).toBeInstanceOf(InternalError);
    expect(wrapped.cause).toBe(cause);
    expect(isAppError(wrapped)).toBe(true);
    expect(isAppError(cause)).toBe(false);
    expect(toAppError(wrapped)).toBe(wrapped);
  });
});

describe('toErrorBody', () => {
  it('shows client errors with message and details', () => {
    const { status, body } = toErrorBody(
      new ValidationError('Body is invalid.', { details: [{ path: 'title' }] }),
    );
    expect(status).toBe(400);
    expect(body).toEqual({
      error: {
        code: 'VALIDATION_FAILED',
        message: 'Body is invalid.',
        details: [{ path: 'title' }],
      },
    });
  });

  it('hides the message and details of server errors', () => {
    const { status, body } = toErrorBody(new Error('connection to 10.0.0.5 failed: password=x'));
    expect(status).toBe(500);
    expect(body.error.code).toBe('INTERNAL_ERROR');
    expect(JSON.stringify(body)).not.toContain('password');
    expect(body.error.details).toBeUndefined();
  });
});
