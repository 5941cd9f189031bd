import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { S3Client } from '@aws-sdk/client-s3';
import { createLocalEmbedder, type Embedder, findLocalEmbedderAssets } from '@lgm/bedrock';
import {
  type LocalDynamoDb,
  type LocalS3,
  type PostgresTarget,
  startLocalDynamoDb,
  startLocalS3,
} from '@lgm/local-stack';
import {
  createDatabase,
  createDynamoDbClients,
  createS3Client,
  type Database,
  type DynamoDbClients,
  ensureTables,
  migrateDatabase,
  physicalTableNames,
  type TableName,
} from '@lgm/persistence';
import { findWorkspaceRoot } from '@lgm/testing';
import type { S3EventRecord } from 'aws-lambda';

/**
 * Every store chat-api uses, started for one test file: PostgreSQL (PGlite in a child process,
 * or the real server of TEST_DATABASE_URL), the local DynamoDB and the local S3, reached through
 * the production clients. Object events of the local S3 are collected for assertions.
 */
export interface TestStores {
  readonly target: PostgresTarget['name'];
  readonly databaseUrl: string;
  readonly db: Database;
  readonly dynamo: DynamoDbClients;
  readonly dynamoEndpoint: string;
  /** Static credentials the local DynamoDB and S3 accept. */
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  readonly tableNames: Record<TableName, string>;
  readonly s3: S3Client;
  readonly s3Endpoint: string;
  readonly buckets: { readonly documents: string; readonly artifacts: string };
  readonly embedder: Embedder;
  /** Object events of the local S3, in order. */
  readonly s3Events: S3EventRecord[];
  stop(): Promise<void>;
}

const root = findWorkspaceRoot();
// The local embedder's size: every suite sharing TEST_DATABASE_URL must agree on it, since the
// column keeps one dimension (libs/persistence's and libs/rag's suites use the same).
export const TEST_EMBEDDING_DIMENSIONS = 100;
export const TEST_BUCKETS = { documents: 'lgm-chat-api-docs', artifacts: 'lgm-chat-api-artifacts' };

export async function startTestStores(target: PostgresTarget): Promise<TestStores> {
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  };
  try {
    const postgres = await target.start();
    stops.push(postgres.stop);
    const database = createDatabase({ url: postgres.url, maxConnections: 2 });
    stops.push(database.close);
    await migrateDatabase(database.pool, {
      migrationsFolder: join(root, 'libs/persistence/drizzle'),
      embeddingDimensions: TEST_EMBEDDING_DIMENSIONS,
    });

    const dynamoServer: LocalDynamoDb = await startLocalDynamoDb();
    stops.push(dynamoServer.stop);
    const dynamo = createDynamoDbClients({
      region: dynamoServer.region,
      endpoint: dynamoServer.endpoint,
      credentials: dynamoServer.credentials,
    });
    stops.push(async () => dynamo.client.destroy());
    const tableNames = physicalTableNames(`chat-api-${Date.now().toString(36)}`);
    await ensureTables(dynamo.client, tableNames);

    const dataDir = await mkdtemp(join(tmpdir(), 'lgm-chat-api-s3-'));
    stops.push(() => rm(dataDir, { recursive: true, force: true }));
    const s3Events: S3EventRecord[] = [];
    const localS3: LocalS3 = await startLocalS3({
      dataDir,
      buckets: [TEST_BUCKETS.documents, TEST_BUCKETS.artifacts],
      onObjectEvent: (record) => {
        s3Events.push(record);
      },
    });
    stops.push(localS3.stop);
    const s3 = createS3Client({
      region: localS3.region,
      endpoint: localS3.endpoint,
      credentials: localS3.credentials,
      maxAttempts: 1,
    });
    stops.push(async () => s3.destroy());

    return {
      target: target.name,
      databaseUrl: postgres.url,
      db: database.db,
      dynamo,
      dynamoEndpoint: dynamoServer.endpoint,
      credentials: localS3.credentials,
      tableNames,
      s3,
      s3Endpoint: localS3.endpoint,
      buckets: TEST_BUCKETS,
      embedder: createLocalEmbedder({ assetsDir: findLocalEmbedderAssets(root) }),
      s3Events,
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
