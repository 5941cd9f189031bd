import * as z from 'zod';

import type { ObjectEvent } from './s3-events';

/**
 * Ingestion's idempotency and ordering rule.
 *
 * S3 delivers each object event at least once and in no particular order. The document row keeps
 * the identity of the last event applied to it (`documents.source_version`, a {@link SourceToken}
 * as JSON), and every new event is compared with it and with the object as it is now (HeadObject):
 *
 * - Versioned bucket: the identity is (bucket, key, versionId). An ObjectCreated event is applied
 *   only if it names the object's *current* version; the same version again is a duplicate.
 * - Unversioned bucket (the local s3rver): the identity is (bucket, key, eTag, sequencer). The
 *   sequencer orders events of one key; an event whose sequencer is lower than the stored one is
 *   older and ignored, an equal one is a duplicate. An ObjectCreated whose eTag is no longer the
 *   object's is stale too: the overwrite has its own event.
 * - ObjectRemoved is applied only if the object is gone now (a later PUT would otherwise lose its
 *   chunks) and, when sequencers exist, only if it is newer than what was applied.
 */

export const sourceTokenSchema = z.object({
  op: z.enum(['created', 'removed']),
  bucket: z.string(),
  versionId: z.string().optional(),
  eTag: z.string().optional(),
  sequencer: z.string().optional(),
});

/** What `documents.source_version` holds: the event last applied to the document. */
export type SourceToken = z.infer<typeof sourceTokenSchema>;

/** The object as HeadObject sees it now. */
export interface ObjectHead {
  readonly versionId?: string;
  readonly eTag: string;
  readonly size: number;
  readonly contentType: string;
  readonly metadata: Readonly<Record<string, string>>;
}

export type Decision =
  | { readonly action: 'apply' }
  | {
      readonly action: 'skip';
      /**
       * `duplicate`: this event was applied already. `stale`: a newer event supersedes it.
       * `in-progress`: another delivery of it is being processed right now.
       */
      readonly reason: 'duplicate' | 'stale' | 'in-progress';
    };

/** The document's state that the decision reads. */
export interface StoredSource {
  readonly token: SourceToken | undefined;
  readonly status: 'pending' | 'processing' | 'ready' | 'failed';
  /** True when a `processing` row has not moved for longer than a run may take (crashed run). */
  readonly leaseExpired: boolean;
}

const APPLY: Decision = { action: 'apply' };
const skip = (reason: 'duplicate' | 'stale' | 'in-progress'): Decision => ({
  action: 'skip',
  reason,
});

/** The token stored for an event once applied. */
export function tokenOf(event: ObjectEvent): SourceToken {
  return {
    op: event.kind,
    bucket: event.bucket,
    ...(event.versionId === undefined ? {} : { versionId: event.versionId }),
    ...(event.eTag === undefined ? {} : { eTag: event.eTag }),
    ...(event.sequencer === undefined ? {} : { sequencer: event.sequencer }),
  };
}

export function encodeSourceToken(token: SourceToken): string {
  return JSON.stringify(token);
}

/** Reads a stored token; anything unreadable (a row from elsewhere) counts as no token. */
export function decodeSourceToken(stored: string | null | undefined): SourceToken | undefined {
  if (stored === null || stored === undefined) return undefined;
  try {
    const parsed = sourceTokenSchema.safeParse(JSON.parse(stored));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Orders two S3 sequencers: negative when `a` happened before `b`. They are hexadecimal numbers
 * of varying length, so the shorter is padded with leading zeros before comparing as strings.
 *
 * @example
 * compareSequencers('0A', '00B'); // < 0
 */
export function compareSequencers(a: string, b: string): number {
  const width = Math.max(a.length, b.length);
  const left = a.toUpperCase().padStart(width, '0');
  const right = b.toUpperCase().padStart(width, '0');
  return left < right ? -1 : left > right ? 1 : 0;
}

/** Same event identity: same operation and version, or same operation, sequencer and eTag. */
function sameEvent(event: ObjectEvent, token: SourceToken): boolean {
  if (token.op !== event.kind || token.bucket !== event.bucket) return false;
  if (event.versionId !== undefined || token.versionId !== undefined) {
    return event.versionId === token.versionId;
  }
  if (event.sequencer !== undefined && token.sequencer !== undefined) {
    return compareSequencers(event.sequencer, token.sequencer) === 0 && event.eTag === token.eTag;
  }
  return event.eTag !== undefined && event.eTag === token.eTag;
}

/** True when the stored event is known to be newer than `event` (same key, both sequenced). */
function olderThanStored(event: ObjectEvent, token: SourceToken): boolean {
  if (event.sequencer === undefined || token.sequencer === undefined) return false;
  // Sequencers compare only within one bucket's key; a different bucket says nothing.
  if (token.bucket !== event.bucket) return false;
  return compareSequencers(event.sequencer, token.sequencer) < 0;
}

/**
 * Decides whether an ObjectCreated event is applied. `current` is the object now, `undefined`
 * when it no longer exists.
 */
export function decideCreated(
  event: ObjectEvent,
  current: ObjectHead | undefined,
  stored: StoredSource | undefined,
): Decision {
  // Gone since: its ObjectRemoved event will (or did) clean up.
  if (current === undefined) return skip('stale');
  if (event.versionId !== undefined) {
    if (current.versionId !== event.versionId) return skip('stale');
  } else if (event.eTag !== undefined && current.eTag !== event.eTag) {
    return skip('stale');
  }
  const token = stored?.token;
  if (stored === undefined || token === undefined) return APPLY;
  if (sameEvent(event, token)) {
    if (stored.status === 'processing' && !stored.leaseExpired) return skip('in-progress');
    // A run that crashed half-way left `processing`: this redelivery finishes the job.
    return stored.status === 'processing' ? APPLY : skip('duplicate');
  }
  if (event.versionId === undefined && olderThanStored(event, token)) return skip('stale');
  return APPLY;
}

/** Decides whether an ObjectRemoved event is applied. */
export function decideRemoved(
  event: ObjectEvent,
  current: ObjectHead | undefined,
  stored: StoredSource | undefined,
): Decision {
  // Written again after this delete: that PUT's event owns the document now.
  if (current !== undefined) return skip('stale');
  const token = stored?.token;
  if (token === undefined) return APPLY;
  if (sameEvent(event, token)) return skip('duplicate');
  if (olderThanStored(event, token)) return skip('stale');
  return APPLY;
}
