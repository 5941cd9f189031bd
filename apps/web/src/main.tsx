import './styles.css';

import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';

import { App } from './app';
import type { FetchLike } from './fetch-like';
import {
  applyDocumentPreferences,
  PreferencesProvider,
  readPreferences,
} from './preferences/preferences';

// Called through a wrapper: browsers reject fetch invoked with a `this` other than window.
const browserFetch: FetchLike = (url, init) => window.fetch(url, init);

const container = document.getElementById('root');
if (!container) throw new Error('index.html has no #root element');

const storage = (() => {
  try {
    return window.localStorage;
  } catch {
    return undefined;
  }
})();
const preferences = readPreferences(storage, navigator.languages);
// Before the first paint, so a dark theme never flashes light.
applyDocumentPreferences(document.documentElement, preferences);

createRoot(container).render(
  <StrictMode>
    <PreferencesProvider initial={preferences} storage={storage}>
      <App fetchFn={browserFetch} />
    </PreferencesProvider>
  </StrictMode>,
);
