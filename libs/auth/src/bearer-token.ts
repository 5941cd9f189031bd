import { UnauthorizedError } from '@lgm/core';

/**
 * RFC 6750 §2.1: `Bearer` (any case), one or more spaces, then a b64token. A JWT is three
 * base64url parts joined by dots, which this admits.
 */
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i;

/**
 * The token of an `Authorization: Bearer <token>` header. Anything else — no header, an empty
 * one, another scheme, a header sent twice, stray characters — is a 401 `UNAUTHORIZED`.
 *
 * @example
 * const token = bearerToken(request.headers.authorization);
 */
export function bearerToken(headerValue: string | readonly string[] | undefined): string {
  if (headerValue === undefined || headerValue === '') {
    throw new UnauthorizedError('Authentication is required.');
  }
  const match = typeof headerValue === 'string' ? BEARER.exec(headerValue) : null;
  if (match?.[1] === undefined) {
    throw new UnauthorizedError("The Authorization header must be 'Bearer <token>'.");
  }
  return match[1];
}
