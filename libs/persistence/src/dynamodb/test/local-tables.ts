import { randomUUID } from 'node:crypto';

import { type LocalDynamoDb, startLocalDynamoDb } from '@lgm/local-stack';

import { createDynamoDbClients, type DynamoDbClients } from '../client';
import { ensureTables, physicalTableNames } from '../ensure-tables';
import type { TableName } from '../table-definitions';

/** An in-memory dynalite on a free port with LGM's tables, reached through the real SDK. */
export interface LocalTables extends DynamoDbClients {
  readonly server: LocalDynamoDb;
  readonly tableNames: Record<TableName, string>;
  stop(): Promise<void>;
}

/**
 * Starts a local DynamoDB for one test file. Table names carry `prefix` and a random suffix, so
 * files never share tables even if they shared a server.
 */
export async function startLocalTables(prefix: string): Promise<LocalTables> {
  const server = await startLocalDynamoDb();
  const clients = createDynamoDbClients({
    region: server.region,
    endpoint: server.endpoint,
    credentials: server.credentials,
  });
  const tableNames = physicalTableNames(`${prefix}-${randomUUID().slice(0, 8)}`);
  await ensureTables(clients.client, tableNames);
  return {
    ...clients,
    server,
    tableNames,
    stop: async () => {
      clients.client.destroy();
      await server.stop();
    },
  };
}

/** A fresh owner id, so every test owns its data and can check others' survives. */
export function newOwnerId(label = 'user'): string {
  return `${label}-${randomUUID()}`;
}
