import { createS3EventTranslator, createSequencer, encodeS3EventKey } from './s3-events';

/** The shape s3rver 3.7 emits (lib/models/event.js), trimmed to what varies. */
function s3rverEvent(eventName: string, object: Record<string, unknown>) {
  return {
    Records: [
      {
        eventVersion: '2.0',
        eventSource: 'aws:s3',
        awsRegion: 'us-east-1',
        eventTime: '2024-05-01T00:00:00.000Z',
        eventName,
        userIdentity: { principalId: 'AWS:ABC' },
        requestParameters: { sourceIPAddress: '::1' },
        responseElements: { 'x-amz-request-id': 'REQ', 'x-amz-id-2': 'HOST' },
        s3: {
          s3SchemaVersion: '1.0',
          configurationId: 'testConfigId',
          bucket: {
            name: 'lgm-data',
            ownerIdentity: { principalId: 'OWNER' },
            arn: 'arn:aws:s3: : :lgm-data',
          },
          object: { sequencer: '18F2', ...object },
        },
      },
    ],
  };
}

describe('createS3EventTranslator', () => {
  it('turns a put into an S3 2.1 record with an encoded key and our own sequencer', () => {
    const translator = createS3EventTranslator({ now: () => 1_700_000_000_000 });

    const [record, ...rest] = translator.translate(
      s3rverEvent('ObjectCreated:Put', {
        key: 'documents/u1/01J/보고서 1.pdf',
        size: 3,
        eTag: 'abc',
      }),
    );

    expect(rest).toEqual([]);
    expect(record).toMatchObject({
      eventVersion: '2.1',
      eventSource: 'aws:s3',
      awsRegion: 'us-east-1',
      eventTime: '2024-05-01T00:00:00.000Z',
      eventName: 'ObjectCreated:Put',
      s3: {
        s3SchemaVersion: '1.0',
        bucket: { name: 'lgm-data', arn: 'arn:aws:s3:::lgm-data' },
        object: {
          key: 'documents/u1/01J/%EB%B3%B4%EA%B3%A0%EC%84%9C+1.pdf',
          size: 3,
          eTag: 'abc',
          sequencer: '018BCFE56800000000',
        },
      },
    });
    expect(record?.s3.object).not.toHaveProperty('versionId');
  });

  it('omits size and eTag on removals, as S3 does, and adds a copy eTag from enrichment', () => {
    const translator = createS3EventTranslator();

    const [removed] = translator.translate(s3rverEvent('ObjectRemoved:Delete', { key: 'a b' }));
    const [copied] = translator.translate(
      s3rverEvent('ObjectCreated:Copy', { key: 'c', size: 1 }),
      {
        eTag: '"e1"',
      },
    );

    expect(removed?.s3.object).toEqual({ key: 'a+b', sequencer: expect.any(String) });
    expect(copied?.s3.object).toMatchObject({ key: 'c', size: 1, eTag: 'e1' });
  });

  it('ignores shapes and event names it does not know', () => {
    const translator = createS3EventTranslator();

    expect(translator.translate(null)).toEqual([]);
    expect(translator.translate({ Records: [{}] })).toEqual([]);
    expect(translator.translate(s3rverEvent('', { key: 'k' }))).toEqual([]);
  });
});

describe('encodeS3EventKey', () => {
  it.each([
    ['plain/key.txt', 'plain/key.txt'],
    ['with space.txt', 'with+space.txt'],
    ['plus+sign', 'plus%2Bsign'],
    ["a(b)!~'*", 'a%28b%29%21%7E%27*'],
    ['year=2024/x&y', 'year%3D2024/x%26y'],
    ['한글', '%ED%95%9C%EA%B8%80'],
  ])('encodes %j as %j', (key, encoded) => {
    expect(encodeS3EventKey(key)).toBe(encoded);
  });
});

describe('createSequencer', () => {
  it('grows strictly within one millisecond and when the clock steps back', () => {
    const times = [1000, 1000, 1000, 999, 2000];
    const next = createSequencer(() => times.shift() ?? 2000);

    const values = [next(), next(), next(), next(), next()];

    expect([...values].sort()).toEqual(values);
    expect(new Set(values).size).toBe(values.length);
    expect(values.every((value) => /^[0-9A-F]{18}$/.test(value))).toBe(true);
  });
});
