import type { AuthConfig } from '../runtime-config';

/** The signed-in user as the UI needs it. */
export interface AuthUser {
  readonly sub: string;
  readonly name?: string;
  readonly email?: string;
  readonly accessToken: string;
  /** Seconds since the epoch. */
  readonly expiresAt?: number;
}

/**
 * Sign-in as the app uses it. The browser implementation wraps oidc-client-ts; tests pass a fake.
 */
export interface AuthClient {
  /** The stored user if their token is still valid, else null. */
  getUser(): Promise<AuthUser | null>;
  /** Redirects to the issuer; after sign-in the app returns to `returnTo`. */
  signIn(returnTo: string): Promise<void>;
  /** Finishes a sign-in (or silent renewal) from the callback URL; returns where to go next. */
  completeSignIn(url: string): Promise<{ returnTo: string }>;
  /** Tries to get a fresh token without user interaction (refresh token, or a hidden iframe). */
  renew(): Promise<AuthUser | null>;
  /** Forgets the tokens and ends the session at the issuer. */
  signOut(): Promise<void>;
  /** Called whenever the user changes (signed in, renewed, signed out, expired). */
  subscribe(listener: (user: AuthUser | null) => void): () => void;
}

/**
 * The oidc-client-ts implementation: authorization code flow with PKCE (the library's default
 * `response_type: 'code'` generates the verifier and challenge), automatic silent renewal before
 * the access token expires, and RP-initiated sign-out.
 *
 * Tokens are kept in sessionStorage, not localStorage: they stay with the tab that signed in and
 * disappear when it closes, are never shared with other tabs or left on disk for days, yet
 * survive a reload (an in-memory store would send the user through the issuer on every reload).
 * Script running in the page could read either storage; the defence against that is that the app
 * never renders HTML from the model or documents, and the CSP the deployment sets.
 */
export async function createOidcAuthClient(
  config: AuthConfig,
  origin: string = window.location.origin,
): Promise<AuthClient> {
  // Loaded on demand so the sign-in library is not part of the initial bundle.
  const { UserManager, WebStorageStateStore } = await import('oidc-client-ts');
  const redirectUri = new URL(config.redirectPath, origin).toString();
  const manager = new UserManager({
    authority: config.authority,
    client_id: config.clientId,
    redirect_uri: redirectUri,
    // Silent renewal without a refresh token loads the same callback route in a hidden iframe.
    silent_redirect_uri: redirectUri,
    post_logout_redirect_uri: new URL('/', origin).toString(),
    response_type: 'code',
    scope: config.scope,
    automaticSilentRenew: true,
    userStore: new WebStorageStateStore({ store: window.sessionStorage }),
    stateStore: new WebStorageStateStore({ store: window.sessionStorage }),
    // Cognito has no check_session_iframe; polling it would only produce errors.
    monitorSession: false,
  });

  type OidcUser = NonNullable<Awaited<ReturnType<typeof manager.getUser>>>;
  const toAuthUser = (user: OidcUser | null): AuthUser | null => {
    if (!user || user.expired) return null;
    const profile = user.profile;
    const cognitoUsername = profile['cognito:username'];
    return {
      sub: profile.sub,
      name:
        profile.name ??
        profile.preferred_username ??
        (typeof cognitoUsername === 'string' ? cognitoUsername : undefined),
      email: profile.email,
      accessToken: user.access_token,
      expiresAt: user.expires_at,
    };
  };

  return {
    getUser: async () => toAuthUser(await manager.getUser()),
    async signIn(returnTo) {
      await manager.signinRedirect({ state: { returnTo } });
    },
    async completeSignIn(url) {
      const user = await manager.signinCallback(url);
      const state = user?.state as { returnTo?: unknown } | undefined;
      return { returnTo: safeReturnPath(state?.returnTo) };
    },
    async renew() {
      try {
        return toAuthUser(await manager.signinSilent());
      } catch {
        return null;
      }
    },
    async signOut() {
      const user = await manager.getUser();
      await manager.removeUser();
      if (config.signOutUrl !== undefined) {
        window.location.assign(cognitoLogoutUrl(config.signOutUrl, config.clientId, origin));
        return;
      }
      try {
        await manager.signoutRedirect({ id_token_hint: user?.id_token });
      } catch {
        // An issuer without an end-session endpoint: forgetting the tokens is sign-out enough.
        window.location.assign('/');
      }
    },
    subscribe(listener) {
      const loaded = (user: OidcUser) => listener(toAuthUser(user));
      const unloaded = () => listener(null);
      manager.events.addUserLoaded(loaded);
      manager.events.addUserUnloaded(unloaded);
      manager.events.addAccessTokenExpired(unloaded);
      manager.events.addUserSignedOut(unloaded);
      return () => {
        manager.events.removeUserLoaded(loaded);
        manager.events.removeUserUnloaded(unloaded);
        manager.events.removeAccessTokenExpired(unloaded);
        manager.events.removeUserSignedOut(unloaded);
      };
    },
  };
}

/** Only a path on this origin is a place to return to after sign-in (no open redirect). */
export function safeReturnPath(value: unknown): string {
  if (typeof value !== 'string' || !/^\/(?![/\\])/.test(value)) return '/chat';
  if (value.startsWith('/auth/')) return '/chat';
  return value;
}

/**
 * Cognito's logout endpoint ends the hosted-UI session and sends the browser back to
 * `logout_uri`, which must be one of the app client's sign-out URLs (the web origin + `/`).
 */
export function cognitoLogoutUrl(signOutUrl: string, clientId: string, origin: string): string {
  const url = new URL(signOutUrl);
  url.searchParams.set('client_id', clientId);
  url.searchParams.set('logout_uri', new URL('/', origin).toString());
  return url.toString();
}
