import { CreateTableCommand, DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { startLocalDynamoDb } from '@lgm/local-stack';

import { createDynamoDbClients } from './client';
import { ensureTables, physicalTableNames } from './ensure-tables';
import { TABLE_NAMES } from './table-definitions';

describe('ensureTables on the local DynamoDB', () => {
  const start = async () => {
    const server = await startLocalDynamoDb();
    const { client } = createDynamoDbClients({
      region: server.region,
      endpoint: server.endpoint,
      credentials: server.credentials,
    });
    return {
      client,
      stop: async () => {
        client.destroy();
        await server.stop();
      },
    };
  };

  it('creates every table once, and is idempotent', async () => {
    const { client, stop } = await start();
    try {
      const names = physicalTableNames('ensure-int');
      const first = await ensureTables(client, names);
      expect(first.map((table) => [table.name, table.created, table.timeToLive])).toEqual(
        // dynalite has no UpdateTimeToLive: reported, not fatal.
        TABLE_NAMES.map((name) => [name, true, 'unsupported']),
      );
      const second = await ensureTables(client, names);
      expect(second.every((table) => !table.created)).toBe(true);

      const { Table } = await client.send(
        new DescribeTableCommand({ TableName: 'ensure-int-sessions' }),
      );
      expect(Table?.TableStatus).toBe('ACTIVE');
      expect(Table?.GlobalSecondaryIndexes?.map((index) => index.IndexName)).toEqual(['byOwner']);
    } finally {
      await stop();
    }
  });

  it('refuses an existing table whose keys differ from the definition', async () => {
    const { client, stop } = await start();
    try {
      await client.send(
        new CreateTableCommand({
          TableName: 'stale-sessions',
          AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
          KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
          BillingMode: 'PAY_PER_REQUEST',
        }),
      );
      await expect(ensureTables(client, physicalTableNames('stale'))).rejects.toMatchObject({
        code: 'INTERNAL_ERROR',
        message: expect.stringContaining("'stale-sessions' exists but does not match"),
      });
    } finally {
      await stop();
    }
  });
});
