/**
 * The slice of `fetch` the app uses. Components and clients take it as a parameter so tests pass
 * their own; `window.fetch` satisfies it.
 */
export type FetchLike = (url: string, init?: FetchLikeInit) => Promise<FetchLikeResponse>;

export interface FetchLikeInit {
  method?: string;
  body?: string;
  signal?: AbortSignal;
  headers?: Record<string, string>;
  cache?: RequestCache;
}

export interface FetchLikeResponse {
  readonly ok: boolean;
  readonly status: number;
  json(): Promise<unknown>;
}

/** The body as JSON, or `undefined` when it is not JSON (an HTML fallback page, an empty body). */
export async function readJsonBody(response: FetchLikeResponse): Promise<unknown> {
  try {
    return await response.json();
  } catch {
    return undefined;
  }
}

/** A short, human-readable reason for a failed request (English; logged, not shown). */
export function describeFetchError(error: unknown): string {
  // fetch rejects with a TypeError ("Failed to fetch") for refused connections and CORS refusals.
  if (error instanceof TypeError) return 'no connection (network error or CORS refusal)';
  // DOMException is not an Error subclass everywhere, so look at the shape.
  if (typeof error === 'object' && error !== null && 'message' in error) {
    const { message } = error;
    if (typeof message === 'string' && message !== '') return message;
  }
  return 'network error';
}
