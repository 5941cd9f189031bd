import { NotFoundError, ValidationError } from '@lgm/core';
import { apiGatewayRestEvent, lambdaContext, silentLogger, testServiceContext } from '@lgm/testing';
import * as z from 'zod';

import { createHttpApp } from './http-app';
import { createEventLambdaHandler, createHttpLambdaHandler } from './lambda';

function buildTestApp(healthy = true) {
  const context = testServiceContext('chat-api', {
    checks: { database: async () => ({ status: healthy ? 'ok' : 'down' }) },
  });
  const app = createHttpApp(context, { bodyLimit: 64 });
  app.get('/missing-session', async () => {
    throw new NotFoundError('Session', 'abc');
  });
  app.post('/echo', async (request) => {
    const body = z.object({ text: z.string() }).strict().safeParse(request.body);
    if (!body.success) throw new ValidationError('Body is invalid.');
    return body.data;
  });
  app.post(
    '/zod',
    { schema: { body: z.strictObject({ count: z.number().int() }) } },
    async (request) => request.body,
  );
  app.get('/bug', async () => {
    throw new Error('db password=hunter2 leaked');
  });
  return app;
}

describe('createHttpApp', () => {
  const app = buildTestApp();
  afterAll(() => app.close());

  it('serves health as 200 with the report', async () => {
    const response = await app.inject({ method: 'GET', url: '/health' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ status: 'ok', service: 'chat-api' });
  });

  it('validates route schemas with zod, without the JSON-schema compilers of fastify', async () => {
    const valid = await app.inject({ method: 'POST', url: '/zod', payload: { count: 2 } });
    expect(valid.statusCode).toBe(200);
    expect(valid.json()).toEqual({ count: 2 });
    const invalid = await app.inject({ method: 'POST', url: '/zod', payload: { count: 'two' } });
    expect(invalid.statusCode).toBe(400);
    expect(invalid.json().error.code).toMatch(/^[A-Z_]+$/);
  });

  it('maps AppErrors to their status and code', async () => {
    const response = await app.inject({ method: 'GET', url: '/missing-session' });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({
      error: { code: 'SESSION_NOT_FOUND', message: "Session 'abc' not found." },
    });
  });

  it.each([
    ['malformed JSON', '{"text":', 'application/json', 400, 'MALFORMED_JSON'],
    ['an empty JSON body', '', 'application/json', 400, 'MALFORMED_JSON'],
    [
      'an oversized body',
      JSON.stringify({ text: 'x'.repeat(200) }),
      'application/json',
      413,
      'PAYLOAD_TOO_LARGE',
    ],
    ['an unsupported media type', 'text', 'application/x-unknown', 415, 'UNSUPPORTED_MEDIA_TYPE'],
    [
      'an unknown field',
      JSON.stringify({ text: 'a', extra: 1 }),
      'application/json',
      400,
      'VALIDATION_FAILED',
    ],
  ])('rejects %s with a 4xx and a code', async (_what, payload, contentType, status, code) => {
    const response = await app.inject({
      method: 'POST',
      url: '/echo',
      payload,
      headers: { 'content-type': contentType },
    });
    expect(response.statusCode).toBe(status);
    expect(response.json()).toMatchObject({ error: { code } });
  });

  it('answers unknown routes with ROUTE_NOT_FOUND', async () => {
    const response = await app.inject({ method: 'DELETE', url: '/nowhere' });
    expect(response.statusCode).toBe(404);
    expect(response.json().error.code).toBe('ROUTE_NOT_FOUND');
  });

  it('hides the message of unexpected errors', async () => {
    const response = await app.inject({ method: 'GET', url: '/bug' });
    expect(response.statusCode).toBe(500);
    expect(response.json().error.code).toBe('INTERNAL_ERROR');
    expect(response.body).not.toContain('hunter2');
  });

  it('reports 503 when a dependency is down', async () => {
    const unhealthy = buildTestApp(false);
    const response = await unhealthy.inject({ method: 'GET', url: '/health' });
    expect(response.statusCode).toBe(503);
    expect(response.json().checks.database.status).toBe('down');
    await unhealthy.close();
  });
});

describe('createHttpLambdaHandler', () => {
  it('serves an API Gateway REST proxy event through the same app, building it once', async () => {
    let builds = 0;
    const handler = createHttpLambdaHandler(() => {
      builds += 1;
      return buildTestApp();
    });
    const first = await handler(apiGatewayRestEvent({ path: '/health' }), lambdaContext());
    const second = await handler(
      apiGatewayRestEvent({ path: '/missing-session' }),
      lambdaContext(),
    );

    expect(first.statusCode).toBe(200);
    expect(JSON.parse(first.body)).toMatchObject({ status: 'ok' });
    expect(second.statusCode).toBe(404);
    expect(JSON.parse(second.body).error.code).toBe('SESSION_NOT_FOUND');
    expect(builds).toBe(1);
  });

  it('composes the app again after a failed cold start instead of failing forever', async () => {
    let builds = 0;
    const handler = createHttpLambdaHandler(async () => {
      builds += 1;
      if (builds === 1) throw new Error('secret not readable yet');
      return buildTestApp();
    });
    await expect(
      handler(apiGatewayRestEvent({ path: '/health' }), lambdaContext()),
    ).rejects.toThrow('secret not readable yet');
    const retried = await handler(apiGatewayRestEvent({ path: '/health' }), lambdaContext());

    expect(retried.statusCode).toBe(200);
    expect(builds).toBe(2);
  });
});

describe('createEventLambdaHandler', () => {
  const handler = createEventLambdaHandler({
    schema: z.object({ kind: z.literal('double'), value: z.number() }),
    logger: () => silentLogger(),
    handle: async (event) => {
      if (event.value < 0) throw new Error('negative');
      return event.value * 2;
    },
  });

  it('validates and handles the event', async () => {
    await expect(handler({ kind: 'double', value: 21 })).resolves.toBe(42);
  });

  it('rejects an unsupported event with UNSUPPORTED_EVENT', async () => {
    await expect(handler({ Records: [] })).rejects.toMatchObject({
      code: 'UNSUPPORTED_EVENT',
      status: 400,
    });
  });

  it('rethrows failures as AppErrors', async () => {
    await expect(handler({ kind: 'double', value: -1 })).rejects.toMatchObject({
      code: 'INTERNAL_ERROR',
    });
  });
});
