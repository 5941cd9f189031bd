import { type Clock, ServiceUnavailableError, systemClock, UnauthorizedError } from '@lgm/core';
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  errors,
  type JSONWebKeySet,
  type JWTPayload,
  jwtVerify,
  type JWTVerifyGetKey,
} from 'jose';

import type { Principal, TokenVerifier } from './principal';

/** Which token the service accepts: Cognito's access token (APIs) or its id token. */
export type TokenUse = 'access' | 'id';

export const TOKEN_USES: readonly TokenUse[] = ['access', 'id'];

/** A JSON Web Key Set as served at `jwks_uri`. */
export type JsonWebKeySet = JSONWebKeySet;

/** The stable codes a rejected token is reported with (HTTP 401), plus `AUTH_UNAVAILABLE` (503). */
export const AUTH_ERROR_CODES = {
  missing: 'UNAUTHORIZED',
  invalid: 'TOKEN_INVALID',
  expired: 'TOKEN_EXPIRED',
  wrongAudience: 'TOKEN_WRONG_AUDIENCE',
  wrongIssuer: 'TOKEN_WRONG_ISSUER',
  wrongUse: 'TOKEN_WRONG_USE',
  unavailable: 'AUTH_UNAVAILABLE',
} as const;

/**
 * Only the asymmetric algorithms Cognito and the dev issuer sign with. Refusing everything else
 * closes the `alg: none` and "HS256 keyed with the public key" attacks before any key is looked up.
 */
const ALLOWED_ALGORITHMS = ['RS256', 'ES256'] as const;

/** Seconds of disagreement between our clock and the issuer's that `exp`/`nbf` forgive. */
const DEFAULT_CLOCK_TOLERANCE_SECONDS = 30;

export interface JwtVerifierOptions {
  /** Exact `iss` the tokens carry, e.g. `https://cognito-idp.<region>.amazonaws.com/<poolId>`. */
  readonly issuer: string;
  /** The app client id: `client_id` of access tokens, `aud` of id tokens. */
  readonly audience: string;
  /** Where the signing keys are published; default `<issuer>/.well-known/jwks.json`. */
  readonly jwksUrl?: string;
  /** Which token the service accepts (default `access`). */
  readonly tokenUse?: TokenUse;
  /** Time source for `exp`/`nbf` (tests move it). */
  readonly clock?: Clock;
  /** A fixed key set instead of fetching `jwksUrl` (tests, or keys baked into config). */
  readonly jwks?: JsonWebKeySet;
  /** Seconds of clock skew forgiven on `exp` and `nbf` (default 30). */
  readonly clockToleranceSeconds?: number;
  /** Abort a JWKS request after this many milliseconds (default 5000). */
  readonly jwksTimeoutMs?: number;
  /**
   * After a successful JWKS fetch, a token with an unknown `kid` does not trigger another fetch for
   * this long (default 30000): forged `kid`s cannot make us hammer the issuer.
   */
  readonly jwksCooldownMs?: number;
  /** Keys are refetched when older than this (default 600000, ten minutes). */
  readonly jwksCacheMaxAgeMs?: number;
}

/** Thrown from the key resolver so a JWKS outage is told apart from a bad token. */
class KeySourceUnavailable extends Error {}

/**
 * A {@link TokenVerifier} for JWTs from Cognito or the dev OIDC issuer. Checks, in order: the
 * header's `alg` (RS256/ES256 only), `iss` (exactly), the signature against the JWKS (cached;
 * an unknown `kid` refetches once per cooldown), `exp`/`nbf` with 30 s of skew, `sub`,
 * `token_use` when present, and the audience in the claim the token use defines (`client_id` for
 * access tokens, `aud` for id tokens). Failures become `UnauthorizedError` with a stable code; an
 * unreachable JWKS becomes a 503 `AUTH_UNAVAILABLE`. Tokens never reach logs or error messages.
 *
 * @example
 * const verifier = createJwtVerifier({ issuer: config.AUTH_ISSUER, audience: config.AUTH_AUDIENCE });
 * const principal = await verifier.verify(bearerToken(request.headers.authorization));
 */
export function createJwtVerifier(options: JwtVerifierOptions): TokenVerifier {
  const issuer = options.issuer;
  const audience = options.audience;
  const tokenUse = options.tokenUse ?? 'access';
  const clock = options.clock ?? systemClock;
  const clockTolerance = options.clockToleranceSeconds ?? DEFAULT_CLOCK_TOLERANCE_SECONDS;
  if (issuer.length === 0) throw new TypeError('createJwtVerifier: issuer must not be empty');
  if (audience.length === 0) throw new TypeError('createJwtVerifier: audience must not be empty');
  const getKey = keyResolver(options);

  return {
    async verify(token: string): Promise<Principal> {
      if (typeof token !== 'string' || token.length === 0) throw unauthorized('missing');
      precheck(token, issuer);

      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, getKey, {
          issuer,
          algorithms: [...ALLOWED_ALGORITHMS],
          clockTolerance,
          currentDate: clock.now(),
          requiredClaims: ['sub', 'exp'],
        }));
      } catch (error) {
        throw translate(error);
      }

      const use = payload['token_use'];
      if (use !== undefined && use !== tokenUse) throw unauthorized('wrongUse');
      if (!hasAudience(payload, tokenUse, audience)) throw unauthorized('wrongAudience');
      return toPrincipal(payload);
    },
  };
}

function keyResolver(options: JwtVerifierOptions): JWTVerifyGetKey {
  if (options.jwks !== undefined) return createLocalJWKSet(options.jwks);
  const url = new URL(
    options.jwksUrl ?? `${options.issuer.replace(/\/+$/, '')}/.well-known/jwks.json`,
  );
  const remote = createRemoteJWKSet(url, {
    timeoutDuration: options.jwksTimeoutMs ?? 5000,
    cooldownDuration: options.jwksCooldownMs ?? 30_000,
    cacheMaxAge: options.jwksCacheMaxAgeMs ?? 600_000,
  });
  return async (header, token) => {
    try {
      return await remote(header, token);
    } catch (error) {
      // A key that is not in a (freshly fetched) set is the token's fault; anything else — no
      // answer, a non-200, a body that is not a key set — is the issuer's.
      if (
        error instanceof errors.JWKSNoMatchingKey ||
        error instanceof errors.JWKSMultipleMatchingKeys ||
        error instanceof errors.JOSEAlgNotAllowed ||
        error instanceof errors.JOSENotSupported
      ) {
        throw error;
      }
      throw new KeySourceUnavailable('JWKS unavailable', { cause: error });
    }
  };
}

/**
 * Cheap checks on the unverified token before any key is looked up, so tokens that can never
 * pass (another algorithm, another issuer) cost no JWKS request.
 */
function precheck(token: string, issuer: string): void {
  let alg: unknown;
  let iss: unknown;
  try {
    alg = decodeProtectedHeader(token).alg;
    iss = decodeJwt(token).iss;
  } catch {
    throw unauthorized('invalid');
  }
  if (typeof alg !== 'string' || !(ALLOWED_ALGORITHMS as readonly string[]).includes(alg)) {
    throw unauthorized('invalid');
  }
  if (iss !== issuer) throw unauthorized('wrongIssuer');
}

function hasAudience(payload: JWTPayload, tokenUse: TokenUse, audience: string): boolean {
  if (tokenUse === 'access') return payload['client_id'] === audience;
  const aud = payload.aud;
  return aud === audience || (Array.isArray(aud) && aud.includes(audience));
}

function toPrincipal(payload: JWTPayload): Principal {
  const sub = payload.sub;
  if (typeof sub !== 'string' || sub.length === 0) throw unauthorized('invalid');
  const username = firstString(
    payload['username'],
    payload['cognito:username'],
    payload['preferred_username'],
  );
  const email = firstString(payload['email']);
  const scope = payload['scope'];
  return {
    sub,
    ...(username === undefined ? {} : { username }),
    ...(email === undefined ? {} : { email }),
    groups: stringList(payload['cognito:groups']) ?? stringList(payload['groups']) ?? [],
    ...(typeof scope === 'string' ? { scopes: scope.split(' ').filter(Boolean) } : {}),
    expiresAt: payload.exp ?? 0,
  };
}

function firstString(...values: unknown[]): string | undefined {
  return values.find((value): value is string => typeof value === 'string' && value.length > 0);
}

function stringList(value: unknown): string[] | undefined {
  return Array.isArray(value) && value.every((item) => typeof item === 'string')
    ? [...value]
    : undefined;
}

function translate(error: unknown): Error {
  if (error instanceof KeySourceUnavailable) return unavailable(error.cause);
  if (error instanceof errors.JWTExpired) return unauthorized('expired');
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'iss') return unauthorized('wrongIssuer');
    return unauthorized('invalid');
  }
  return unauthorized('invalid');
}

const MESSAGES: Record<Exclude<keyof typeof AUTH_ERROR_CODES, 'unavailable'>, string> = {
  missing: 'Authentication is required.',
  invalid: 'The access token is not valid.',
  expired: 'The access token has expired.',
  wrongAudience: 'The access token was issued for another client.',
  wrongIssuer: 'The access token was issued by another identity provider.',
  wrongUse: 'The token is not of the kind this service accepts.',
};

function unauthorized(kind: keyof typeof MESSAGES): UnauthorizedError {
  return new UnauthorizedError(MESSAGES[kind], { code: AUTH_ERROR_CODES[kind] });
}

function unavailable(cause: unknown): ServiceUnavailableError {
  return new ServiceUnavailableError('The identity provider cannot be reached; try again.', {
    code: AUTH_ERROR_CODES.unavailable,
    cause,
  });
}
