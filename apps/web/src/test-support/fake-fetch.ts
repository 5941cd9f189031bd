import type { FetchLike, FetchLikeResponse } from '../fetch-like';

/** How the fake answers one URL. */
export type FakeRoute =
  | { readonly status?: number; readonly json: unknown }
  | { readonly status?: number; readonly text: string }
  | { readonly reject: Error }
  /** Answers when the test resolves it; rejects with the abort reason if the caller aborts. */
  | { readonly pending: Promise<FakeRoute> }
  /** Never answers; rejects when the caller aborts (a timeout, an unmount). */
  | { readonly hang: true };

export interface FakeFetch extends FetchLike {
  /** Every URL requested, in order. */
  readonly calls: string[];
}

/** A `fetch` stand-in that answers from a table of routes; unknown URLs fail like a refused connection. */
export function fakeFetch(routes: Readonly<Record<string, FakeRoute>>): FakeFetch {
  const calls: string[] = [];
  const fetchFn = async (url: string, init?: { signal?: AbortSignal }) => {
    calls.push(url);
    const route = routes[url];
    if (route === undefined) throw new TypeError('Failed to fetch');
    return answer(route, init?.signal);
  };
  return Object.assign(fetchFn, { calls });
}

async function answer(
  route: FakeRoute,
  signal: AbortSignal | undefined,
): Promise<FetchLikeResponse> {
  if ('reject' in route) throw route.reject;
  if ('pending' in route || 'hang' in route) {
    const next = await new Promise<FakeRoute>((resolve, reject) => {
      const abort = (): void =>
        reject(new DOMException('The operation was aborted.', 'AbortError'));
      if (signal?.aborted) abort();
      signal?.addEventListener('abort', abort, { once: true });
      if ('pending' in route) route.pending.then(resolve, reject);
    });
    return answer(next, signal);
  }
  const status = route.status ?? 200;
  const text = 'text' in route ? route.text : JSON.stringify(route.json);
  return {
    ok: status >= 200 && status < 300,
    status,
    json: async () => JSON.parse(text) as unknown,
  };
}

/** A promise the test settles by hand. */
export function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((settle) => {
    resolve = settle;
  });
  return { promise, resolve };
}

/** A valid health body, as every service answers it. */
export function healthBody(
  service: string,
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    status: 'ok',
    service,
    version: '1.4.2',
    time: '2025-01-01T12:00:00.000Z',
    checks: {},
    ...overrides,
  };
}
