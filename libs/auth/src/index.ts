export { type AuthConfig, authConfigShape, createVerifierFromConfig } from './auth-config';
export { bearerToken } from './bearer-token';
export { type AuthenticationOptions, registerAuthentication } from './fastify-authentication';
export {
  AUTH_ERROR_CODES,
  createJwtVerifier,
  type JsonWebKeySet,
  type JwtVerifierOptions,
  TOKEN_USES,
  type TokenUse,
} from './jwt-verifier';
export { assertOwner } from './ownership';
export type { Principal, TokenVerifier } from './principal';
