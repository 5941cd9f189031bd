import {
  type AppError,
  ConflictError,
  InternalError,
  isAppError,
  PayloadTooLargeError,
  ServiceUnavailableError,
} from '@lgm/core';

/**
 * The one place where DynamoDB's failures become AppErrors. Repositories validate their input
 * first, so a request DynamoDB rejects is our bug (500) unless it is about size or capacity.
 * Errors are classified by `name`, not `instanceof`, so two copies of the SDK in one bundle (or
 * an endpoint such as dynalite that answers with generic shapes) classify the same way.
 */

/** What was being done when DynamoDB failed, for the message of the mapped error. */
export interface DynamoDbErrorContext {
  /** The API operation, e.g. `PutItem`. */
  readonly operation: string;
  /** The physical table name. */
  readonly tableName: string;
}

const THROTTLING = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'LimitExceededException',
]);

const UNAVAILABLE = new Set([
  'InternalServerError',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
]);

// Node's socket errors when the endpoint (e.g. the local server) is down or went away.
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND']);

// DynamoDB: "Item size has exceeded the maximum allowed size" (PutItem/UpdateItem) and
// "Item size to update has exceeded the maximum allowed size"; dynalite uses the same words.
const ITEM_TOO_LARGE = /item size .*exceeded|exceeds? the maximum (allowed )?(item )?size/i;

/** True when the error is DynamoDB's answer to a failed `ConditionExpression`. */
export function isConditionalCheckFailed(error: unknown): boolean {
  return errorName(error) === 'ConditionalCheckFailedException';
}

/**
 * Any failure of a DynamoDB call as an AppError with a stable code.
 *
 * - ConditionalCheckFailedException → ConflictError `CONDITION_FAILED` (repositories usually
 *   handle it themselves, with a precise code)
 * - ValidationException about item size → PayloadTooLargeError `ITEM_TOO_LARGE`
 * - throttling → ServiceUnavailableError `DYNAMODB_THROTTLED`; outages and network failures →
 *   ServiceUnavailableError `DYNAMODB_UNAVAILABLE` (both retryable by the caller)
 * - ResourceNotFoundException → InternalError naming the missing table
 * - anything else → InternalError keeping the cause
 *
 * @example
 * try { await documents.send(command); }
 * catch (error) { throw mapDynamoDbError(error, { operation: 'PutItem', tableName }); }
 */
export function mapDynamoDbError(error: unknown, context: DynamoDbErrorContext): AppError {
  if (isAppError(error)) return error;
  const name = errorName(error);
  const message = error instanceof Error ? error.message : String(error);
  const where = `${context.operation} on DynamoDB table '${context.tableName}'`;

  if (name === 'ConditionalCheckFailedException') {
    return new ConflictError('The item was changed or removed concurrently.', {
      code: 'CONDITION_FAILED',
      cause: error,
    });
  }
  if (name === 'ValidationException' && ITEM_TOO_LARGE.test(message)) {
    return new PayloadTooLargeError("The item exceeds DynamoDB's 400 KB item size limit.", {
      code: 'ITEM_TOO_LARGE',
      cause: error,
    });
  }
  if (name !== undefined && THROTTLING.has(name)) {
    return new ServiceUnavailableError(`DynamoDB is throttling requests (${where}); retry later.`, {
      code: 'DYNAMODB_THROTTLED',
      cause: error,
    });
  }
  if ((name !== undefined && UNAVAILABLE.has(name)) || isNetworkError(error)) {
    return new ServiceUnavailableError(`DynamoDB is unavailable (${where}); retry later.`, {
      code: 'DYNAMODB_UNAVAILABLE',
      cause: error,
    });
  }
  if (name === 'ResourceNotFoundException') {
    return new InternalError(
      `DynamoDB table '${context.tableName}' does not exist (${context.operation}). ` +
        'Check the configured table name, or create the tables with ensureTables for a local stack.',
      { cause: error },
    );
  }
  if (name === 'UnknownOperationException') {
    return new InternalError(
      `The DynamoDB endpoint does not support ${context.operation} (table '${context.tableName}').`,
      { cause: error },
    );
  }
  return new InternalError(`DynamoDB failed: ${where}: ${message}`, { cause: error });
}

/**
 * Runs one DynamoDB call and maps its failure with {@link mapDynamoDbError}.
 *
 * @example
 * const { Item } = await callDynamoDb({ operation: 'GetItem', tableName }, () =>
 *   documents.send(new GetCommand({ TableName: tableName, Key: key })),
 * );
 */
export async function callDynamoDb<TResult>(
  context: DynamoDbErrorContext,
  run: () => Promise<TResult>,
): Promise<TResult> {
  try {
    return await run();
  } catch (error) {
    throw mapDynamoDbError(error, context);
  }
}

function errorName(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const name = (error as { name?: unknown }).name;
  return typeof name === 'string' ? name : undefined;
}

function isNetworkError(error: unknown): boolean {
  let current: unknown = error;
  // The SDK may wrap the socket error; look a couple of causes deep.
  for (let depth = 0; depth < 3 && typeof current === 'object' && current !== null; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && NETWORK_CODES.has(code)) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

/** Outcome of a conditional write: its result, or the fact that its condition failed. */
export type ConditionalResult<TResult> =
  { readonly ok: true; readonly value: TResult } | { readonly ok: false };

/**
 * Runs a conditional DynamoDB write. A failed condition is an expected outcome the caller turns
 * into a precise error (not found, stale version, duplicate); every other failure is mapped.
 */
export async function callDynamoDbConditionally<TResult>(
  context: DynamoDbErrorContext,
  run: () => Promise<TResult>,
): Promise<ConditionalResult<TResult>> {
  try {
    return { ok: true, value: await run() };
  } catch (error) {
    if (isConditionalCheckFailed(error)) return { ok: false };
    throw mapDynamoDbError(error, context);
  }
}
