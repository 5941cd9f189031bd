import './styles.css';

import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';

import { App } from './app';
import type { FetchLike } from './fetch-like';

// Called through a wrapper: browsers reject fetch invoked with a `this` other than window.
const browserFetch: FetchLike = (url, init) => window.fetch(url, init);

const container = document.getElementById('root');
if (!container) throw new Error('index.html has no #root element');

createRoot(container).render(
  <StrictMode>
    <App fetchFn={browserFetch} />
  </StrictMode>,
);
