import type { S3EventRecord } from 'aws-lambda';
import * as z from 'zod';

/**
 * Turns s3rver's object events into the S3 event notification records AWS delivers
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html),
 * so the doc-ingestor runs the same code locally and on AWS.
 *
 * What s3rver 3.7 emits (lib/controllers/object.js → lib/models/event.js), as `'event'` with
 * `{ Records: [record] }`, synchronously before it answers the request:
 * - PutObject → `ObjectCreated:Put` with size and unquoted eTag;
 * - browser POST uploads and CompleteMultipartUpload → `ObjectCreated:Post` (S3 would say
 *   `ObjectCreated:CompleteMultipartUpload` for the latter; s3rver does not tell them apart);
 * - CopyObject → `ObjectCreated:Copy` with size but *no* eTag (the server adds it, see s3-server);
 * - DeleteObject of an existing key → `ObjectRemoved:Delete`. DeleteObjects (multi-delete) and
 *   deleting a missing key emit nothing.
 * Its records deviate from S3's: eventVersion `2.0`, a malformed bucket ARN, the raw
 * (un-encoded) key, and a millisecond-clock sequencer that repeats within a millisecond.
 * Everything else is rebuilt here. There is no versionId: s3rver has no versioning.
 */

const rawRecordSchema = z.object({
  eventTime: z.string(),
  eventName: z.string(),
  userIdentity: z.object({ principalId: z.string() }).optional(),
  requestParameters: z.object({ sourceIPAddress: z.string().optional() }).optional(),
  responseElements: z.record(z.string(), z.string()).optional(),
  s3: z.object({
    bucket: z.object({
      name: z.string(),
      ownerIdentity: z.object({ principalId: z.string() }).optional(),
    }),
    object: z.object({
      key: z.string(),
      size: z.number().optional(),
      eTag: z.string().optional(),
    }),
  }),
});
const rawEventSchema = z.object({ Records: z.array(z.unknown()) });

const KNOWN_EVENT_NAMES = new Set([
  'ObjectCreated:Put',
  'ObjectCreated:Post',
  'ObjectCreated:Copy',
  'ObjectRemoved:Delete',
]);

export interface S3EventTranslatorOptions {
  /** Reported as `awsRegion`. Default `us-east-1`, the region s3rver assumes. */
  readonly region?: string;
  /** Reported as `s3.configurationId`, the notification configuration's name on AWS. */
  readonly configurationId?: string;
  /** Milliseconds since the epoch; the sequencer's high bits. */
  readonly now?: () => number;
}

/** Details s3rver leaves out that the server looks up itself (the eTag of a copy). */
export interface S3EventEnrichment {
  readonly eTag?: string;
}

export interface S3EventTranslator {
  /**
   * The S3 records for one s3rver event. Unknown shapes and event names give no records rather
   * than an exception: a local stand-in must never fail the request that caused the event.
   */
  translate(raw: unknown, enrichment?: S3EventEnrichment): S3EventRecord[];
}

/**
 * URL-encodes a key the way S3 writes it into event records: Java `URLEncoder` style (space as
 * `+`, `*` kept, `~!'()` escaped) per segment, with `/` left as is.
 *
 * @example
 * encodeS3EventKey('documents/u1/01J/보고서 1.pdf'); // 'documents/u1/01J/%EB%B3%B4%EA%B3%A0%EC%84%9C+1.pdf'
 */
export function encodeS3EventKey(key: string): string {
  return key
    .split('/')
    .map((segment) =>
      encodeURIComponent(segment)
        .replace(/%20/g, '+')
        .replace(/[~!'()]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`),
    )
    .join('/');
}

/**
 * Makes sequencers that only grow within this process: S3's are hex strings that order events
 * on the same key, and s3rver's (`Date.now()` in hex) collide when a put and a delete land in the
 * same millisecond. 12 hex digits of milliseconds + 6 of a counter, fixed width so that string
 * comparison is numeric comparison.
 */
export function createSequencer(now: () => number = Date.now): () => string {
  let last = 0n;
  return () => {
    let next = BigInt(now()) << 24n;
    if (next <= last) next = last + 1n;
    last = next;
    return next.toString(16).toUpperCase().padStart(18, '0');
  };
}

/** Creates a translator with its own monotonic sequencer. */
export function createS3EventTranslator(options: S3EventTranslatorOptions = {}): S3EventTranslator {
  const region = options.region ?? 'us-east-1';
  const configurationId = options.configurationId ?? 'lgm-local-ingestion';
  const nextSequencer = createSequencer(options.now);

  return {
    translate(raw, enrichment = {}) {
      const event = rawEventSchema.safeParse(raw);
      if (!event.success) return [];
      const records: S3EventRecord[] = [];
      for (const candidate of event.data.Records) {
        const parsed = rawRecordSchema.safeParse(candidate);
        if (!parsed.success || !KNOWN_EVENT_NAMES.has(parsed.data.eventName)) continue;
        const record = parsed.data;
        const created = record.eventName.startsWith('ObjectCreated:');
        const eTag = record.s3.object.eTag ?? enrichment.eTag;
        const bucket = record.s3.bucket.name;
        const object = {
          key: encodeS3EventKey(record.s3.object.key),
          // S3 omits size and eTag on ObjectRemoved records; @types/aws-lambda marks them
          // required, hence the cast below. Consumers must not rely on them for deletions.
          ...(created ? { size: record.s3.object.size ?? 0 } : {}),
          ...(created && eTag !== undefined ? { eTag: eTag.replace(/"/g, '') } : {}),
          sequencer: nextSequencer(),
        };
        records.push({
          eventVersion: '2.1',
          eventSource: 'aws:s3',
          awsRegion: region,
          eventTime: record.eventTime,
          eventName: record.eventName,
          userIdentity: { principalId: record.userIdentity?.principalId ?? 'AWS:LOCAL' },
          requestParameters: {
            sourceIPAddress: record.requestParameters?.sourceIPAddress ?? '127.0.0.1',
          },
          responseElements: {
            'x-amz-request-id': record.responseElements?.['x-amz-request-id'] ?? 'LOCAL',
            'x-amz-id-2': record.responseElements?.['x-amz-id-2'] ?? 'LOCAL',
          },
          s3: {
            s3SchemaVersion: '1.0',
            configurationId,
            bucket: {
              name: bucket,
              ownerIdentity: {
                principalId: record.s3.bucket.ownerIdentity?.principalId ?? 'LOCAL',
              },
              arn: `arn:aws:s3:::${bucket}`,
            },
            object: object as S3EventRecord['s3']['object'],
          },
        });
      }
      return records;
    },
  };
}
