import cors from '@fastify/cors';
import { createManualClock, toErrorBody } from '@lgm/core';
import Fastify, { type FastifyInstance } from 'fastify';
import { exportJWK, generateKeyPair, type JWTPayload, SignJWT } from 'jose';

import { registerAuthentication } from './fastify-authentication';
import { createJwtVerifier } from './jwt-verifier';
import type { TokenVerifier } from './principal';

const ISSUER = 'https://issuer.example/pool';
const CLIENT_ID = 'client-1';
const START = '2026-03-01T12:00:00.000Z';
const NOW = Date.parse(START) / 1000;

/**
 * A service's app as server-kit's `createHttpApp` builds it (CORS, one error handler, a JSON 404,
 * `GET /health` declared before any app code). server-kit itself cannot be imported here: its
 * tests use libs/testing, which uses this lib.
 */
function createHttpApp(options: { corsOrigins?: string[] } = {}): FastifyInstance {
  const app = Fastify();
  if (options.corsOrigins !== undefined) void app.register(cors, { origin: options.corsOrigins });
  app.setErrorHandler((error, _request, reply) => {
    const { status, body } = toErrorBody(error);
    void reply.status(status).send(body);
  });
  app.setNotFoundHandler((_request, reply) => {
    void reply.status(404).send({ error: { code: 'ROUTE_NOT_FOUND', message: 'No such route.' } });
  });
  app.get('/health', async () => ({ status: 'ok' }));
  return app;
}

describe('registerAuthentication', () => {
  let sign: (claims?: JWTPayload) => Promise<string>;
  let verifier: TokenVerifier;
  let app: FastifyInstance;

  beforeAll(async () => {
    const { privateKey, publicKey } = await generateKeyPair('RS256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256' };
    verifier = createJwtVerifier({
      issuer: ISSUER,
      audience: CLIENT_ID,
      jwks: { keys: [jwk] },
      clock: createManualClock(START),
    });
    sign = (claims = {}) =>
      new SignJWT({
        iss: ISSUER,
        sub: 'user-a',
        client_id: CLIENT_ID,
        token_use: 'access',
        username: 'ada',
        exp: NOW + 600,
        ...claims,
      })
        .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
        .sign(privateKey);
  });

  beforeEach(async () => {
    app = createHttpApp({ corsOrigins: ['http://localhost:5173'] });
    // Registered on the root before the app's routes, as services do.
    registerAuthentication(app, { verifier, publicRoutes: ['/health', '/docs/*'] });
    app.get('/me', async (request) => ({
      sub: request.principal.sub,
      username: request.principal.username,
    }));
    app.get('/open', { config: { public: true } }, async (request) => {
      // Reading the principal on a public route is a 401, never `undefined`.
      try {
        return { sub: request.principal.sub };
      } catch (error) {
        return { error: (error as { code?: string }).code };
      }
    });
    app.get('/docs/static/index.html', async () => 'docs');
    await app.register(
      async (scoped) => {
        scoped.get('/sessions', async (request) => ({ owner: request.principal.sub }));
      },
      { prefix: '/v1' },
    );
    await app.ready();
  });

  afterEach(async () => {
    await app.close();
  });

  it('puts the verified principal on the request', async () => {
    const response = await app.inject({
      url: '/me',
      headers: { authorization: `Bearer ${await sign()}` },
    });

    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ sub: 'user-a', username: 'ada' });
  });

  it('guards routes of plugins registered after it', async () => {
    const denied = await app.inject({ url: '/v1/sessions' });
    const allowed = await app.inject({
      url: '/v1/sessions',
      headers: { authorization: `Bearer ${await sign({ sub: 'user-b' })}` },
    });

    expect(denied.statusCode).toBe(401);
    expect(allowed.json()).toEqual({ owner: 'user-b' });
  });

  it.each<[string, () => Promise<Record<string, string>>, string]>([
    ['no Authorization header', async () => ({}), 'UNAUTHORIZED'],
    ['another scheme', async () => ({ authorization: 'Basic dXNlcjpwYXNz' }), 'UNAUTHORIZED'],
    ['garbage', async () => ({ authorization: 'Bearer garbage' }), 'TOKEN_INVALID'],
    [
      'an expired token',
      async () => ({ authorization: `Bearer ${await sign({ exp: NOW - 60 })}` }),
      'TOKEN_EXPIRED',
    ],
    [
      'another client',
      async () => ({ authorization: `Bearer ${await sign({ client_id: 'other' })}` }),
      'TOKEN_WRONG_AUDIENCE',
    ],
    [
      'an id token',
      async () => ({ authorization: `Bearer ${await sign({ token_use: 'id' })}` }),
      'TOKEN_WRONG_USE',
    ],
    [
      'another issuer',
      async () => ({ authorization: `Bearer ${await sign({ iss: 'https://evil.example' })}` }),
      'TOKEN_WRONG_ISSUER',
    ],
  ])('answers 401 for %s', async (_name, headers, code) => {
    const response = await app.inject({ url: '/me', headers: await headers() });

    expect(response.statusCode).toBe(401);
    expect(response.json()).toEqual({ error: { code, message: expect.any(String) } });
  });

  it('leaves public routes open: config.public, /health and the listed prefixes', async () => {
    const open = await app.inject({ url: '/open' });
    const health = await app.inject({ url: '/health' });
    const docs = await app.inject({ url: '/docs/static/index.html' });

    expect(open.statusCode).toBe(200);
    expect(open.json()).toEqual({ error: 'UNAUTHORIZED' });
    expect(health.statusCode).toBe(200);
    expect(docs.statusCode).toBe(200);
  });

  it('lets CORS preflights through but not other OPTIONS requests', async () => {
    const preflight = await app.inject({
      method: 'OPTIONS',
      url: '/me',
      headers: {
        origin: 'http://localhost:5173',
        'access-control-request-method': 'GET',
        'access-control-request-headers': 'authorization',
      },
    });

    expect(preflight.statusCode).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe('http://localhost:5173');
  });

  it('guards an OPTIONS route of the app when the request is not a CORS preflight', async () => {
    const bare = createHttpApp();
    registerAuthentication(bare, { verifier });
    bare.options('/things', async () => ({ allowed: ['GET'] }));
    try {
      const response = await bare.inject({ method: 'OPTIONS', url: '/things' });
      expect(response.statusCode).toBe(401);
    } finally {
      await bare.close();
    }
  });

  it('answers 401 for unknown routes without a token, and 404 only to a signed-in caller', async () => {
    const stranger = await app.inject({ url: '/admin/secret' });
    const user = await app.inject({
      url: '/admin/secret',
      headers: { authorization: `Bearer ${await sign()}` },
    });

    expect(stranger.statusCode).toBe(401);
    expect(user.statusCode).toBe(404);
    expect(user.json()).toMatchObject({ error: { code: 'ROUTE_NOT_FOUND' } });
  });

  it('answers 503 AUTH_UNAVAILABLE when the verifier cannot reach the issuer', async () => {
    const outage = createHttpApp();
    registerAuthentication(outage, {
      verifier: createJwtVerifier({
        issuer: ISSUER,
        audience: CLIENT_ID,
        jwksUrl: 'http://127.0.0.1:9/jwks.json',
        clock: createManualClock(START),
      }),
    });
    outage.get('/me', async (request) => request.principal);
    try {
      const response = await outage.inject({
        url: '/me',
        headers: { authorization: `Bearer ${await sign()}` },
      });

      expect(response.statusCode).toBe(503);
      expect(response.json()).toMatchObject({ error: { code: 'AUTH_UNAVAILABLE' } });
    } finally {
      await outage.close();
    }
  });

  it('can be called twice on one app without a decorator clash', async () => {
    const second = createHttpApp();
    registerAuthentication(second, { verifier });
    await second.register(async (child) => {
      registerAuthentication(child, { verifier });
      child.get('/child', async (request) => ({ sub: request.principal.sub }));
    });
    try {
      const response = await second.inject({
        url: '/child',
        headers: { authorization: `Bearer ${await sign()}` },
      });
      expect(response.json()).toEqual({ sub: 'user-a' });
    } finally {
      await second.close();
    }
  });
});
