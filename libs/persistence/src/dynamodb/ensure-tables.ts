import {
  CreateTableCommand,
  DescribeTableCommand,
  type DescribeTableCommandOutput,
  DescribeTimeToLiveCommand,
  type DynamoDBClient,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import { InternalError } from '@lgm/core';

import { callDynamoDb, mapDynamoDbError } from './errors';
import {
  TABLE_NAMES,
  type TableDefinition,
  type TableName,
  TABLES,
  toCreateTableInput,
  toUpdateTimeToLiveInput,
} from './table-definitions';

/** What `ensureTables` did for one table. */
export interface EnsuredTable {
  readonly name: TableName;
  readonly tableName: string;
  /** False when the table already existed. */
  readonly created: boolean;
  /**
   * `enabled`: TTL is on (or being turned on). `unsupported`: the endpoint has no
   * UpdateTimeToLive (dynalite), so nothing expires and readers' own ttl checks do the work.
   * `none`: the definition has no TTL attribute.
   */
  readonly timeToLive: 'enabled' | 'unsupported' | 'none';
}

/**
 * Physical table names for a name prefix, e.g. `lgm-local-sessions`.
 *
 * @example
 * await ensureTables(client, physicalTableNames('lgm-local'));
 */
export function physicalTableNames(prefix: string): Record<TableName, string> {
  const names = {} as Record<TableName, string>;
  for (const name of TABLE_NAMES) names[name] = `${prefix}-${name}`;
  return names;
}

/**
 * Creates every missing table of {@link TABLES} and turns its TTL on: the local bootstrap (and
 * integration tests) against a DynamoDB-compatible endpoint. Deployments create tables with CDK
 * from the same definitions, never with this.
 *
 * Idempotent: an existing table is checked (its keys and indexes must match the definition,
 * otherwise a stale on-disk store from an older layout is reported), a table another process is
 * creating at the same moment is waited for, and TTL already on is left alone.
 *
 * @throws InternalError when an existing table does not match its definition.
 * @example
 * const results = await ensureTables(client, physicalTableNames('lgm-local'));
 */
export async function ensureTables(
  client: DynamoDBClient,
  tableNames: Readonly<Record<TableName, string>>,
): Promise<EnsuredTable[]> {
  const results: EnsuredTable[] = [];
  for (const name of TABLE_NAMES) {
    results.push(await ensureTable(client, TABLES[name], tableNames[name]));
  }
  return results;
}

async function ensureTable(
  client: DynamoDBClient,
  definition: TableDefinition,
  tableName: string,
): Promise<EnsuredTable> {
  let created = false;
  const existing = await describeTable(client, tableName);
  if (existing) {
    assertMatches(definition, tableName, existing);
  } else {
    try {
      await client.send(new CreateTableCommand(toCreateTableInput(definition, tableName)));
      created = true;
    } catch (error) {
      // Someone else (another test worker, a second dev-stack process) created it first.
      if (errorName(error) !== 'ResourceInUseException') {
        throw mapDynamoDbError(error, { operation: 'CreateTable', tableName });
      }
    }
  }
  await callDynamoDb({ operation: 'DescribeTable', tableName }, () =>
    // The local server makes tables ACTIVE at once (createTableMs: 0); on AWS this takes seconds.
    waitUntilTableExists(
      { client, minDelay: 1, maxDelay: 5, maxWaitTime: 300 },
      { TableName: tableName },
    ),
  );
  return {
    name: definition.name,
    tableName,
    created,
    timeToLive: await ensureTimeToLive(client, definition, tableName),
  };
}

async function describeTable(
  client: DynamoDBClient,
  tableName: string,
): Promise<DescribeTableCommandOutput['Table'] | undefined> {
  try {
    const output = await client.send(new DescribeTableCommand({ TableName: tableName }));
    return output.Table;
  } catch (error) {
    if (errorName(error) === 'ResourceNotFoundException') return undefined;
    throw mapDynamoDbError(error, { operation: 'DescribeTable', tableName });
  }
}

async function ensureTimeToLive(
  client: DynamoDBClient,
  definition: TableDefinition,
  tableName: string,
): Promise<EnsuredTable['timeToLive']> {
  const input = toUpdateTimeToLiveInput(definition, tableName);
  if (!input) return 'none';
  try {
    const { TimeToLiveDescription: current } = await client.send(
      new DescribeTimeToLiveCommand({ TableName: tableName }),
    );
    const status = current?.TimeToLiveStatus;
    if (
      (status === 'ENABLED' || status === 'ENABLING') &&
      current?.AttributeName === input.TimeToLiveSpecification.AttributeName
    ) {
      return 'enabled';
    }
    await client.send(new UpdateTimeToLiveCommand(input));
    return 'enabled';
  } catch (error) {
    // dynalite implements DescribeTimeToLive (always DISABLED) but not UpdateTimeToLive, and
    // answers UnknownOperationException: nothing there ever expires, which readers handle.
    if (errorName(error) === 'UnknownOperationException') return 'unsupported';
    throw mapDynamoDbError(error, { operation: 'UpdateTimeToLive', tableName });
  }
}

function assertMatches(
  definition: TableDefinition,
  tableName: string,
  table: NonNullable<DescribeTableCommandOutput['Table']>,
): void {
  const expected = toCreateTableInput(definition, tableName);
  const keys = (schema: readonly { AttributeName?: string; KeyType?: string }[] | undefined) =>
    (schema ?? []).map((key) => `${key.AttributeName}:${key.KeyType}`).join(',');
  const problems: string[] = [];
  if (keys(table.KeySchema) !== keys(expected.KeySchema)) {
    problems.push(`key schema is ${keys(table.KeySchema)}, expected ${keys(expected.KeySchema)}`);
  }
  for (const index of expected.GlobalSecondaryIndexes ?? []) {
    const actual = table.GlobalSecondaryIndexes?.find((gsi) => gsi.IndexName === index.IndexName);
    if (!actual) {
      problems.push(`index '${index.IndexName}' is missing`);
    } else if (keys(actual.KeySchema) !== keys(index.KeySchema)) {
      problems.push(`index '${index.IndexName}' has keys ${keys(actual.KeySchema)}`);
    }
  }
  if (problems.length > 0) {
    throw new InternalError(
      `DynamoDB table '${tableName}' exists but does not match the '${definition.name}' ` +
        `definition: ${problems.join('; ')}. Delete it (or the local data directory) to recreate it.`,
    );
  }
}

function errorName(error: unknown): string | undefined {
  return error instanceof Error ? error.name : undefined;
}
