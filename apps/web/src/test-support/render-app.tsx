import { render } from '@testing-library/react';
import { StrictMode } from 'react';

import { App } from '../app';
import type { UploadTransport } from '../documents/upload-transport';
import type { Locale } from '../i18n/i18n';
import { PreferencesProvider, type PreferenceStorage } from '../preferences/preferences';
import { memoryHistory } from '../router/router';
import { fakeAuthClient, fakeBackend } from './fake-backend';
import { ackingServer, fakeSockets } from './fake-socket';

export function memoryStorage(): PreferenceStorage & { values: Map<string, string> } {
  const values = new Map<string, string>();
  return {
    values,
    getItem: (key) => values.get(key) ?? null,
    setItem: (key, value) => void values.set(key, value),
  };
}

export interface RenderAppOptions {
  path?: string;
  backend?: ReturnType<typeof fakeBackend>;
  auth?: ReturnType<typeof fakeAuthClient> | null;
  sockets?: ReturnType<typeof fakeSockets>;
  transport?: UploadTransport;
  locale?: Locale;
  /** Wraps the app in React's StrictMode, as `main.tsx` does (effects run twice on mount). */
  strict?: boolean;
}

/** The whole app against the fake backend, a fake sign-in and fake sockets, at `path`. */
export function renderApp({
  path = '/chat',
  backend = fakeBackend(),
  auth = fakeAuthClient(),
  sockets = fakeSockets(ackingServer(), { autoOpen: true }),
  transport = async () => undefined,
  locale = 'en',
  strict = false,
}: RenderAppOptions = {}) {
  const history = memoryHistory(path);
  const storage = memoryStorage();
  let counter = 0;
  const newId = () => {
    counter += 1;
    return `client-${counter}`;
  };
  const app = (
    <PreferencesProvider initial={{ locale, theme: 'system' }} storage={storage}>
      <App
        fetchFn={backend.fetchFn}
        history={history}
        createAuthClient={async () => {
          if (!auth) throw new Error('no auth in this test');
          return auth;
        }}
        createSocket={sockets.create}
        uploadTransport={transport}
        newId={newId}
      />
    </PreferencesProvider>
  );
  const result = render(strict ? <StrictMode>{app}</StrictMode> : app);
  return { ...result, backend, auth, sockets, history, storage };
}
