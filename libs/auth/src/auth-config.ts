import type { Clock } from '@lgm/core';
import * as z from 'zod';

import { createJwtVerifier, TOKEN_USES, type TokenUse } from './jwt-verifier';
import type { TokenVerifier } from './principal';

const httpUrl = z.url({ protocol: /^https?$/ });

/**
 * The authentication settings of every service that accepts user tokens; spread into the app's
 * config schema (`baseConfigSchema.extend({ ...authConfigShape, ... })`).
 */
export const authConfigShape = {
  /** Exact `iss` of accepted tokens (Cognito: `https://cognito-idp.<region>.amazonaws.com/<pool>`). */
  AUTH_ISSUER: httpUrl,
  /** The app client id the tokens must be issued to. */
  AUTH_AUDIENCE: z.string().trim().min(1),
  /** Where the signing keys are; default `<AUTH_ISSUER>/.well-known/jwks.json`. */
  AUTH_JWKS_URL: z.preprocess((value) => (value === '' ? undefined : value), httpUrl.optional()),
  /** `access` (Cognito access tokens; the default) or `id`. */
  AUTH_TOKEN_USE: z.enum(TOKEN_USES as [TokenUse, ...TokenUse[]]).default('access'),
};

export type AuthConfig = z.output<z.ZodObject<typeof authConfigShape>>;

/** The verifier a service's composition root builds from its parsed config. */
export function createVerifierFromConfig(
  config: AuthConfig,
  options: { readonly clock?: Clock } = {},
): TokenVerifier {
  return createJwtVerifier({
    issuer: config.AUTH_ISSUER,
    audience: config.AUTH_AUDIENCE,
    tokenUse: config.AUTH_TOKEN_USE,
    ...(config.AUTH_JWKS_URL === undefined ? {} : { jwksUrl: config.AUTH_JWKS_URL }),
    ...(options.clock === undefined ? {} : { clock: options.clock }),
  });
}
