import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { errorBodySchema, healthResponseSchema, sessionSchema } from '@lgm/contracts';
import { postgresTargets } from '@lgm/local-stack';
import { apiGatewayRestEvent, createTestIdentity, lambdaContext } from '@lgm/testing';

import { handler } from './lambda';
import { startTestStores, type TestStores } from './test/local-stores';
import { testEnvironment } from './test/test-app';

/**
 * The Lambda entry with real API Gateway REST (v1 proxy) events: configuration from the
 * environment, tokens verified against a JWKS served over HTTP (as Cognito serves it), and the
 * local stores behind. The principal comes from the verified bearer token only, never from the
 * authorizer context of the event.
 */

const [pglite] = postgresTargets(undefined);
const identity = createTestIdentity();
let stores: TestStores;
let jwks: Server;
const saved = { ...process.env };

beforeAll(async () => {
  if (pglite === undefined) throw new Error('no PGlite target');
  stores = await startTestStores(pglite);
  jwks = createServer((request, response) => {
    response.writeHead(request.url === '/.well-known/jwks.json' ? 200 : 404, {
      'content-type': 'application/json',
    });
    response.end(JSON.stringify(identity.jwks));
  });
  await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
  const { port } = jwks.address() as AddressInfo;
  // The entry reads its environment on first use, as it does on AWS; the AWS SDK's default
  // credential chain reads the keys the local stores accept.
  Object.assign(
    process.env,
    testEnvironment(stores, identity, {
      AUTH_JWKS_URL: `http://127.0.0.1:${port}/.well-known/jwks.json`,
      AWS_ACCESS_KEY_ID: stores.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: stores.credentials.secretAccessKey,
    }),
  );
}, 90_000);

afterAll(async () => {
  process.env = saved;
  await new Promise((resolve) => jwks?.close(resolve));
  await stores?.stop();
});

const bearer = async (sub: string) => ({ Authorization: `Bearer ${await identity.tokenFor(sub)}` });

/** What API Gateway's Cognito authorizer puts in the event: claims of whoever it let through. */
function withAuthorizerClaims(
  event: ReturnType<typeof apiGatewayRestEvent>,
  sub: string,
): ReturnType<typeof apiGatewayRestEvent> {
  return {
    ...event,
    requestContext: {
      ...event.requestContext,
      authorizer: { claims: { sub, token_use: 'access' } },
    },
  };
}

describe('chat-api Lambda entry (API Gateway REST)', () => {
  it('answers the health check without a token', async () => {
    const result = await handler(apiGatewayRestEvent({ path: '/health' }), lambdaContext());
    expect(result.statusCode).toBe(200);
    expect(healthResponseSchema.parse(JSON.parse(result.body))).toMatchObject({
      service: 'chat-api',
      status: 'ok',
    });
  });

  it('creates and reads a session as the token’s user, and hides it from others', async () => {
    const created = await handler(
      apiGatewayRestEvent({
        method: 'POST',
        path: '/sessions',
        headers: await bearer('lambda-alice'),
        body: { title: 'From Lambda' },
      }),
      lambdaContext(),
    );
    expect(created.statusCode).toBe(201);
    const session = sessionSchema.parse(JSON.parse(created.body));
    expect(session.title).toBe('From Lambda');

    const read = await handler(
      apiGatewayRestEvent({
        path: `/sessions/${session.id}`,
        headers: await bearer('lambda-alice'),
      }),
      lambdaContext(),
    );
    expect(read.statusCode).toBe(200);
    expect(sessionSchema.parse(JSON.parse(read.body))).toEqual(session);

    const other = await handler(
      apiGatewayRestEvent({ path: `/sessions/${session.id}`, headers: await bearer('lambda-bob') }),
      lambdaContext(),
    );
    expect(other.statusCode).toBe(404);
    expect(errorBodySchema.parse(JSON.parse(other.body)).error.code).toBe('SESSION_NOT_FOUND');
  });

  it('takes the principal from the verified token, never from the authorizer context', async () => {
    const created = await handler(
      apiGatewayRestEvent({
        method: 'POST',
        path: '/sessions',
        headers: await bearer('lambda-carol'),
        body: {},
      }),
      lambdaContext(),
    );
    const session = sessionSchema.parse(JSON.parse(created.body));

    // Claims of carol in the context, but no token: refused.
    const noToken = await handler(
      withAuthorizerClaims(
        apiGatewayRestEvent({ path: `/sessions/${session.id}` }),
        'lambda-carol',
      ),
      lambdaContext(),
    );
    expect(noToken.statusCode).toBe(401);
    // Claims of carol in the context, a token of dave: dave is who asks, and sees nothing.
    const mismatched = await handler(
      withAuthorizerClaims(
        apiGatewayRestEvent({
          path: `/sessions/${session.id}`,
          headers: await bearer('lambda-dave'),
        }),
        'lambda-carol',
      ),
      lambdaContext(),
    );
    expect(mismatched.statusCode).toBe(404);
    // A forged token with carol's claims: refused.
    const forged = await handler(
      apiGatewayRestEvent({
        path: `/sessions/${session.id}`,
        headers: {
          Authorization: `Bearer ${await identity.tokenFor('lambda-carol', { signature: 'foreign-key' })}`,
        },
      }),
      lambdaContext(),
    );
    expect(forged.statusCode).toBe(401);
  });

  it('refuses malformed bodies with a 4xx and a code', async () => {
    for (const body of ['{"title":', '{"title":"x","admin":true}', '[]']) {
      const result = await handler(
        apiGatewayRestEvent({
          method: 'POST',
          path: '/sessions',
          headers: { ...(await bearer('lambda-erin')), 'Content-Type': 'application/json' },
          body,
        }),
        lambdaContext(),
      );
      expect(result.statusCode).toBe(400);
      expect(errorBodySchema.parse(JSON.parse(result.body)).error.code).toMatch(
        /^(MALFORMED_JSON|INVALID_REQUEST)$/,
      );
    }
  });

  it('serves the API explorer and the OpenAPI document without a token', async () => {
    const page = await handler(apiGatewayRestEvent({ path: '/docs' }), lambdaContext());
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('LGM chat-api');
    const document = await handler(apiGatewayRestEvent({ path: '/docs/json' }), lambdaContext());
    expect(document.statusCode).toBe(200);
    expect(JSON.parse(document.body)).toMatchObject({ openapi: expect.stringMatching(/^3\./) });
  });
});
