import { checkModelSettings, modelSettingsShape } from '@lgm/bedrock';
import { checkDatabaseSettings, databaseSettingsShape } from '@lgm/persistence';
import { baseConfigSchema, httpConfigSchema } from '@lgm/server-kit';
import * as z from 'zod';

// `KEY=` in an .env file means "not set".
const blankAsUnset = (value: unknown): unknown =>
  typeof value === 'string' && value.trim() === '' ? undefined : value;
const optional = <T extends z.ZodType>(schema: T) => z.preprocess(blankAsUnset, schema.optional());

/**
 * The stores and the ingestion limits. DATABASE_URL and DOCUMENTS_BUCKET go together: without
 * them the service answers health only (the health tests, a canary), and events are refused with
 * INGESTION_NOT_CONFIGURED rather than dropped.
 */
const ingestionShape = {
  ...modelSettingsShape,
  ...databaseSettingsShape,
  DOCUMENTS_BUCKET: optional(z.string().min(3).max(63)),
  /** The local S3; absent on AWS. */
  S3_ENDPOINT: optional(z.url({ protocol: /^https?$/ })),
  AWS_REGION: z.preprocess(blankAsUnset, z.string().min(1).default('us-east-1')),
  /** The vector column's size; when set, the embedder must produce exactly this many. */
  EMBEDDING_DIMENSIONS: optional(z.coerce.number().int().min(1).max(16_000)),
  /** A document still running after this ends `failed` with DOCUMENT_TIMEOUT. */
  INGESTION_TIME_LIMIT_SECONDS: z.coerce.number().int().min(1).max(3600).default(300),
  EMBED_BATCH_SIZE: z.coerce.number().int().min(1).max(256).default(32),
  EMBED_CONCURRENCY: z.coerce.number().int().min(1).max(16).default(2),
  /** Largest object ingested, in MiB. */
  MAX_DOCUMENT_MB: z.coerce.number().int().min(1).max(5120).default(100),
};

type IngestionSettingsInput = z.output<z.ZodObject<typeof ingestionShape>>;

function checkIngestion(settings: IngestionSettingsInput, ctx: z.RefinementCtx): void {
  checkModelSettings(settings, ctx);
  checkDatabaseSettings(settings, ctx);
  const hasDatabase =
    settings.DATABASE_URL !== undefined || settings.DATABASE_SECRET_ARN !== undefined;
  const hasBucket = settings.DOCUMENTS_BUCKET !== undefined;
  if (hasDatabase !== hasBucket) {
    ctx.addIssue({
      code: 'custom',
      path: [hasDatabase ? 'DOCUMENTS_BUCKET' : 'DATABASE_URL'],
      message: 'is required: ingestion needs both DATABASE_URL and DOCUMENTS_BUCKET',
    });
  }
}

/** doc-ingestor's environment on Lambda. */
export const configSchema = baseConfigSchema
  .extend(ingestionShape)
  .superRefine(checkIngestion, { when: () => true });

/**
 * The local server's: it also listens, and accepts the dev stack's S3 events on `POST /events`
 * only with this shared secret (the dev stack generates one at boot). Without it the route is off.
 */
export const serverConfigSchema = httpConfigSchema
  .extend(ingestionShape)
  .extend({ INGESTOR_EVENTS_TOKEN: optional(z.string().min(16).max(512)) })
  .superRefine(checkIngestion, { when: () => true });

export type Config = z.output<typeof configSchema>;
export type ServerConfig = z.output<typeof serverConfigSchema>;
