import { healthResponseSchema } from '@lgm/contracts';
import { testServiceContext } from '@lgm/testing';

import { buildApp, EVENTS_TOKEN_HEADER } from './app';
import type { IngestionOutcome } from './ingestion';
import { handler } from './lambda';
import type { ObjectEvent } from './s3-events';

describe('doc-ingestor', () => {
  const app = buildApp(testServiceContext('doc-ingestor'));
  afterAll(() => app.close());

  beforeAll(() => {
    // The Lambda entry reads its environment on first use, as it does on AWS.
    process.env['LOG_LEVEL'] = 'silent';
  });

  it('answers the health check through the local worker', async () => {
    const response = await app.inject({ method: 'GET', url: '/health' });
    expect(response.statusCode).toBe(200);
    expect(healthResponseSchema.parse(response.json())).toMatchObject({
      service: 'doc-ingestor',
      status: 'ok',
    });
  });

  it('answers a direct health invocation through the Lambda entry', async () => {
    const report = await handler({ kind: 'health' });
    expect(healthResponseSchema.parse(report)).toMatchObject({
      service: 'doc-ingestor',
      status: 'ok',
    });
  });

  it('refuses an SQS batch through the Lambda entry when the stores are not configured', async () => {
    const sqs = { Records: [{ messageId: 'm1', eventSource: 'aws:sqs', body: '{"Records":[]}' }] };
    await expect(handler(sqs)).rejects.toMatchObject({
      code: 'INGESTION_NOT_CONFIGURED',
      status: 503,
    });
  });

  it.each([
    ['an empty object', {}],
    ['an SQS record without a messageId', { Records: [{ eventSource: 'aws:sqs', body: '{}' }] }],
    ['a health event with extra fields', { kind: 'health', extra: true }],
    ['a string', 'health'],
    ['null', null],
  ])('rejects %s with UNSUPPORTED_EVENT', async (_what, event) => {
    await expect(handler(event)).rejects.toMatchObject({ code: 'UNSUPPORTED_EVENT', status: 400 });
  });
});

describe('doc-ingestor POST /events (the dev stack delivers S3 notifications here)', () => {
  const token = 'a-shared-secret-of-enough-length';
  const record = (key: string, sequencer: string, eventName = 'ObjectCreated:Put') => ({
    eventName,
    s3: { bucket: { name: 'docs' }, object: { key, size: 1, eTag: 'e', sequencer } },
  });

  function appWith(apply: (event: ObjectEvent) => Promise<IngestionOutcome>) {
    return buildApp({
      ...testServiceContext('doc-ingestor'),
      eventsToken: token,
      applyEvent: apply,
    });
  }

  it('answers 202 at once and applies the events in order per key, in the background', async () => {
    const applied: string[] = [];
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const app = appWith(async (event) => {
      await gate;
      applied.push(`${event.kind}:${event.sequencer ?? ''}`);
      return { outcome: 'ignored', reason: 'test' };
    });
    const key = 'documents/u1/01JD0000000000000000000001/a.md';
    const response = await app.inject({
      method: 'POST',
      url: '/events',
      headers: { [EVENTS_TOKEN_HEADER]: token },
      payload: {
        Records: [
          record(key, '01'),
          record(key, '02', 'ObjectRemoved:Delete'),
          record(key, '03'),
          record(key, '04', 's3:ObjectRestore:Post'),
        ],
      },
    });
    expect(response.statusCode).toBe(202);
    expect(response.json()).toEqual({ accepted: 3 });
    expect(applied).toEqual([]);
    release();
    await app.close();
    expect(applied).toEqual(['created:01', 'removed:02', 'created:03']);
  });

  it.each([
    ['no token', {}],
    ['a wrong token', { [EVENTS_TOKEN_HEADER]: 'x'.repeat(token.length) }],
  ])('refuses a delivery with %s', async (_what, headers) => {
    const app = appWith(async () => ({ outcome: 'ignored', reason: 'test' }));
    const response = await app.inject({
      method: 'POST',
      url: '/events',
      headers,
      payload: { Records: [] },
    });
    expect(response.statusCode).toBe(401);
    expect(response.json()).toMatchObject({ error: { code: 'INVALID_EVENTS_TOKEN' } });
    await app.close();
  });

  it('rejects a body that is not an S3 notification', async () => {
    const app = appWith(async () => ({ outcome: 'ignored', reason: 'test' }));
    const response = await app.inject({
      method: 'POST',
      url: '/events',
      headers: { [EVENTS_TOKEN_HEADER]: token },
      payload: { Records: [{ eventName: 'ObjectCreated:Put' }] },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ error: { code: 'INVALID_S3_NOTIFICATION' } });
    await app.close();
  });

  it('is off when the worker has no token or no stores', async () => {
    const app = buildApp(testServiceContext('doc-ingestor'));
    const response = await app.inject({ method: 'POST', url: '/events', payload: { Records: [] } });
    expect(response.statusCode).toBe(503);
    await app.close();
  });
});
