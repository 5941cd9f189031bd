import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

import type { Logger } from '@lgm/core';
import { startLocalDynamoDb, startLocalPostgres, startLocalS3 } from '@lgm/local-stack';
import {
  createDatabase,
  createDynamoDbClients,
  ensureTables,
  migrateDatabase,
  TABLE_NAMES,
  type TableName,
} from '@lgm/persistence';
import type { S3EventRecord } from 'aws-lambda';

import type { DevStackConfig } from './config';

/** Physical names of the local tables and buckets; on AWS CloudFormation names them. */
export const LOCAL_TABLE_NAMES: Readonly<Record<TableName, string>> = Object.fromEntries(
  TABLE_NAMES.map((name) => [name, `lgm-local-${name}`]),
) as Record<TableName, string>;
export const LOCAL_BUCKETS = {
  documents: 'lgm-local-documents',
  artifacts: 'lgm-local-artifacts',
} as const;
const LOCAL_REGION = 'us-east-1';

export interface LocalStores {
  /** What every service needs to reach the stores, with the same variables as on AWS. */
  readonly serviceEnv: Readonly<Record<string, string>>;
  /** One line per store with its URL, for the start-up banner. */
  readonly lines: readonly string[];
  stop(): Promise<void>;
}

/**
 * The embedded stand-ins for Aurora, DynamoDB and S3, speaking their wire protocols, with data
 * under `LGM_DATA_DIR` so a restart keeps it. Migrations, tables and buckets are created on boot.
 */
export async function startLocalStores(options: {
  config: DevStackConfig;
  dataDir: string;
  migrationsFolder: string;
  webOrigins: readonly string[];
  logger: Logger;
  onObjectEvent: (record: S3EventRecord) => void;
}): Promise<LocalStores> {
  const { config, dataDir } = options;
  const host = config.LGM_HOST;
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  };
  try {
    mkdirSync(dataDir, { recursive: true });

    const postgres = await startLocalPostgres({
      dataDir: join(dataDir, 'pgdata'),
      host,
      port: config.LGM_PORT_BASE + 10,
    });
    stops.push(() => postgres.stop());
    const { pool, close } = createDatabase({ url: postgres.url, maxConnections: 1 });
    try {
      await migrateDatabase(pool, {
        migrationsFolder: options.migrationsFolder,
        embeddingDimensions: config.EMBEDDING_DIMENSIONS,
      });
    } finally {
      await close();
    }

    const dynamo = await startLocalDynamoDb({
      dataDir: join(dataDir, 'dynamodb'),
      host,
      port: config.LGM_PORT_BASE + 11,
    });
    stops.push(() => dynamo.stop());
    const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
    const { client } = createDynamoDbClients({
      region: LOCAL_REGION,
      endpoint: dynamo.endpoint,
      credentials,
    });
    await ensureTables(client, LOCAL_TABLE_NAMES);
    client.destroy();

    const s3 = await startLocalS3({
      dataDir: join(dataDir, 's3'),
      host,
      port: config.LGM_PORT_BASE + 12,
      buckets: Object.values(LOCAL_BUCKETS),
      corsOrigins: [...options.webOrigins],
      // s3rver accepts only the key pairs it is told about; the services sign with these.
      credentials,
      onObjectEvent: options.onObjectEvent,
    });
    stops.push(() => s3.stop());

    return {
      serviceEnv: {
        DATABASE_URL: postgres.url,
        EMBEDDING_DIMENSIONS: String(config.EMBEDDING_DIMENSIONS),
        AWS_REGION: LOCAL_REGION,
        AWS_ACCESS_KEY_ID: credentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
        DYNAMODB_ENDPOINT: dynamo.endpoint,
        S3_ENDPOINT: s3.endpoint,
        SESSIONS_TABLE: LOCAL_TABLE_NAMES.sessions,
        CONNECTIONS_TABLE: LOCAL_TABLE_NAMES.connections,
        MCP_TOOLS_TABLE: LOCAL_TABLE_NAMES['mcp-tools'],
        DOCUMENTS_BUCKET: LOCAL_BUCKETS.documents,
        ARTIFACTS_BUCKET: LOCAL_BUCKETS.artifacts,
      },
      lines: [
        `  postgres       ${postgres.url.replace(/:[^:@/]+@/, ':***@')}  (PGlite + pgvector, data in ${join(dataDir, 'pgdata')})`,
        `  dynamodb       ${dynamo.endpoint}  (dynalite, data in ${join(dataDir, 'dynamodb')})`,
        `  s3             ${s3.endpoint}  (s3rver, data in ${join(dataDir, 's3')})`,
      ],
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
