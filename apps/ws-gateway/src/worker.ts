import { loadConfig, ValidationError } from '@lgm/core';
import * as z from 'zod';

import { bootstrapWorkerLambda, type WorkerLambdaDeps } from './aws-bootstrap';
import { workerConfigSchema } from './config';
import { turnJobSchema } from './turn-queue';

/** The fields of an SQS event this entry reads (Lambda event source mapping, batch size 1). */
const sqsEventSchema = z.object({
  Records: z
    .array(
      z.object({
        messageId: z.string().min(1),
        body: z.string(),
        eventSource: z.literal('aws:sqs'),
      }),
    )
    .min(1),
});

/** The partial batch response (`ReportBatchItemFailures`): only failed messages come back. */
export interface SqsBatchResponse {
  readonly batchItemFailures: { readonly itemIdentifier: string }[];
}

let ready: Promise<WorkerLambdaDeps> | undefined;

function compose(): Promise<WorkerLambdaDeps> {
  ready ??= bootstrapWorkerLambda(loadConfig(workerConfigSchema, process.env)).catch(
    (error: unknown) => {
      ready = undefined;
      throw error;
    },
  );
  return ready;
}

/**
 * The turn worker: SQS turn messages → the turn engine, frames → API Gateway. A message that
 * is not a turn job is logged and dropped (redelivering it cannot help); a turn that fails for a
 * server-side reason is reported as a batch item failure, so SQS redelivers it (then the DLQ),
 * and the engine turns the repeat into a replay of what the first attempt stored.
 */
export async function handler(event: unknown): Promise<SqsBatchResponse> {
  const deps = await compose();
  const { logger } = deps.context;
  const parsed = sqsEventSchema.safeParse(event);
  if (!parsed.success) {
    logger.error({ issues: parsed.error.issues.slice(0, 5) }, 'unsupported SQS event');
    throw new ValidationError('The worker received an event that is not an SQS batch.', {
      code: 'UNSUPPORTED_EVENT',
    });
  }
  const failures: { itemIdentifier: string }[] = [];
  for (const record of parsed.data.Records) {
    let body: unknown;
    try {
      body = JSON.parse(record.body);
    } catch {
      body = undefined;
    }
    const job = turnJobSchema.safeParse(body);
    if (!job.success) {
      logger.error({ messageId: record.messageId }, 'dropped a message that is not a turn job');
      continue;
    }
    try {
      const result = await deps.run(job.data);
      logger.info(
        { messageId: record.messageId, turnId: job.data.turnId, result },
        'turn job done',
      );
    } catch (error) {
      logger.error({ err: error, messageId: record.messageId }, 'turn job failed');
      failures.push({ itemIdentifier: record.messageId });
    }
  }
  return { batchItemFailures: failures };
}
