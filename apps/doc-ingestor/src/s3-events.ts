import { ValidationError } from '@lgm/core';
import { decodeEventObjectKey } from '@lgm/persistence';
import * as z from 'zod';

/**
 * The parts of S3 event notifications the ingestor reads. Unknown fields pass through untouched:
 * S3 adds fields with new event versions (2.1 → 2.3 → 2.6) and must not break the parser.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html
 */
export const s3EventRecordSchema = z.looseObject({
  eventName: z.string().min(1),
  s3: z.looseObject({
    bucket: z.looseObject({ name: z.string().min(1) }),
    object: z.looseObject({
      // URL-encoded, spaces as `+`: decoded by toObjectEvent.
      key: z.string().min(1).max(4096),
      size: z.number().int().min(0).optional(),
      eTag: z.string().optional(),
      // `null` on unversioned buckets in some event versions.
      versionId: z.string().nullish(),
      sequencer: z
        .string()
        .regex(/^[0-9A-Fa-f]+$/)
        .optional(),
    }),
  }),
});

export type S3EventRecordInput = z.infer<typeof s3EventRecordSchema>;

/** `{ Records: [...] }`: the body S3 sends to SQS (and the dev stack posts to `/events`). */
export const s3NotificationSchema = z.looseObject({
  Records: z.array(s3EventRecordSchema).max(1000),
});

/**
 * The test message S3 sends once when a notification is configured; it names no object.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-how-to-event-types-and-destinations.html
 */
export const s3TestEventSchema = z.looseObject({ Event: z.literal('s3:TestEvent') });

/** An S3 object event reduced to what ingestion decides on. */
export interface ObjectEvent {
  readonly kind: 'created' | 'removed';
  /** The S3 event name, e.g. `ObjectCreated:Put`; for logs. */
  readonly eventName: string;
  readonly bucket: string;
  /** The decoded object key. */
  readonly key: string;
  /** Set only on versioned buckets (never by the local s3rver). */
  readonly versionId?: string;
  /** Unquoted; absent on ObjectRemoved records. */
  readonly eTag?: string;
  /** Hex string ordering events of one key; see {@link compareSequencers}. */
  readonly sequencer?: string;
  readonly size?: number;
}

/**
 * Reduces a validated record to an {@link ObjectEvent}, or `undefined` for event types ingestion
 * does not act on (restore, tagging, ACL, replication…).
 */
export function toObjectEvent(record: S3EventRecordInput): ObjectEvent | undefined {
  const kind = record.eventName.startsWith('ObjectCreated:')
    ? 'created'
    : record.eventName.startsWith('ObjectRemoved:')
      ? 'removed'
      : undefined;
  if (kind === undefined) return undefined;
  const object = record.s3.object;
  const versionId = object.versionId ?? undefined;
  const eTag = object.eTag?.replace(/"/g, '');
  return {
    kind,
    eventName: record.eventName,
    bucket: record.s3.bucket.name,
    key: decodeEventObjectKey(object.key),
    ...(versionId === undefined || versionId === '' ? {} : { versionId }),
    ...(eTag === undefined || eTag === '' ? {} : { eTag }),
    ...(object.sequencer === undefined ? {} : { sequencer: object.sequencer.toUpperCase() }),
    ...(object.size === undefined ? {} : { size: object.size }),
  };
}

/**
 * Parses an SQS message body (or any JSON text) holding an S3 notification. An `s3:TestEvent`
 * yields no records. Throws `INVALID_S3_NOTIFICATION` for anything else: on AWS that message is
 * retried and then lands in the DLQ, where its body shows why.
 */
export function parseS3Notification(body: string): S3EventRecordInput[] {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (error) {
    throw invalidNotification('The message body is not JSON.', error);
  }
  if (s3TestEventSchema.safeParse(json).success) return [];
  const parsed = s3NotificationSchema.safeParse(json);
  if (!parsed.success) {
    throw invalidNotification('The message body is not an S3 event notification.', parsed.error);
  }
  return parsed.data.Records;
}

function invalidNotification(message: string, cause: unknown): ValidationError {
  return new ValidationError(message, { code: 'INVALID_S3_NOTIFICATION', cause });
}
