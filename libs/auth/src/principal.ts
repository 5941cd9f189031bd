/** Who is calling, from a verified token. `sub` is the owner id of everything the user has. */
export interface Principal {
  /** The token's subject (Cognito's user id); owner id of the user's data. */
  readonly sub: string;
  readonly username?: string;
  readonly email?: string;
  /** Cognito groups or the dev issuer's roles. */
  readonly groups: readonly string[];
  /** OAuth scopes of an access token (`scope`, space-separated on the wire); absent otherwise. */
  readonly scopes?: readonly string[];
  /** When the token expires (epoch seconds). */
  readonly expiresAt: number;
}

/** Verifies a bearer token; throws `UnauthorizedError` (401, a stable code) when it is not valid. */
export interface TokenVerifier {
  verify(token: string): Promise<Principal>;
}
