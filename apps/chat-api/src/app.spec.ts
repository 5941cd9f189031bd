import { healthResponseSchema } from '@lgm/contracts';
import { apiGatewayRestEvent, lambdaContext, testServiceContext } from '@lgm/testing';

import { buildApp } from './app';
import { handler } from './lambda';

describe('chat-api', () => {
  const app = buildApp(testServiceContext('chat-api', { corsOrigins: ['http://localhost:3000'] }));
  afterAll(() => app.close());

  it('answers the health check through the local app', async () => {
    const response = await app.inject({ method: 'GET', url: '/health' });
    expect(response.statusCode).toBe(200);
    expect(healthResponseSchema.parse(response.json())).toMatchObject({
      status: 'ok',
      service: 'chat-api',
      time: '2026-11-26T10:00:00.000Z',
    });
  });

  it('lets the web origin read it across origins, and no other origin', async () => {
    const allowed = await app.inject({
      method: 'GET',
      url: '/health',
      headers: { origin: 'http://localhost:3000' },
    });
    const foreign = await app.inject({
      method: 'GET',
      url: '/health',
      headers: { origin: 'https://evil.example' },
    });
    expect(allowed.headers['access-control-allow-origin']).toBe('http://localhost:3000');
    expect(foreign.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('answers the health check through the Lambda entry with an API Gateway REST event', async () => {
    // The Lambda entry reads its environment on first use, as it does on AWS.
    process.env['LOG_LEVEL'] = 'warn';
    const result = await handler(apiGatewayRestEvent({ path: '/health' }), lambdaContext());
    expect(result.statusCode).toBe(200);
    expect(healthResponseSchema.parse(JSON.parse(result.body))).toMatchObject({
      status: 'ok',
      service: 'chat-api',
    });
  });

  it('answers an unknown route with a JSON 404 through the Lambda entry', async () => {
    const result = await handler(
      apiGatewayRestEvent({ method: 'POST', path: '/nope', body: { a: 1 } }),
      lambdaContext(),
    );
    expect(result.statusCode).toBe(404);
    expect(JSON.parse(result.body)).toMatchObject({ error: { code: 'ROUTE_NOT_FOUND' } });
  });
});
