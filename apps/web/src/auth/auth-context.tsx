import {
  createContext,
  type JSX,
  type ReactNode,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useRef,
  useState,
} from 'react';

import type { AuthClient, AuthUser } from './auth-client';

export type AuthState =
  | { readonly status: 'loading' }
  /** The runtime configuration has no `auth` section. */
  | { readonly status: 'unconfigured' }
  | { readonly status: 'signed-out'; readonly expired?: boolean }
  | { readonly status: 'signed-in'; readonly user: AuthUser };

export interface AuthContextValue {
  readonly state: AuthState;
  signIn(returnTo?: string): Promise<void>;
  signOut(): Promise<void>;
  /** Finishes the redirect back from the issuer. */
  completeSignIn(url: string): Promise<{ returnTo: string }>;
  /** The current access token; renews it first when it has expired. */
  getAccessToken(): Promise<string | null>;
  /** After a 401: renew silently; false means the user must sign in again. */
  recoverFromUnauthorized(): Promise<boolean>;
}

const AuthContext = createContext<AuthContextValue | undefined>(undefined);

/** Seconds of validity under which a token counts as expired (clock skew, request time). */
const EXPIRY_MARGIN_SECONDS = 15;

export function AuthProvider({
  client,
  now = () => Date.now(),
  children,
}: {
  client: AuthClient | null;
  now?: () => number;
  children: ReactNode;
}): JSX.Element {
  const [state, setState] = useState<AuthState>(
    client ? { status: 'loading' } : { status: 'unconfigured' },
  );
  const userRef = useRef<AuthUser | null>(null);

  const apply = useCallback((user: AuthUser | null, expired = false) => {
    userRef.current = user;
    setState(user ? { status: 'signed-in', user } : { status: 'signed-out', expired });
  }, []);

  useEffect(() => {
    if (!client) return undefined;
    let active = true;
    client.getUser().then(
      (user) => active && apply(user),
      () => active && apply(null),
    );
    const unsubscribe = client.subscribe((user) => {
      // A user that disappears while signed in has expired (renewal failed) or signed out elsewhere.
      if (active) apply(user, user === null && userRef.current !== null);
    });
    return () => {
      active = false;
      unsubscribe();
    };
  }, [client, apply]);

  const renew = useCallback(async (): Promise<AuthUser | null> => {
    if (!client) return null;
    const user = await client.renew();
    apply(user, user === null);
    return user;
  }, [client, apply]);

  const getAccessToken = useCallback(async (): Promise<string | null> => {
    const user = userRef.current;
    if (!user) return null;
    const expiresAt = user.expiresAt;
    if (expiresAt !== undefined && expiresAt * 1000 - EXPIRY_MARGIN_SECONDS * 1000 < now()) {
      return (await renew())?.accessToken ?? null;
    }
    return user.accessToken;
  }, [renew, now]);

  const value = useMemo<AuthContextValue>(
    () => ({
      state,
      async signIn(returnTo) {
        await client?.signIn(returnTo ?? currentPath());
      },
      async signOut() {
        userRef.current = null;
        setState({ status: 'signed-out' });
        await client?.signOut();
      },
      async completeSignIn(url) {
        if (!client) return { returnTo: '/' };
        const result = await client.completeSignIn(url);
        apply(await client.getUser());
        return result;
      },
      getAccessToken,
      recoverFromUnauthorized: async () => (await renew()) !== null,
    }),
    [state, client, apply, getAccessToken, renew],
  );
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

function currentPath(): string {
  return `${window.location.pathname}${window.location.search}`;
}

export function useAuth(): AuthContextValue {
  const value = useContext(AuthContext);
  if (!value) throw new Error('useAuth needs an AuthProvider');
  return value;
}
