import { timingSafeEqual } from 'node:crypto';

import { ServiceUnavailableError, UnauthorizedError, ValidationError } from '@lgm/core';
import { createHttpApp, type ServiceContext } from '@lgm/server-kit';
import type { FastifyInstance } from 'fastify';

import type { ApplyObjectEvent } from './ingestor';
import { KeyedQueue } from './keyed-queue';
import { type ObjectEvent, s3NotificationSchema, toObjectEvent } from './s3-events';

export interface AppDeps extends ServiceContext {
  /** The ingestion core; absent when the stores are not configured. */
  readonly applyEvent?: ApplyObjectEvent;
  /** The shared secret `POST /events` requires; absent turns the route off. */
  readonly eventsToken?: string;
  /** Releases the stores when the app closes. */
  readonly close?: () => Promise<void>;
}

/** The header carrying the dev stack's shared secret. */
export const EVENTS_TOKEN_HEADER = 'x-lgm-events-token';
/** Documents ingested at once by the local worker; each document's events stay in order. */
const LOCAL_CONCURRENCY = 2;

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * The local worker's HTTP face: health, and `POST /events`, where the dev stack delivers its S3
 * object notifications (`{ Records: [...] }`). Events are queued per object key and applied in
 * the background: the answer is 202 as soon as they are validated and queued.
 */
export function buildApp(deps: AppDeps): FastifyInstance {
  const app = createHttpApp(deps);
  const queue = new KeyedQueue(LOCAL_CONCURRENCY, (key, error) =>
    deps.logger.error({ err: error, key }, 'event failed; the local worker does not retry it'),
  );

  app.post('/events', async (request, reply) => {
    const expected = deps.eventsToken;
    const applyEvent = deps.applyEvent;
    if (expected === undefined || applyEvent === undefined) {
      throw new ServiceUnavailableError('Event delivery is not configured on this worker.', {
        code: 'INGESTION_NOT_CONFIGURED',
      });
    }
    const given = request.headers[EVENTS_TOKEN_HEADER];
    if (typeof given !== 'string' || !sameSecret(given, expected)) {
      throw new UnauthorizedError('The events token is missing or wrong.', {
        code: 'INVALID_EVENTS_TOKEN',
      });
    }
    const parsed = s3NotificationSchema.safeParse(request.body);
    if (!parsed.success) {
      throw new ValidationError('The body is not an S3 event notification.', {
        code: 'INVALID_S3_NOTIFICATION',
        details: parsed.error.issues.slice(0, 10).map((issue) => ({
          path: issue.path.map(String).join('.'),
          message: issue.message,
        })),
      });
    }
    const events = parsed.data.Records.map(toObjectEvent).filter(
      (event): event is ObjectEvent => event !== undefined,
    );
    for (const event of events) {
      queue.push(`${event.bucket}/${event.key}`, async () => {
        const outcome = await applyEvent(event);
        deps.logger.info({ key: event.key, event: event.eventName, ...outcome }, 'event applied');
      });
    }
    return reply.code(202).send({ accepted: events.length });
  });

  app.addHook('onClose', async () => {
    await queue.drain();
    await deps.close?.();
  });
  return app;
}
