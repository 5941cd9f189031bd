import { randomUUID } from 'node:crypto';
import { join } from 'node:path';

import { type LocalDynamoDb, type PostgresTarget, startLocalDynamoDb } from '@lgm/local-stack';
import {
  createDatabase,
  createDynamoDbClients,
  type DynamoDbClients,
  ensureTables,
  migrateDatabase,
  physicalTableNames,
  type TableName,
} from '@lgm/persistence';
import { findWorkspaceRoot } from '@lgm/testing';

/**
 * The stores the chat services use, started for one test file: PostgreSQL (PGlite in a child
 * process, or the real server of TEST_DATABASE_URL) with the migrations applied, and the local
 * DynamoDB with LGM's tables, all reached through the production clients.
 */
export interface GatewayStores {
  readonly target: PostgresTarget['name'];
  readonly databaseUrl: string;
  readonly dynamo: DynamoDbClients;
  readonly dynamoServer: LocalDynamoDb;
  readonly tableNames: Record<TableName, string>;
  /** The chat services' environment for these stores (model and auth keys are the test's). */
  readonly env: Readonly<Record<string, string>>;
  stop(): Promise<void>;
}

// The local embedder's size: suites sharing TEST_DATABASE_URL must agree on the vector column
// (libs/persistence, libs/rag and chat-api use the same).
export const TEST_EMBEDDING_DIMENSIONS = 100;

export async function startGatewayStores(target: PostgresTarget): Promise<GatewayStores> {
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  };
  try {
    const postgres = await target.start();
    stops.push(postgres.stop);
    const database = createDatabase({ url: postgres.url, maxConnections: 1 });
    try {
      await migrateDatabase(database.pool, {
        migrationsFolder: join(findWorkspaceRoot(), 'libs/persistence/drizzle'),
        embeddingDimensions: TEST_EMBEDDING_DIMENSIONS,
      });
    } finally {
      await database.close();
    }

    const dynamoServer = await startLocalDynamoDb();
    stops.push(dynamoServer.stop);
    const dynamo = createDynamoDbClients({
      region: dynamoServer.region,
      endpoint: dynamoServer.endpoint,
      credentials: dynamoServer.credentials,
    });
    stops.push(async () => dynamo.client.destroy());
    const tableNames = physicalTableNames(`ws-gateway-${randomUUID().slice(0, 8)}`);
    await ensureTables(dynamo.client, tableNames);

    return {
      target: target.name,
      databaseUrl: postgres.url,
      dynamo,
      dynamoServer,
      tableNames,
      env: {
        DATABASE_URL: postgres.url,
        DATABASE_POOL_SIZE: '2',
        AWS_REGION: dynamoServer.region,
        DYNAMODB_ENDPOINT: dynamoServer.endpoint,
        SESSIONS_TABLE: tableNames.sessions,
        CONNECTIONS_TABLE: tableNames.connections,
        MCP_TOOLS_TABLE: tableNames['mcp-tools'],
        // Turns never touch S3; the buckets only have to be named.
        DOCUMENTS_BUCKET: 'lgm-ws-gateway-documents',
        ARTIFACTS_BUCKET: 'lgm-ws-gateway-artifacts',
        S3_ENDPOINT: 'http://127.0.0.1:9',
        EMBEDDINGS_PROVIDER: 'local',
        EMBEDDING_DIMENSIONS: String(TEST_EMBEDDING_DIMENSIONS),
        MCP_ALLOW_PRIVATE_NETWORKS: 'true',
      },
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
