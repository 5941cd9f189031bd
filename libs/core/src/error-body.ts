import type { ErrorBody } from '@lgm/contracts';

import { type AppError, toAppError } from './errors';

/**
 * The wire form of an error. Server errors (5xx) keep their code but hide their message and
 * details: those may hold internals, and the full error goes to the log instead.
 */
export function toErrorBody(error: unknown): { status: number; body: ErrorBody } {
  const appError: AppError = toAppError(error);
  if (appError.isServerError) {
    return {
      status: appError.status,
      body: { error: { code: appError.code, message: 'Internal error. It has been logged.' } },
    };
  }
  const body: ErrorBody = { error: { code: appError.code, message: appError.message } };
  if (appError.details !== undefined) body.error.details = appError.details;
  return { status: appError.status, body };
}
