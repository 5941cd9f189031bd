import { NotFoundError } from '@lgm/core';

import { isConditionalCheckFailed, mapDynamoDbError } from './errors';

const context = { operation: 'PutItem', tableName: 'lgm-sessions' };

function sdkError(name: string, message = name): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

describe('mapDynamoDbError', () => {
  it.each([
    ['ConditionalCheckFailedException', 'CONDITION_FAILED', 409],
    ['ProvisionedThroughputExceededException', 'DYNAMODB_THROTTLED', 503],
    ['ThrottlingException', 'DYNAMODB_THROTTLED', 503],
    ['RequestLimitExceeded', 'DYNAMODB_THROTTLED', 503],
    ['InternalServerError', 'DYNAMODB_UNAVAILABLE', 503],
    ['ResourceNotFoundException', 'INTERNAL_ERROR', 500],
    ['UnknownOperationException', 'INTERNAL_ERROR', 500],
    ['ValidationException', 'INTERNAL_ERROR', 500],
    ['SomethingNew', 'INTERNAL_ERROR', 500],
  ])('maps %s to %s', (name, code, status) => {
    const error = sdkError(name);
    expect(mapDynamoDbError(error, context)).toMatchObject({ code, status, cause: error });
  });

  it('maps an item-size ValidationException to ITEM_TOO_LARGE', () => {
    const error = sdkError(
      'ValidationException',
      'Item size has exceeded the maximum allowed size',
    );
    expect(mapDynamoDbError(error, context)).toMatchObject({ code: 'ITEM_TOO_LARGE', status: 413 });
  });

  it('maps a refused connection to DYNAMODB_UNAVAILABLE', () => {
    const error = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), {
      code: 'ECONNREFUSED',
    });
    expect(mapDynamoDbError(error, context)).toMatchObject({ code: 'DYNAMODB_UNAVAILABLE' });
  });

  it('names the missing table', () => {
    expect(mapDynamoDbError(sdkError('ResourceNotFoundException'), context).message).toContain(
      "DynamoDB table 'lgm-sessions' does not exist",
    );
  });

  it('passes AppErrors through and recognises failed conditions', () => {
    const notFound = new NotFoundError('Session', 'x');
    expect(mapDynamoDbError(notFound, context)).toBe(notFound);
    expect(isConditionalCheckFailed(sdkError('ConditionalCheckFailedException'))).toBe(true);
    expect(isConditionalCheckFailed(new Error('other'))).toBe(false);
    expect(isConditionalCheckFailed(undefined)).toBe(false);
  });
});
