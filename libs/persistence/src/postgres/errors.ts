import {
  AppError,
  ConflictError,
  InternalError,
  PayloadTooLargeError,
  ServiceUnavailableError,
  ValidationError,
} from '@lgm/core';

/** PostgreSQL SQLSTATE codes we answer with a specific AppError. */
const SQLSTATE = {
  uniqueViolation: '23505',
  foreignKeyViolation: '23503',
  checkViolation: '23514',
  notNullViolation: '23502',
  stringTooLong: '22001',
  invalidTextRepresentation: '22P02',
  numericOutOfRange: '22003',
  dataException: '22000',
  queryCanceled: '57014',
  serializationFailure: '40001',
  deadlockDetected: '40P01',
  tooManyConnections: '53300',
} as const;

function sqlState(error: unknown): string | undefined {
  // drizzle wraps driver errors; the SQLSTATE sits on the error or its cause.
  for (let current: unknown = error, depth = 0; current && depth < 4; depth += 1) {
    if (
      typeof current === 'object' &&
      'code' in current &&
      typeof current.code === 'string' &&
      /^[0-9A-Z]{5}$/.test(current.code)
    ) {
      return current.code;
    }
    current = typeof current === 'object' && 'cause' in current ? current.cause : undefined;
  }
  return undefined;
}

function isConnectionFailure(error: unknown): boolean {
  for (let current: unknown = error, depth = 0; current && depth < 4; depth += 1) {
    if (typeof current === 'object' && 'code' in current && typeof current.code === 'string') {
      if (['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND'].includes(current.code))
        return true;
    }
    if (
      current instanceof Error &&
      /Connection terminated|timeout exceeded when trying to connect/i.test(current.message)
    ) {
      return true;
    }
    current = typeof current === 'object' && 'cause' in current ? current.cause : undefined;
  }
  return false;
}

/**
 * Driver errors as AppErrors, in one place: callers see codes like `DOCUMENT_CONFLICT` or
 * `DATABASE_UNAVAILABLE`, never a SQLSTATE or a stack from pg.
 */
export function toPersistenceError(error: unknown, subject = 'record'): AppError {
  if (error instanceof AppError) return error;
  switch (sqlState(error)) {
    case SQLSTATE.uniqueViolation:
      return new ConflictError(`The ${subject} already exists.`, {
        code: 'ALREADY_EXISTS',
        cause: error,
      });
    case SQLSTATE.foreignKeyViolation:
      return new ValidationError(`The ${subject} refers to something that does not exist.`, {
        code: 'REFERENCE_NOT_FOUND',
        cause: error,
      });
    case SQLSTATE.stringTooLong:
      return new PayloadTooLargeError(`A value of the ${subject} is too long.`, {
        code: 'VALUE_TOO_LONG',
        cause: error,
      });
    case SQLSTATE.checkViolation:
    case SQLSTATE.notNullViolation:
    case SQLSTATE.invalidTextRepresentation:
    case SQLSTATE.numericOutOfRange:
    case SQLSTATE.dataException:
      return new ValidationError(`The ${subject} has an invalid value.`, {
        code: 'INVALID_VALUE',
        cause: error,
      });
    case SQLSTATE.queryCanceled:
      return new ServiceUnavailableError('The database took too long to answer.', {
        code: 'DATABASE_TIMEOUT',
        cause: error,
      });
    case SQLSTATE.serializationFailure:
    case SQLSTATE.deadlockDetected:
      return new ConflictError('The write collided with another one; try again.', {
        code: 'WRITE_CONFLICT',
        cause: error,
      });
    case SQLSTATE.tooManyConnections:
      return new ServiceUnavailableError('The database is busy.', {
        code: 'DATABASE_UNAVAILABLE',
        cause: error,
      });
    default:
      if (isConnectionFailure(error)) {
        return new ServiceUnavailableError('The database cannot be reached.', {
          code: 'DATABASE_UNAVAILABLE',
          cause: error,
        });
      }
      return new InternalError('A database operation failed.', { cause: error });
  }
}

/** Runs a database call and maps whatever it throws. */
export async function mapPersistenceErrors<T>(subject: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw toPersistenceError(error, subject);
  }
}
