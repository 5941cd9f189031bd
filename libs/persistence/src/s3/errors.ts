import { S3ServiceException } from '@aws-sdk/client-s3';
import {
  AppError,
  isAppError,
  NotFoundError,
  PayloadTooLargeError,
  ServiceUnavailableError,
} from '@lgm/core';

/**
 * The one place where S3 failures become AppErrors. Callers of the blob store never see an SDK
 * error: a missing object is a 404 the client caused; a missing bucket or a denied call is our
 * deployment's fault (500, message hidden); throttling and 5xx are retryable (503).
 */

/** Node's network failure codes: the endpoint is down or unreachable, which is worth a retry. */
const NETWORK_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

const THROTTLING_NAMES = new Set(['SlowDown', 'ServiceUnavailable', 'RequestTimeout']);

/**
 * Maps anything thrown by an S3 call to an AppError (AppErrors pass through unchanged).
 *
 * @example
 * try { await s3.send(command); } catch (error) { throw toBlobStoreError(error); }
 */
export function toBlobStoreError(error: unknown): AppError {
  if (isAppError(error)) return error;
  if (error instanceof S3ServiceException) {
    const status = error.$metadata.httpStatusCode ?? 0;
    switch (error.name) {
      // HEAD has no body, so a missing key arrives there as a bare 404 named `NotFound`.
      case 'NoSuchKey':
      case 'NotFound':
        return new NotFoundError('Object', undefined, { cause: error });
      case 'NoSuchBucket':
        return new AppError(
          'BLOB_STORE_MISCONFIGURED',
          500,
          'The blob store bucket does not exist.',
          {
            cause: error,
          },
        );
      case 'AccessDenied':
      case 'InvalidAccessKeyId':
      case 'SignatureDoesNotMatch':
        return new AppError('BLOB_STORE_ACCESS_DENIED', 500, 'The blob store denied access.', {
          cause: error,
        });
      case 'EntityTooLarge':
        return new PayloadTooLargeError('The object is larger than the store accepts.', {
          code: 'OBJECT_TOO_LARGE',
          cause: error,
        });
    }
    if (THROTTLING_NAMES.has(error.name) || status >= 500 || error.$retryable !== undefined) {
      return new ServiceUnavailableError('The blob store is unavailable; try again.', {
        code: 'BLOB_STORE_UNAVAILABLE',
        cause: error,
      });
    }
    // Any other 4xx means we built a request S3 rejects: our bug, not the caller's.
    return new AppError('BLOB_STORE_REQUEST_REJECTED', 500, 'The blob store rejected a request.', {
      cause: error,
    });
  }
  if (isNetworkError(error)) {
    return new ServiceUnavailableError('The blob store is unreachable; try again.', {
      code: 'BLOB_STORE_UNAVAILABLE',
      cause: error,
    });
  }
  return new AppError('BLOB_STORE_FAILED', 500, 'The blob store call failed.', { cause: error });
}

function isNetworkError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (error.name === 'TimeoutError' || error.name === 'AbortError') return true;
  const code: unknown = (error as { code?: unknown }).code;
  return typeof code === 'string' && NETWORK_ERROR_CODES.has(code);
}
