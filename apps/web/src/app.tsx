import { type JSX, useEffect, useMemo, useRef, useState } from 'react';

import { ApiClient } from './api/api-client';
import { ServicesProvider } from './app/services';
import type { AuthClient } from './auth/auth-client';
import { AuthProvider, useAuth } from './auth/auth-context';
import { AuthCallbackPage } from './auth/callback-page';
import { ChatStore } from './chat/chat-store';
import { type UploadTransport, xhrUploadTransport } from './documents/upload-transport';
import type { FetchLike } from './fetch-like';
import { useI18n } from './i18n/i18n';
import {
  browserHistory,
  matchRoute,
  paths,
  Router,
  type RouterHistory,
  useRouter,
} from './router/router';
import {
  type AuthConfig,
  loadRuntimeConfig,
  type RuntimeConfig,
  type RuntimeConfigResult,
} from './runtime-config';
import { AppShell } from './shell/app-shell';
import { LandingPage } from './shell/landing-page';
import { ChatSocket, type WebSocketFactory } from './socket/chat-socket';
import { LoadingState } from './ui/states';
import { ToastProvider } from './ui/toast';

export interface AppProps {
  /** Every HTTP request the app makes goes through this function. */
  readonly fetchFn: FetchLike;
  /** Where the runtime configuration is served; `/config.json` by default. */
  readonly configUrl?: string;
  readonly history?: RouterHistory;
  /** Builds the sign-in client from the configuration (oidc-client-ts in the browser). */
  readonly createAuthClient?: (config: AuthConfig) => Promise<AuthClient>;
  readonly createSocket?: WebSocketFactory;
  readonly uploadTransport?: UploadTransport;
  /** A new clientMessageId for each message sent. */
  readonly newId?: () => string;
}

async function defaultAuthClient(config: AuthConfig): Promise<AuthClient> {
  const { createOidcAuthClient } = await import('./auth/auth-client');
  return createOidcAuthClient(config);
}

function randomId(): string {
  if (typeof crypto !== 'undefined' && typeof crypto.randomUUID === 'function') {
    return crypto.randomUUID();
  }
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 12)}`;
}

type Boot =
  | { readonly phase: 'loading' }
  | { readonly phase: 'ready'; readonly config: RuntimeConfig; readonly auth: AuthClient | null }
  | { readonly phase: 'failed'; readonly result?: Extract<RuntimeConfigResult, { ok: false }> };

/**
 * The application: loads `/config.json`, sets up sign-in, then shows the landing page to
 * visitors and the workspace to signed-in users. Preferences (language, theme) wrap it in main.tsx.
 */
export function App(props: AppProps): JSX.Element {
  const history = useMemo(() => props.history ?? browserHistory(), [props.history]);
  return (
    <ToastProvider>
      <Router history={history}>
        <Bootstrap {...props} />
      </Router>
    </ToastProvider>
  );
}

function Bootstrap(props: AppProps): JSX.Element {
  const { fetchFn, configUrl, createAuthClient = defaultAuthClient } = props;
  const { t } = useI18n();
  const [boot, setBoot] = useState<Boot>({ phase: 'loading' });

  useEffect(() => {
    const controller = new AbortController();
    (async () => {
      const result = await loadRuntimeConfig(fetchFn, {
        url: configUrl,
        signal: controller.signal,
      });
      if (!result.ok) {
        setBoot({ phase: 'failed', result });
        return;
      }
      const auth = result.config.auth ? await createAuthClient(result.config.auth) : null;
      if (!controller.signal.aborted) setBoot({ phase: 'ready', config: result.config, auth });
    })().catch(() => {
      if (!controller.signal.aborted) setBoot({ phase: 'failed' });
    });
    return () => controller.abort();
  }, [fetchFn, configUrl, createAuthClient]);

  if (boot.phase === 'loading') {
    return (
      <main id="main" className="centered-page">
        <LoadingState label={t('shell.starting')} />
      </main>
    );
  }
  if (boot.phase === 'failed') {
    // The landing page's status panel explains what is wrong with the configuration.
    return (
      <AuthProvider client={null}>
        <LandingPage fetchFn={fetchFn} configUrl={configUrl} />
      </AuthProvider>
    );
  }
  return (
    <AuthProvider client={boot.auth}>
      <Routes {...props} config={boot.config} />
    </AuthProvider>
  );
}

function Routes(props: AppProps & { config: RuntimeConfig }): JSX.Element {
  const { t } = useI18n();
  const { state } = useAuth();
  const { pathname, navigate } = useRouter();
  const route = matchRoute(pathname);

  // Signed in at `/`: the workspace's home is a new chat.
  useEffect(() => {
    if (state.status === 'signed-in' && route.name === 'home') {
      navigate(paths.chat(), { replace: true });
    }
  }, [state.status, route.name, navigate]);

  if (route.name === 'auth-callback') return <AuthCallbackPage />;
  if (state.status === 'loading') {
    return (
      <main id="main" className="centered-page">
        <LoadingState label={t('shell.starting')} />
      </main>
    );
  }
  if (state.status !== 'signed-in') {
    return <LandingPage fetchFn={props.fetchFn} configUrl={props.configUrl} />;
  }
  return (
    <SignedIn {...props}>
      <AppShell route={route} />
    </SignedIn>
  );
}

/** Builds the API client, the socket and the chat store for the signed-in user. */
function SignedIn({
  config,
  fetchFn,
  createSocket,
  uploadTransport = xhrUploadTransport,
  newId = randomId,
  children,
}: AppProps & { config: RuntimeConfig; children: JSX.Element }): JSX.Element {
  const auth = useAuth();
  const authRef = useRef(auth);
  authRef.current = auth;

  const services = useMemo(() => {
    const getAccessToken = () => authRef.current.getAccessToken();
    const api = new ApiClient({
      baseUrl: config.apiUrl,
      fetchFn,
      getAccessToken,
      onUnauthorized: () => authRef.current.recoverFromUnauthorized(),
    });
    const socket = new ChatSocket({ url: config.wsUrl, getToken: getAccessToken, createSocket });
    const chat = new ChatStore({ api, socket, newId });
    return { config, api, socket, chat, upload: uploadTransport, fetchFn };
  }, [config, fetchFn, createSocket, uploadTransport, newId]);

  useEffect(() => {
    const detach = services.chat.attach();
    services.socket.connect();
    const online = () => services.socket.reconnectNow();
    window.addEventListener('online', online);
    return () => {
      window.removeEventListener('online', online);
      services.socket.close();
      detach();
    };
  }, [services]);

  return <ServicesProvider services={services}>{children}</ServicesProvider>;
}
