import { healthResponseSchema } from '@lgm/contracts';
import { testServiceContext } from '@lgm/testing';

import { buildApp } from './app';

describe('ws-gateway app without a socket gateway', () => {
  const app = buildApp(testServiceContext('ws-gateway'));
  afterAll(() => app.close());

  it('answers the health check', async () => {
    const response = await app.inject({ method: 'GET', url: '/health' });
    expect(response.statusCode).toBe(200);
    expect(healthResponseSchema.parse(response.json())).toMatchObject({
      service: 'ws-gateway',
      status: 'ok',
    });
  });

  it('answers a plain GET /ws with 426 UPGRADE_REQUIRED', async () => {
    const response = await app.inject({ method: 'GET', url: '/ws' });
    expect(response.statusCode).toBe(426);
    expect(response.json()).toMatchObject({ error: { code: 'UPGRADE_REQUIRED' } });
  });

  it('refuses a WebSocket upgrade with 503 when the chat stores are not configured', async () => {
    await app.ready();
    const refused = await app.injectWS('/ws').catch((error: unknown) => error);
    expect(String(refused)).toMatch(/503/);
  });
});
