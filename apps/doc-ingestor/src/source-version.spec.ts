import type { ObjectEvent } from './s3-events';
import {
  compareSequencers,
  decideCreated,
  decideRemoved,
  decodeSourceToken,
  encodeSourceToken,
  type ObjectHead,
  type StoredSource,
  tokenOf,
} from './source-version';

const key = 'documents/owner-1/01JD0000000000000000000000/a.md';

function created(overrides: Partial<ObjectEvent> = {}): ObjectEvent {
  return {
    kind: 'created',
    eventName: 'ObjectCreated:Put',
    bucket: 'b',
    key,
    eTag: 'e1',
    sequencer: '00A1',
    ...overrides,
  };
}

function head(overrides: Partial<ObjectHead> = {}): ObjectHead {
  return { eTag: 'e1', size: 10, contentType: 'text/markdown', metadata: {}, ...overrides };
}

function stored(event: ObjectEvent, status: StoredSource['status'] = 'ready'): StoredSource {
  return { token: tokenOf(event), status, leaseExpired: false };
}

describe('compareSequencers', () => {
  it.each([
    ['0A', '0B', -1],
    ['B', '0A', 1],
    ['00ff', 'FF', 0],
    ['1', '0000000000000002', -1],
    ['0055B7A3E0A2C44F00', '0055B7A3E0A2C44F0', 1],
  ])('orders %s against %s as %i after padding to equal length', (a, b, expected) => {
    expect(Math.sign(compareSequencers(a, b))).toBe(expected);
  });
});

describe('source tokens', () => {
  it('round-trips and treats unreadable stored values as absent', () => {
    const token = tokenOf(created({ versionId: 'v1' }));
    expect(decodeSourceToken(encodeSourceToken(token))).toEqual(token);
    expect(decodeSourceToken('not json')).toBeUndefined();
    expect(decodeSourceToken('{"op":"other"}')).toBeUndefined();
    expect(decodeSourceToken(null)).toBeUndefined();
  });
});

describe('decideCreated without versioning (eTag + sequencer)', () => {
  it('applies the first event of a document', () => {
    expect(decideCreated(created(), head(), undefined)).toEqual({ action: 'apply' });
  });

  it('skips the same event delivered twice', () => {
    const event = created();
    expect(decideCreated(event, head(), stored(event))).toEqual({
      action: 'skip',
      reason: 'duplicate',
    });
  });

  it('skips an older event arriving after a newer one was applied', () => {
    const newer = created({ eTag: 'e2', sequencer: '00B0' });
    const older = created({ eTag: 'e1', sequencer: '00A1' });
    // Even if the object happened to carry the old eTag again, the sequencer says it is older.
    expect(decideCreated(older, head({ eTag: 'e1' }), stored(newer))).toEqual({
      action: 'skip',
      reason: 'stale',
    });
  });

  it('skips an event whose object was overwritten since (the newer event follows)', () => {
    expect(decideCreated(created(), head({ eTag: 'e2' }), undefined)).toEqual({
      action: 'skip',
      reason: 'stale',
    });
  });

  it('skips an event whose object is gone', () => {
    expect(decideCreated(created(), undefined, undefined)).toMatchObject({ action: 'skip' });
  });

  it('applies a newer event over an older applied one', () => {
    const older = created({ eTag: 'e1', sequencer: '00A1' });
    const newer = created({ eTag: 'e2', sequencer: '0A2' });
    expect(decideCreated(newer, head({ eTag: 'e2' }), stored(older))).toEqual({ action: 'apply' });
  });

  it('reports a delivery of a run still in progress, and takes over a crashed one', () => {
    const event = created();
    expect(decideCreated(event, head(), stored(event, 'processing'))).toEqual({
      action: 'skip',
      reason: 'in-progress',
    });
    expect(
      decideCreated(event, head(), { ...stored(event, 'processing'), leaseExpired: true }),
    ).toEqual({ action: 'apply' });
  });
});

describe('decideCreated with versioning (versionId)', () => {
  it('skips the same version delivered twice', () => {
    const event = created({ versionId: 'v1' });
    expect(decideCreated(event, head({ versionId: 'v1' }), stored(event, 'failed'))).toEqual({
      action: 'skip',
      reason: 'duplicate',
    });
  });

  it('skips an older version arriving after the newer one, by the current versionId', () => {
    const v2 = created({ versionId: 'v2', eTag: 'e2', sequencer: '00B0' });
    const v1 = created({ versionId: 'v1', eTag: 'e1', sequencer: '00A1' });
    expect(decideCreated(v1, head({ versionId: 'v2', eTag: 'e2' }), stored(v2))).toEqual({
      action: 'skip',
      reason: 'stale',
    });
    // Before v2 was applied, v1 is just as stale: it is not the current version.
    expect(decideCreated(v1, head({ versionId: 'v2' }), undefined)).toMatchObject({
      action: 'skip',
      reason: 'stale',
    });
  });

  it('applies the current version over an older applied one', () => {
    const v1 = created({ versionId: 'v1' });
    const v2 = created({ versionId: 'v2', eTag: 'e2' });
    expect(decideCreated(v2, head({ versionId: 'v2', eTag: 'e2' }), stored(v1))).toEqual({
      action: 'apply',
    });
  });
});

describe('decideRemoved', () => {
  const removal = (sequencer: string): ObjectEvent => ({
    kind: 'removed',
    eventName: 'ObjectRemoved:Delete',
    bucket: 'b',
    key,
    sequencer,
  });

  it('applies a removal of an object that is gone', () => {
    expect(decideRemoved(removal('00C0'), undefined, stored(created()))).toEqual({
      action: 'apply',
    });
  });

  it('skips a removal when the object was written again since', () => {
    expect(decideRemoved(removal('00C0'), head(), stored(created()))).toEqual({
      action: 'skip',
      reason: 'stale',
    });
  });

  it('skips a removal older than the applied event, and a duplicate removal', () => {
    expect(
      decideRemoved(removal('0090'), undefined, stored(created({ sequencer: '00A1' }))),
    ).toEqual({ action: 'skip', reason: 'stale' });
    const event = removal('00C0');
    expect(decideRemoved(event, undefined, stored(event, 'failed'))).toEqual({
      action: 'skip',
      reason: 'duplicate',
    });
  });
});
