import { errorBodySchema, healthResponseSchema } from '@lgm/contracts';
import { loadConfig } from '@lgm/core';
import { createTestIdentity } from '@lgm/testing';

import { buildApp } from './app';
import { bootstrap } from './bootstrap';
import { configSchema } from './config';

/**
 * The app through its composition root with stores that are never reached: everything here is
 * answered before a route touches data (health, CORS, docs, authentication).
 */
const identity = createTestIdentity();
const env = {
  LOG_LEVEL: 'silent',
  CORS_ALLOWED_ORIGINS: 'http://localhost:3000',
  // Nothing connects until a route needs it, and no route here does.
  DATABASE_URL: 'postgres://lgm:lgm@127.0.0.1:9/lgm',
  SESSIONS_TABLE: 'lgm-test-sessions',
  CONNECTIONS_TABLE: 'lgm-test-connections',
  MCP_TOOLS_TABLE: 'lgm-test-mcp-tools',
  DYNAMODB_ENDPOINT: 'http://127.0.0.1:9',
  DOCUMENTS_BUCKET: 'lgm-test-documents',
  ARTIFACTS_BUCKET: 'lgm-test-artifacts',
  S3_ENDPOINT: 'http://127.0.0.1:9',
  AUTH_ISSUER: identity.issuer,
  AUTH_AUDIENCE: identity.audience,
};
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const app = buildApp(
  bootstrap(loadConfig(configSchema, env), {
    verifier: identity.verifier,
    runtime: { credentials },
  }),
);
afterAll(() => app.close());

/** Every route of the API with ids that parse (the routes are never reached without a token). */
const ID = '01JDQ4ZC7Z6K0C5X8W9Y2V3T4S';
const ROUTES: readonly (readonly [string, string])[] = [
  ['POST', '/sessions'],
  ['GET', '/sessions'],
  ['GET', `/sessions/${ID}`],
  ['PATCH', `/sessions/${ID}`],
  ['DELETE', `/sessions/${ID}`],
  ['GET', `/sessions/${ID}/messages`],
  ['POST', `/sessions/${ID}/messages`],
  ['GET', `/turns/${ID}/events`],
  ['POST', `/turns/${ID}/cancel`],
  ['POST', '/documents'],
  ['GET', '/documents'],
  ['GET', `/documents/${ID}`],
  ['DELETE', `/documents/${ID}`],
  ['POST', `/documents/${ID}/reindex`],
  ['POST', '/search'],
  ['GET', '/artifacts'],
  ['GET', `/artifacts/${ID}/download`],
  ['GET', '/tools'],
  ['POST', '/tools/servers'],
  ['DELETE', '/tools/servers/weather'],
  ['GET', '/usage'],
  ['GET', '/models'],
];

describe('chat-api without a token', () => {
  it('answers the health check publicly', async () => {
    const response = await app.inject({ method: 'GET', url: '/health' });
    expect(response.statusCode).toBe(200);
    expect(healthResponseSchema.parse(response.json())).toMatchObject({
      status: 'ok',
      service: 'chat-api',
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

  it('answers a CORS preflight of an API route without a token', async () => {
    const response = await app.inject({
      method: 'OPTIONS',
      url: '/sessions',
      headers: {
        origin: 'http://localhost:3000',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type',
      },
    });
    expect(response.statusCode).toBe(204);
    expect(response.headers['access-control-allow-origin']).toBe('http://localhost:3000');
  });

  it('serves the OpenAPI 3 document publicly, with every route and the bearer scheme', async () => {
    const response = await app.inject({ method: 'GET', url: '/docs/json' });
    expect(response.statusCode).toBe(200);
    const document = response.json() as {
      openapi: string;
      paths: Record<string, Record<string, unknown>>;
      components: { securitySchemes: Record<string, unknown> };
    };
    expect(document.openapi).toMatch(/^3\./);
    expect(document.components.securitySchemes).toHaveProperty('bearer');
    for (const [method, url] of ROUTES) {
      const path = url.replace(ID, '{id}').replace('/weather', '/{name}');
      const operations = Object.entries(document.paths).find(
        ([template]) =>
          template.replace(/\{[A-Za-z]+\}/g, (m) => (m === '{name}' ? m : '{id}')) === path,
      );
      expect({
        route: `${method} ${url}`,
        documented: operations?.[1][method.toLowerCase()] !== undefined,
      }).toEqual({
        route: `${method} ${url}`,
        documented: true,
      });
    }
    // The body of POST /sessions/{id}/messages is the contract's strict schema.
    const post = document.paths['/sessions/{sessionId}/messages']?.['post'] as {
      requestBody: {
        content: { 'application/json': { schema: { additionalProperties: boolean } } };
      };
    };
    expect(post.requestBody.content['application/json'].schema.additionalProperties).toBe(false);
  });

  it('serves an API explorer page at /docs publicly', async () => {
    const response = await app.inject({ method: 'GET', url: '/docs' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toContain('text/html');
    expect(response.body).toContain('LGM chat-api');
  });

  it.each(ROUTES)('refuses %s %s without a token (401 UNAUTHORIZED)', async (method, url) => {
    const response = await app.inject({ method: method as 'GET', url });
    expect(response.statusCode).toBe(401);
    expect(errorBodySchema.parse(response.json()).error.code).toBe('UNAUTHORIZED');
  });

  it.each([
    [
      'an expired token',
      () => identity.tokenFor('user-a', { expiresInSeconds: -120 }),
      'TOKEN_EXPIRED',
    ],
    [
      'a token signed by another key',
      () => identity.tokenFor('user-a', { signature: 'foreign-key' }),
      undefined,
    ],
    ['an unsigned token', () => identity.tokenFor('user-a', { signature: 'alg-none' }), undefined],
    [
      'a token for another app',
      () => identity.tokenFor('user-a', { audience: 'other-client' }),
      undefined,
    ],
    [
      'a token from another issuer',
      () => identity.tokenFor('user-a', { issuer: 'https://evil.example' }),
      undefined,
    ],
    ['garbage', async () => 'not.a.jwt', undefined],
  ])('refuses %s on every route with 401 and a code', async (_what, token, code) => {
    const authorization = `Bearer ${await token()}`;
    for (const [method, url] of ROUTES) {
      const response = await app.inject({
        method: method as 'GET',
        url,
        headers: { authorization },
      });
      const body = errorBodySchema.parse(response.json());
      expect({ route: `${method} ${url}`, status: response.statusCode }).toEqual({
        route: `${method} ${url}`,
        status: 401,
      });
      if (code !== undefined) expect(body.error.code).toBe(code);
    }
  });

  it('answers an unknown route with 401 before 404, so strangers learn nothing', async () => {
    const anonymous = await app.inject({ method: 'GET', url: '/nope' });
    expect(anonymous.statusCode).toBe(401);
    const signedIn = await app.inject({
      method: 'GET',
      url: '/nope',
      headers: { authorization: `Bearer ${await identity.tokenFor('user-a')}` },
    });
    expect(signedIn.statusCode).toBe(404);
    expect(signedIn.json()).toMatchObject({ error: { code: 'ROUTE_NOT_FOUND' } });
  });
});
