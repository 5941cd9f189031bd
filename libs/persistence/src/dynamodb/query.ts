import {
  BatchWriteCommand,
  type BatchWriteCommandInput,
  type DynamoDBDocumentClient,
  QueryCommand,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { type Clock, ServiceUnavailableError } from '@lgm/core';

import { callDynamoDb } from './errors';
import { epochSeconds } from './validation';

/** A stored item as the document client returns it. */
export type Item = Record<string, unknown>;

/** One request of a BatchWriteItem call. */
export type WriteRequest = NonNullable<BatchWriteCommandInput['RequestItems']>[string][number];

/**
 * The FilterExpression that hides expired items (see `isExpired`), with its names and values.
 * Merge it into a Query; `#ttl` is aliased because `ttl` is a reserved word.
 */
export function notExpiredFilter(clock: Clock): {
  expression: string;
  names: Record<string, string>;
  values: Record<string, unknown>;
} {
  return {
    expression: '(attribute_not_exists(#ttl) OR #ttl > :nowEpoch)',
    names: { '#ttl': 'ttl' },
    values: { ':nowEpoch': epochSeconds(clock.now()) },
  };
}

/**
 * Reads up to `limit` visible items starting after `exclusiveStartKey`, and tells whether more
 * follow. DynamoDB applies `Limit` before the filter, so a page of one Query may hold fewer
 * matches than asked: this keeps querying until it has `limit + 1` matches (the extra one proves
 * there is a next page, so the last page never carries a cursor to an empty page) or the
 * partition is exhausted. The caller builds its cursor from the last returned item's keys.
 */
export async function queryPage(
  documents: DynamoDBDocumentClient,
  input: QueryCommandInput & { TableName: string },
  limit: number,
): Promise<{ items: Item[]; hasMore: boolean }> {
  const wanted = limit + 1;
  const found: Item[] = [];
  let startKey = input.ExclusiveStartKey;
  do {
    const output = await callDynamoDb({ operation: 'Query', tableName: input.TableName }, () =>
      documents.send(
        new QueryCommand({ ...input, Limit: wanted - found.length, ExclusiveStartKey: startKey }),
      ),
    );
    found.push(...(output.Items ?? []));
    startKey = output.LastEvaluatedKey;
  } while (startKey !== undefined && found.length < wanted);
  return { items: found.slice(0, limit), hasMore: found.length > limit };
}

/** Reads every item a Query matches, following LastEvaluatedKey (each page is ≤ 1 MB). */
export async function queryAll(
  documents: DynamoDBDocumentClient,
  input: QueryCommandInput & { TableName: string },
): Promise<Item[]> {
  const items: Item[] = [];
  let startKey = input.ExclusiveStartKey;
  do {
    const output = await callDynamoDb({ operation: 'Query', tableName: input.TableName }, () =>
      documents.send(new QueryCommand({ ...input, ExclusiveStartKey: startKey })),
    );
    items.push(...(output.Items ?? []));
    startKey = output.LastEvaluatedKey;
  } while (startKey !== undefined);
  return items;
}

// https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchWriteItem.html:
// at most 25 put or delete requests per call.
const BATCH_WRITE_LIMIT = 25;
const MAX_BATCH_ATTEMPTS = 8;
const BACKOFF_BASE_MS = 20;
const BACKOFF_CAP_MS = 1_000;

/**
 * Writes every request with BatchWriteItem in chunks of 25, resending UnprocessedItems with
 * jittered exponential backoff (DynamoDB returns them under throttling instead of failing).
 * Not atomic: a failure leaves earlier chunks written, so callers keep their writes idempotent.
 * @throws ServiceUnavailableError `DYNAMODB_BATCH_INCOMPLETE` when items stay unprocessed.
 */
export async function batchWriteAll(
  documents: DynamoDBDocumentClient,
  tableName: string,
  requests: readonly WriteRequest[],
): Promise<void> {
  for (let start = 0; start < requests.length; start += BATCH_WRITE_LIMIT) {
    let pending: WriteRequest[] = requests.slice(start, start + BATCH_WRITE_LIMIT);
    for (let attempt = 1; pending.length > 0; attempt += 1) {
      if (attempt > MAX_BATCH_ATTEMPTS) {
        throw new ServiceUnavailableError(
          `DynamoDB left ${pending.length} writes to '${tableName}' unprocessed; retry later.`,
          { code: 'DYNAMODB_BATCH_INCOMPLETE' },
        );
      }
      if (attempt > 1) await sleep(backoff(attempt));
      const batch = pending;
      const output = await callDynamoDb({ operation: 'BatchWriteItem', tableName }, () =>
        documents.send(new BatchWriteCommand({ RequestItems: { [tableName]: batch } })),
      );
      pending = output.UnprocessedItems?.[tableName] ?? [];
    }
  }
}

function backoff(attempt: number): number {
  const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** (attempt - 2));
  return Math.floor(ceiling / 2 + Math.random() * (ceiling / 2));
}

function sleep(milliseconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, milliseconds));
}
