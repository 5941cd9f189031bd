import { healthResponseSchema } from '@lgm/contracts';
import { apiGatewayWebSocketEvent, testServiceContext } from '@lgm/testing';

import { buildApp } from './app';
import { handler } from './lambda';

describe('ws-gateway', () => {
  const app = buildApp(testServiceContext('ws-gateway'));
  afterAll(() => app.close());

  beforeAll(() => {
    // The Lambda entry reads its environment on first use, as it does on AWS.
    process.env['LOG_LEVEL'] = 'warn';
  });

  it('answers the health check through the local server', async () => {
    const response = await app.inject({ method: 'GET', url: '/health' });
    expect(response.statusCode).toBe(200);
    expect(healthResponseSchema.parse(response.json())).toMatchObject({
      service: 'ws-gateway',
      status: 'ok',
    });
  });

  it('answers ping with its health through the WebSocket Lambda entry', async () => {
    const result = await handler(
      apiGatewayWebSocketEvent({ routeKey: 'ping', body: { action: 'ping' } }),
    );
    expect(typeof result).toBe('object');
    const { statusCode, body } = result as { statusCode: number; body: string };
    expect(statusCode).toBe(200);
    const pong = JSON.parse(body) as { type: string; health: unknown };
    expect(pong.type).toBe('pong');
    expect(healthResponseSchema.parse(pong.health)).toMatchObject({
      service: 'ws-gateway',
      status: 'ok',
    });
  });

  it.each(['$connect', 'sendMessage', '$default'])(
    'refuses the not-yet-available route %s with UNKNOWN_ROUTE',
    async (routeKey) => {
      const result = (await handler(apiGatewayWebSocketEvent({ routeKey }))) as {
        statusCode: number;
        body: string;
      };
      expect(result.statusCode).toBe(400);
      expect(JSON.parse(result.body)).toMatchObject({ error: { code: 'UNKNOWN_ROUTE' } });
    },
  );
});
