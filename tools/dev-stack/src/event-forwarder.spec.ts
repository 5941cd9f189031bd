import { silentLogger } from '@lgm/testing';
import type { S3EventRecord } from 'aws-lambda';

import { createEventForwarder, EVENTS_TOKEN_HEADER } from './event-forwarder';

const record = (key: string) =>
  ({
    eventName: 'ObjectCreated:Put',
    s3: { bucket: { name: 'docs' }, object: { key, size: 1, eTag: 'e', sequencer: '01' } },
  }) as unknown as S3EventRecord;

describe('event forwarder (dev stack → doc-ingestor)', () => {
  it('delivers in order with the token, retrying while doc-ingestor is not up yet', async () => {
    const calls: { key: string; token: string | null }[] = [];
    let failuresLeft = 2;
    const fakeFetch = (async (_url: string, init: RequestInit) => {
      if (failuresLeft > 0) {
        failuresLeft -= 1;
        throw new TypeError('fetch failed: ECONNREFUSED');
      }
      const body = JSON.parse(String(init.body)) as {
        Records: { s3: { object: { key: string } } }[];
      };
      calls.push({
        key: body.Records[0]?.s3.object.key ?? '',
        token: new Headers(init.headers).get(EVENTS_TOKEN_HEADER),
      });
      return new Response(null, { status: 202 });
    }) as typeof fetch;
    const forwarder = createEventForwarder({
      url: 'http://127.0.0.1:1/events',
      token: 'secret',
      logger: silentLogger(),
      retryDelayMs: 1,
      fetch: fakeFetch,
    });

    forwarder.send(record('a'));
    forwarder.send(record('b'));
    await forwarder.idle();

    expect(calls).toEqual([
      { key: 'a', token: 'secret' },
      { key: 'b', token: 'secret' },
    ]);
  });

  it('gives up on an event after its attempts without throwing', async () => {
    let attempts = 0;
    const forwarder = createEventForwarder({
      url: 'http://127.0.0.1:1/events',
      token: 'secret',
      logger: silentLogger(),
      attempts: 3,
      retryDelayMs: 1,
      fetch: (async () => {
        attempts += 1;
        return new Response(null, { status: 503 });
      }) as typeof fetch,
    });
    forwarder.send(record('a'));
    await expect(forwarder.idle()).resolves.toBeUndefined();
    expect(attempts).toBe(3);
  });
});
