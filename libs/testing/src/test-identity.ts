import { createHmac, generateKeyPairSync, type KeyObject } from 'node:crypto';

import {
  createJwtVerifier,
  type JsonWebKeySet,
  type TokenUse,
  type TokenVerifier,
} from '@lgm/auth';
import { type Clock, systemClock } from '@lgm/core';
import { SignJWT } from 'jose';

/** How a test token is signed: properly, or in one of the ways an attacker would try. */
export type TestTokenSignature =
  /** The identity's own key (listed in `jwks`). */
  | 'valid'
  /** A key the verifier has never seen, under the identity's `kid`. */
  | 'foreign-key'
  /** `alg: none` and an empty signature. */
  | 'alg-none'
  /** HS256 with the identity's public key (PEM) as the HMAC secret. */
  | 'hs256-public-key';

export interface TestTokenOverrides {
  /** `iss`; default the identity's issuer. */
  readonly issuer?: string;
  /** The client the token is for (`client_id` of access tokens, `aud` of id tokens). */
  readonly audience?: string;
  /** `token_use`; default the identity's token use. */
  readonly tokenUse?: string;
  /** `exp` relative to the clock's now: negative for an expired token (default 3600). */
  readonly expiresInSeconds?: number;
  /** `nbf` relative to now, when the token should not be valid yet. */
  readonly notBeforeInSeconds?: number;
  readonly username?: string;
  readonly email?: string;
  readonly groups?: readonly string[];
  readonly scope?: string;
  /** The JWS header's `kid` (default the identity's key id). */
  readonly kid?: string;
  readonly signature?: TestTokenSignature;
  /** Claims set last: add any claim, or remove one by setting it to `undefined` (e.g. `sub`). */
  readonly claims?: Readonly<Record<string, unknown>>;
}

export interface TestIdentityOptions {
  readonly issuer?: string;
  readonly audience?: string;
  /** What the verifier accepts and tokens are by default (default `access`). */
  readonly tokenUse?: TokenUse;
  /** Time for `iat`/`exp` and for the verifier (default the system clock). */
  readonly clock?: Clock;
}

/** An identity provider in memory: a key pair, its JWKS and the production verifier over it. */
export interface TestIdentity {
  readonly issuer: string;
  readonly audience: string;
  readonly tokenUse: TokenUse;
  /** The public key set, as a JWKS endpoint would serve it. */
  readonly jwks: JsonWebKeySet;
  /** `createJwtVerifier` from libs/auth over `jwks`: the same checks services run. */
  readonly verifier: TokenVerifier;
  /** A token for `sub`, valid unless `overrides` break it. */
  tokenFor(sub: string, overrides?: TestTokenOverrides): Promise<string>;
}

const KEY_ID = 'lgm-test-key';

/**
 * An identity provider for app tests, with no network: tokens shaped like Cognito's, signed with
 * an in-memory RS256 key, and the real verifier. Overrides produce every kind of bad token.
 *
 * @example
 * const identity = createTestIdentity();
 * const app = buildApp({ ...deps, verifier: identity.verifier });
 * const response = await app.inject({ url: '/sessions', headers: authHeader(await identity.tokenFor('user-a')) });
 * await identity.tokenFor('user-a', { expiresInSeconds: -60 }); // → 401 TOKEN_EXPIRED
 */
export function createTestIdentity(options: TestIdentityOptions = {}): TestIdentity {
  const issuer = options.issuer ?? 'https://identity.lgm.test/pool';
  const audience = options.audience ?? 'lgm-test-client';
  const tokenUse = options.tokenUse ?? 'access';
  const clock = options.clock ?? systemClock;
  const own = rsaKeyPair();
  let foreign: KeyObject | undefined;
  const jwks: JsonWebKeySet = {
    keys: [{ ...own.publicKey.export({ format: 'jwk' }), kid: KEY_ID, alg: 'RS256', use: 'sig' }],
  };
  const verifier = createJwtVerifier({ issuer, audience, tokenUse, jwks, clock });

  return {
    issuer,
    audience,
    tokenUse,
    jwks,
    verifier,
    async tokenFor(sub, overrides = {}) {
      const now = Math.floor(clock.now().getTime() / 1000);
      const use = overrides.tokenUse ?? tokenUse;
      const client = overrides.audience ?? audience;
      const username = overrides.username ?? sub;
      const claims: Record<string, unknown> = {
        iss: overrides.issuer ?? issuer,
        sub,
        token_use: use,
        iat: now,
        exp: now + (overrides.expiresInSeconds ?? 3600),
        jti: `${sub}-${now}-${Math.random().toString(36).slice(2)}`,
        ...(use === 'id'
          ? {
              aud: client,
              'cognito:username': username,
              email: overrides.email ?? `${username}@example.com`,
            }
          : { client_id: client, username, scope: overrides.scope ?? 'openid email profile' }),
        ...(overrides.notBeforeInSeconds === undefined
          ? {}
          : { nbf: now + overrides.notBeforeInSeconds }),
        ...(overrides.groups === undefined ? {} : { 'cognito:groups': [...overrides.groups] }),
        ...overrides.claims,
      };
      for (const [name, value] of Object.entries(claims)) {
        if (value === undefined) delete claims[name];
      }
      const kid = overrides.kid ?? KEY_ID;

      switch (overrides.signature ?? 'valid') {
        case 'valid':
          return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid }).sign(own.privateKey);
        case 'foreign-key':
          foreign ??= rsaKeyPair().privateKey;
          return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid }).sign(foreign);
        case 'alg-none':
          return `${encode({ alg: 'none', typ: 'JWT' })}.${encode(claims)}.`;
        case 'hs256-public-key': {
          const input = `${encode({ alg: 'HS256', typ: 'JWT', kid })}.${encode(claims)}`;
          const secret = own.publicKey.export({ format: 'pem', type: 'spki' });
          return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
        }
      }
    },
  };
}

/** Headers carrying `token` the way browsers send it. */
export function authHeader(token: string): { authorization: string } {
  return { authorization: `Bearer ${token}` };
}

function rsaKeyPair(): { publicKey: KeyObject; privateKey: KeyObject } {
  return generateKeyPairSync('rsa', { modulusLength: 2048 });
}

function encode(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}
