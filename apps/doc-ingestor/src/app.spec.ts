import { healthResponseSchema } from '@lgm/contracts';
import { testServiceContext } from '@lgm/testing';

import { buildApp } from './app';
import { handler } from './lambda';

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

  it.each([
    ['an empty object', {}],
    ['an SQS batch it does not handle yet', { Records: [{ eventSource: 'aws:sqs', body: '{}' }] }],
    ['a health event with extra fields', { kind: 'health', extra: true }],
    ['a string', 'health'],
    ['null', null],
  ])('rejects %s with UNSUPPORTED_EVENT', async (_what, event) => {
    await expect(handler(event)).rejects.toMatchObject({ code: 'UNSUPPORTED_EVENT', status: 400 });
  });
});
