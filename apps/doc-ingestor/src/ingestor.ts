import type { HealthResponse } from '@lgm/contracts';
import { type HealthReporter, type Logger, ServiceUnavailableError, toAppError } from '@lgm/core';
import * as z from 'zod';

import type { IngestionOutcome } from './ingestion';
import { type ObjectEvent, parseS3Notification, toObjectEvent } from './s3-events';

/**
 * An SQS record as Lambda delivers it. Only the fields the ingestor reads are checked; the rest
 * (attributes, md5, ARN) pass through.
 */
const sqsRecordSchema = z.looseObject({
  messageId: z.string().min(1),
  body: z.string(),
  eventSource: z.literal('aws:sqs'),
});

/**
 * The events the ingestor accepts: a direct `health` invocation (the deployment and a synthetic
 * canary check that the function starts), and SQS batches whose bodies are S3 notifications.
 */
export const ingestorEventSchema = z.union([
  z.object({ kind: z.literal('health') }).strict(),
  z.looseObject({ Records: z.array(sqsRecordSchema).min(1).max(10_000) }),
]);

export type IngestorEvent = z.infer<typeof ingestorEventSchema>;

/**
 * The partial batch response: only these messages return to the queue (the Lambda event source
 * mapping needs `ReportBatchItemFailures`).
 * https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html
 */
export interface SqsBatchResponse {
  readonly batchItemFailures: { readonly itemIdentifier: string }[];
}

export type IngestorResult = HealthResponse | SqsBatchResponse;

/** Applies one object event: the ingestion core, or a stand-in when ingestion is not set up. */
export type ApplyObjectEvent = (event: ObjectEvent) => Promise<IngestionOutcome>;

export interface IngestorDeps {
  readonly health: HealthReporter;
  readonly logger: Logger;
  /** Absent when the stores are not configured (a health-only deployment or test). */
  readonly applyEvent?: ApplyObjectEvent;
}

function notConfigured(): ServiceUnavailableError {
  return new ServiceUnavailableError(
    'Ingestion is not configured: DATABASE_URL and DOCUMENTS_BUCKET are required.',
    { code: 'INGESTION_NOT_CONFIGURED' },
  );
}

/**
 * Handles an SQS batch message by message, in order. A failed message is reported in
 * `batchItemFailures` and the others are deleted; once a key fails, its later messages in the
 * batch fail too, so they are retried after it rather than applied before it.
 */
export async function handleSqsBatch(
  records: readonly { readonly messageId: string; readonly body: string }[],
  applyEvent: ApplyObjectEvent,
  logger: Logger,
): Promise<SqsBatchResponse> {
  const failures: { itemIdentifier: string }[] = [];
  const failedKeys = new Set<string>();
  for (const record of records) {
    let keys: string[] = [];
    try {
      const events = parseS3Notification(record.body)
        .map(toObjectEvent)
        .filter((event): event is ObjectEvent => event !== undefined);
      keys = events.map((event) => `${event.bucket}/${event.key}`);
      if (keys.some((key) => failedKeys.has(key))) {
        failures.push({ itemIdentifier: record.messageId });
        continue;
      }
      for (const event of events) {
        const outcome = await applyEvent(event);
        logger.info({ messageId: record.messageId, key: event.key, ...outcome }, 'event applied');
      }
    } catch (error) {
      const appError = toAppError(error);
      logger.error(
        { err: error, code: appError.code, messageId: record.messageId },
        'message failed; it returns to the queue',
      );
      keys.forEach((key) => failedKeys.add(key));
      failures.push({ itemIdentifier: record.messageId });
    }
  }
  return { batchItemFailures: failures };
}

/** The ingestor's core entry, with no knowledge of Lambda or HTTP. */
export function createIngestor(deps: IngestorDeps): {
  handle(event: IngestorEvent): Promise<IngestorResult>;
} {
  return {
    async handle(event) {
      if ('kind' in event) return deps.health.report();
      if (deps.applyEvent === undefined) throw notConfigured();
      return handleSqsBatch(event.Records, deps.applyEvent, deps.logger);
    },
  };
}
