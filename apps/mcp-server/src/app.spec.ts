import { healthResponseSchema } from '@lgm/contracts';
import { testServiceContext } from '@lgm/testing';

import { buildApp } from './app';

describe('mcp-server', () => {
  const app = buildApp(testServiceContext('mcp-server'));
  afterAll(() => app.close());

  it('answers the health check', async () => {
    const response = await app.inject({ method: 'GET', url: '/health' });
    expect(response.statusCode).toBe(200);
    expect(healthResponseSchema.parse(response.json())).toMatchObject({
      service: 'mcp-server',
      status: 'ok',
    });
  });
});
