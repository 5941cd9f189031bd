import { S3ServiceException } from '@aws-sdk/client-s3';
import { NotFoundError } from '@lgm/core';

import { toBlobStoreError } from './errors';

function s3Error(name: string, status: number, fault: 'client' | 'server' = 'client') {
  return new S3ServiceException({
    name,
    $fault: fault,
    $metadata: { httpStatusCode: status },
    message: name,
  });
}

describe('toBlobStoreError', () => {
  it.each([
    ['NoSuchKey', 404, 'OBJECT_NOT_FOUND', 404],
    ['NotFound', 404, 'OBJECT_NOT_FOUND', 404],
    ['NoSuchBucket', 404, 'BLOB_STORE_MISCONFIGURED', 500],
    ['AccessDenied', 403, 'BLOB_STORE_ACCESS_DENIED', 500],
    ['EntityTooLarge', 400, 'OBJECT_TOO_LARGE', 413],
    ['SlowDown', 503, 'BLOB_STORE_UNAVAILABLE', 503],
    ['InternalError', 500, 'BLOB_STORE_UNAVAILABLE', 503],
    ['InvalidArgument', 400, 'BLOB_STORE_REQUEST_REJECTED', 500],
  ])('maps %s (%i) to %s', (name, status, code, appStatus) => {
    const mapped = toBlobStoreError(s3Error(name, status, status >= 500 ? 'server' : 'client'));

    expect(mapped.code).toBe(code);
    expect(mapped.status).toBe(appStatus);
    expect(mapped.cause).toBeInstanceOf(S3ServiceException);
  });

  it('treats refused connections as retryable unavailability', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });

    expect(toBlobStoreError(refused).code).toBe('BLOB_STORE_UNAVAILABLE');
  });

  it('passes AppErrors through and wraps anything else', () => {
    const notFound = new NotFoundError('Object');

    expect(toBlobStoreError(notFound)).toBe(notFound);
    expect(toBlobStoreError(new TypeError('boom')).code).toBe('BLOB_STORE_FAILED');
  });
});
