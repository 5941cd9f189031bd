import type { Logger } from '@lgm/core';
import type { S3EventRecord } from 'aws-lambda';

/** The header doc-ingestor checks on `POST /events` (see apps/doc-ingestor/src/app.ts). */
export const EVENTS_TOKEN_HEADER = 'x-lgm-events-token';

export interface EventForwarderOptions {
  /** doc-ingestor's `POST /events` URL. */
  readonly url: string;
  /** The shared secret generated at boot and given to doc-ingestor as INGESTOR_EVENTS_TOKEN. */
  readonly token: string;
  readonly logger: Logger;
  /** Delivery attempts per event; the first ones may hit a doc-ingestor still starting. */
  readonly attempts?: number;
  readonly retryDelayMs?: number;
  readonly fetch?: typeof fetch;
}

export interface EventForwarder {
  /** Queues one record; never throws. */
  send(record: S3EventRecord): void;
  /** Resolves when everything queued was delivered or given up on. */
  idle(): Promise<void>;
}

/**
 * The local stand-in for S3 → SQS → Lambda: every object event of the documents bucket is posted
 * to doc-ingestor, one at a time in the order s3rver emitted them (doc-ingestor answers 202 and
 * queues per key, so this never waits on ingestion). Deliveries that fail are retried a few times
 * and then dropped with a warning: a flaky worker must not bring the stack down.
 */
export function createEventForwarder(options: EventForwarderOptions): EventForwarder {
  const attempts = options.attempts ?? 8;
  const retryDelayMs = options.retryDelayMs ?? 500;
  const doFetch = options.fetch ?? fetch;
  let tail: Promise<void> = Promise.resolve();

  async function deliver(record: S3EventRecord): Promise<void> {
    const body = JSON.stringify({ Records: [record] });
    for (let attempt = 1; attempt <= attempts; attempt += 1) {
      try {
        const response = await doFetch(options.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', [EVENTS_TOKEN_HEADER]: options.token },
          body,
          signal: AbortSignal.timeout(5_000),
        });
        if (response.ok) return;
        // 4xx other than "not up yet" will not get better by retrying.
        if (response.status >= 400 && response.status < 500) {
          options.logger.warn(
            { status: response.status, key: record.s3.object.key },
            'doc-ingestor refused an s3 object event',
          );
          return;
        }
      } catch {
        // Not listening yet (ECONNREFUSED) or too slow: retry below.
      }
      if (attempt < attempts) {
        await new Promise((resolve) => setTimeout(resolve, retryDelayMs * attempt));
      }
    }
    options.logger.warn(
      { key: record.s3.object.key, event: record.eventName },
      'doc-ingestor did not take an s3 object event; dropped',
    );
  }

  return {
    send(record) {
      tail = tail.then(() => deliver(record)).catch(() => undefined);
    },
    idle: () => tail,
  };
}
