import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { createManualClock, type ManualClock } from '@lgm/core';
import {
  type CryptoKey,
  exportJWK,
  exportSPKI,
  generateKeyPair,
  type JWK,
  type JWTPayload,
  SignJWT,
} from 'jose';

import { createJwtVerifier, type JsonWebKeySet, type JwtVerifierOptions } from './jwt-verifier';

const ISSUER = 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Example';
const CLIENT_ID = 'web-client-123';
const START = '2026-03-01T12:00:00.000Z';
const NOW = Date.parse(START) / 1000;

interface SigningKey {
  readonly kid: string;
  readonly alg: 'RS256' | 'ES256';
  readonly privateKey: CryptoKey;
  readonly publicJwk: JWK;
  readonly publicPem: string;
}

async function signingKey(kid: string, alg: 'RS256' | 'ES256' = 'RS256'): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return { kid, alg, privateKey, publicJwk, publicPem: await exportSPKI(publicKey) };
}

function keySet(...keys: SigningKey[]): JsonWebKeySet {
  return { keys: keys.map((key) => key.publicJwk) };
}

/** Claims of a Cognito access token, as Cognito issues them. */
function accessClaims(overrides: JWTPayload = {}): JWTPayload {
  return {
    iss: ISSUER,
    sub: 'a1b2c3d4-0000-4000-8000-000000000001',
    client_id: CLIENT_ID,
    token_use: 'access',
    scope: 'openid email',
    username: 'ada',
    'cognito:groups': ['admins'],
    iat: NOW - 60,
    exp: NOW + 3600,
    ...overrides,
  };
}

function idClaims(overrides: JWTPayload = {}): JWTPayload {
  return {
    iss: ISSUER,
    sub: 'a1b2c3d4-0000-4000-8000-000000000001',
    aud: CLIENT_ID,
    token_use: 'id',
    'cognito:username': 'ada',
    email: 'ada@example.com',
    iat: NOW - 60,
    exp: NOW + 3600,
    ...overrides,
  };
}

async function sign(key: SigningKey, claims: JWTPayload, kid: string = key.kid): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: key.alg, kid }).sign(key.privateKey);
}

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

describe('createJwtVerifier with a local key set', () => {
  let key: SigningKey;
  let ecKey: SigningKey;
  let foreign: SigningKey;
  let clock: ManualClock;

  beforeAll(async () => {
    [key, ecKey, foreign] = await Promise.all([
      signingKey('key-1'),
      signingKey('key-ec', 'ES256'),
      signingKey('key-1'), // same kid, different key material: a forgery
    ]);
  });

  beforeEach(() => {
    clock = createManualClock(START);
  });

  function verifier(options: Partial<JwtVerifierOptions> = {}) {
    return createJwtVerifier({
      issuer: ISSUER,
      audience: CLIENT_ID,
      jwks: keySet(key, ecKey),
      clock,
      ...options,
    });
  }

  it('accepts a Cognito access token and maps its claims to a principal', async () => {
    const principal = await verifier().verify(await sign(key, accessClaims()));

    expect(principal).toEqual({
      sub: 'a1b2c3d4-0000-4000-8000-000000000001',
      username: 'ada',
      groups: ['admins'],
      scopes: ['openid', 'email'],
      expiresAt: NOW + 3600,
    });
  });

  it('accepts an ES256 token', async () => {
    const principal = await verifier().verify(await sign(ecKey, accessClaims()));
    expect(principal.sub).toBe('a1b2c3d4-0000-4000-8000-000000000001');
  });

  it('accepts an id token when configured for id tokens, with aud as a string or a list', async () => {
    const ids = verifier({ tokenUse: 'id' });

    const principal = await ids.verify(await sign(key, idClaims()));
    const listed = await ids.verify(await sign(key, idClaims({ aud: ['other', CLIENT_ID] })));

    expect(principal).toEqual({
      sub: 'a1b2c3d4-0000-4000-8000-000000000001',
      username: 'ada',
      email: 'ada@example.com',
      groups: [],
      expiresAt: NOW + 3600,
    });
    expect(listed.sub).toBe(principal.sub);
  });

  it('accepts a token without token_use (a generic OIDC issuer)', async () => {
    const principal = await verifier().verify(
      await sign(key, accessClaims({ token_use: undefined })),
    );
    expect(principal.username).toBe('ada');
  });

  it('forgives 30 seconds of clock skew on exp and nbf, and no more', async () => {
    const token = await sign(key, accessClaims({ exp: NOW, nbf: NOW - 10 }));
    clock.advance(29_000);
    await expect(verifier().verify(token)).resolves.toMatchObject({ expiresAt: NOW });
    clock.advance(2_000);
    await expect(verifier().verify(token)).rejects.toMatchObject({ code: 'TOKEN_EXPIRED' });

    const early = await sign(key, accessClaims({ nbf: NOW + 25 }));
    await expect(
      verifier({ clock: createManualClock(START) }).verify(early),
    ).resolves.toBeDefined();
    const tooEarly = await sign(key, accessClaims({ nbf: NOW + 45 }));
    await expect(
      verifier({ clock: createManualClock(START) }).verify(tooEarly),
    ).rejects.toMatchObject({ code: 'TOKEN_INVALID', status: 401 });
  });

  it.each<[string, () => Promise<string>, string]>([
    ['an expired token', () => sign(key, accessClaims({ exp: NOW - 3600 })), 'TOKEN_EXPIRED'],
    [
      'another issuer',
      () => sign(key, accessClaims({ iss: `${ISSUER}-other` })),
      'TOKEN_WRONG_ISSUER',
    ],
    [
      'an issuer differing by a trailing slash',
      () => sign(key, accessClaims({ iss: `${ISSUER}/` })),
      'TOKEN_WRONG_ISSUER',
    ],
    [
      'another client',
      () => sign(key, accessClaims({ client_id: 'someone-else' })),
      'TOKEN_WRONG_AUDIENCE',
    ],
    [
      'an access token carrying the client only in aud',
      () => sign(key, accessClaims({ client_id: undefined, aud: CLIENT_ID })),
      'TOKEN_WRONG_AUDIENCE',
    ],
    [
      'an id token where access tokens are expected',
      () => sign(key, idClaims()),
      'TOKEN_WRONG_USE',
    ],
    [
      'a token signed by a foreign key under a known kid',
      () => sign(foreign, accessClaims()),
      'TOKEN_INVALID',
    ],
    ['a token with an unknown kid', () => sign(key, accessClaims(), 'key-404'), 'TOKEN_INVALID'],
    ['a token without sub', () => sign(key, accessClaims({ sub: undefined })), 'TOKEN_INVALID'],
    ['a token with an empty sub', () => sign(key, accessClaims({ sub: '' })), 'TOKEN_INVALID'],
    ['a token without exp', () => sign(key, accessClaims({ exp: undefined })), 'TOKEN_INVALID'],
    [
      'an unsigned token (alg none)',
      async () => `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url(accessClaims())}.`,
      'TOKEN_INVALID',
    ],
    [
      'an HS256 token keyed with the public key',
      async () => {
        const input = `${base64url({ alg: 'HS256', kid: key.kid })}.${base64url(accessClaims())}`;
        const mac = createHmac('sha256', key.publicPem).update(input).digest('base64url');
        return `${input}.${mac}`;
      },
      'TOKEN_INVALID',
    ],
    [
      'a token whose payload was edited after signing',
      async () => {
        const [header, , signature] = (await sign(key, accessClaims())).split('.');
        return `${header}.${base64url(accessClaims({ sub: 'someone-else' }))}.${signature}`;
      },
      'TOKEN_INVALID',
    ],
    ['garbage', async () => 'not-a-jwt', 'TOKEN_INVALID'],
    ['three dots of garbage', async () => 'a.b.c', 'TOKEN_INVALID'],
    ['an empty string', async () => '', 'UNAUTHORIZED'],
  ])('rejects %s', async (_name, makeToken, code) => {
    const token = await makeToken();

    const failure = verifier().verify(token);

    await expect(failure).rejects.toMatchObject({ code, status: 401 });
    await failure.catch((error: Error) => expect(error.message).not.toContain(token || '\u0000'));
  });

  it('rejects an access token when configured for id tokens, and the reverse', async () => {
    await expect(
      verifier({ tokenUse: 'id' }).verify(await sign(key, accessClaims())),
    ).rejects.toMatchObject({ code: 'TOKEN_WRONG_USE' });
    await expect(
      verifier({ tokenUse: 'id' }).verify(
        await sign(key, idClaims({ aud: 'someone-else', token_use: undefined })),
      ),
    ).rejects.toMatchObject({ code: 'TOKEN_WRONG_AUDIENCE' });
  });
});

/** A JWKS endpoint whose keys and health the test controls, counting its requests. */
interface JwksServer {
  readonly url: string;
  keys: JWK[];
  status: number;
  body?: string;
  requests: number;
  close(): Promise<void>;
}

async function startJwksServer(keys: JWK[]): Promise<JwksServer> {
  const state = { keys, status: 200, body: undefined as string | undefined, requests: 0 };
  const server: Server = createServer((request, response) => {
    state.requests += 1;
    response.writeHead(state.status, { 'content-type': 'application/json' });
    response.end(state.body ?? JSON.stringify({ keys: state.keys }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(state, {
    url: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}

describe('createJwtVerifier with a remote key set', () => {
  let first: SigningKey;
  let second: SigningKey;
  let jwks: JwksServer;
  let clock: ManualClock;

  beforeAll(async () => {
    [first, second] = await Promise.all([signingKey('first'), signingKey('second')]);
  });

  beforeEach(async () => {
    jwks = await startJwksServer([first.publicJwk]);
    clock = createManualClock(START);
  });

  afterEach(async () => {
    await jwks.close();
  });

  function remoteVerifier(options: Partial<JwtVerifierOptions> = {}) {
    return createJwtVerifier({
      issuer: ISSUER,
      audience: CLIENT_ID,
      jwksUrl: jwks.url,
      clock,
      ...options,
    });
  }

  it('fetches the keys once and serves later tokens from its cache', async () => {
    const verifier = remoteVerifier();

    await verifier.verify(await sign(first, accessClaims()));
    await verifier.verify(await sign(first, accessClaims({ sub: 'another-user' })));

    expect(jwks.requests).toBe(1);
  });

  it('never fetches keys for a token of another issuer or algorithm', async () => {
    const verifier = remoteVerifier();

    await expect(
      verifier.verify(await sign(first, accessClaims({ iss: 'https://evil.example' }))),
    ).rejects.toMatchObject({ code: 'TOKEN_WRONG_ISSUER' });
    await expect(
      verifier.verify(`${base64url({ alg: 'none' })}.${base64url(accessClaims())}.`),
    ).rejects.toMatchObject({ code: 'TOKEN_INVALID' });

    expect(jwks.requests).toBe(0);
  });

  it('refetches when a token names a new kid (key rotation), then rejects a kid still unknown', async () => {
    const verifier = remoteVerifier({ jwksCooldownMs: 0 });
    await verifier.verify(await sign(first, accessClaims()));

    jwks.keys = [first.publicJwk, second.publicJwk];
    const rotated = await verifier.verify(await sign(second, accessClaims()));
    const unknown = verifier.verify(await sign(second, accessClaims(), 'third'));

    expect(rotated.sub).toBe('a1b2c3d4-0000-4000-8000-000000000001');
    await expect(unknown).rejects.toMatchObject({ code: 'TOKEN_INVALID', status: 401 });
    expect(jwks.requests).toBe(3);
  });

  it('does not refetch for unknown kids during the cooldown', async () => {
    const verifier = remoteVerifier({ jwksCooldownMs: 60_000 });
    await verifier.verify(await sign(first, accessClaims()));

    for (const kid of ['x', 'y', 'z']) {
      await expect(verifier.verify(await sign(second, accessClaims(), kid))).rejects.toMatchObject({
        code: 'TOKEN_INVALID',
      });
    }

    expect(jwks.requests).toBe(1);
  });

  it('answers 503 AUTH_UNAVAILABLE when the JWKS endpoint fails or is unreachable', async () => {
    const token = await sign(first, accessClaims());

    jwks.status = 500;
    await expect(remoteVerifier().verify(token)).rejects.toMatchObject({
      code: 'AUTH_UNAVAILABLE',
      status: 503,
    });

    jwks.status = 200;
    jwks.body = '<html>not a key set</html>';
    await expect(remoteVerifier().verify(token)).rejects.toMatchObject({
      code: 'AUTH_UNAVAILABLE',
      status: 503,
    });

    const closedUrl = jwks.url;
    await jwks.close();
    await expect(remoteVerifier({ jwksUrl: closedUrl }).verify(token)).rejects.toMatchObject({
      code: 'AUTH_UNAVAILABLE',
      status: 503,
    });
  });

  it('defaults the JWKS URL to <issuer>/.well-known/jwks.json', async () => {
    const issuer = jwks.url.replace('/.well-known/jwks.json', '');
    const verifier = createJwtVerifier({ issuer, audience: CLIENT_ID, clock });

    const principal = await verifier.verify(await sign(first, accessClaims({ iss: issuer })));

    expect(principal.username).toBe('ada');
    expect(jwks.requests).toBe(1);
  });
});
