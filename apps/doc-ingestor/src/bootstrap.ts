import { checkEmbeddingDimensions, createEmbedder } from '@lgm/bedrock';
import { createDatabase, createS3Client } from '@lgm/persistence';
import { createServiceContext } from '@lgm/server-kit';

import { chunkStore, documentStore, s3SourceObjects } from './adapters';
import type { AppDeps } from './app';
import type { Config, ServerConfig } from './config';
import { createDocumentIngestion, DEFAULT_INGESTION_SETTINGS } from './ingestion';

/**
 * The composition root: config in, every dependency of the app out. The stores and the embedder
 * are built only when ingestion is configured (DATABASE_URL and DOCUMENTS_BUCKET).
 */
export function bootstrap(config: Config | ServerConfig): AppDeps {
  const context = createServiceContext('doc-ingestor', config);
  const eventsToken = 'INGESTOR_EVENTS_TOKEN' in config ? config.INGESTOR_EVENTS_TOKEN : undefined;
  const base = { ...context, ...(eventsToken === undefined ? {} : { eventsToken }) };
  if (config.DATABASE_URL === undefined || config.DOCUMENTS_BUCKET === undefined) return base;

  const embedder = createEmbedder(config);
  checkEmbeddingDimensions(embedder, config.EMBEDDING_DIMENSIONS);
  const database = createDatabase({
    url: config.DATABASE_URL,
    maxConnections: config.DATABASE_POOL_SIZE,
  });
  const s3 = createS3Client({
    region: config.AWS_REGION,
    ...(config.S3_ENDPOINT === undefined ? {} : { endpoint: config.S3_ENDPOINT }),
  });
  const ingestion = createDocumentIngestion(
    {
      documents: (ownerId) => documentStore(database.db, ownerId),
      chunks: (ownerId) => chunkStore(database.db, ownerId),
      objects: s3SourceObjects(s3, config.DOCUMENTS_BUCKET),
      embedder,
      clock: context.clock,
      nextId: context.nextId,
      logger: context.logger,
    },
    {
      ...DEFAULT_INGESTION_SETTINGS,
      bucket: config.DOCUMENTS_BUCKET,
      timeLimitMs: config.INGESTION_TIME_LIMIT_SECONDS * 1000,
      embedBatchSize: config.EMBED_BATCH_SIZE,
      embedConcurrency: config.EMBED_CONCURRENCY,
      maxDocumentBytes: config.MAX_DOCUMENT_MB * 1024 * 1024,
    },
  );
  return {
    ...base,
    applyEvent: (event) => ingestion.apply(event),
    close: async () => {
      s3.destroy();
      await database.close();
    },
  };
}
