import {
  type HealthResponse,
  healthResponseSchema,
  type HealthStatus,
  type ServiceName,
} from '@lgm/contracts';

import { describeFetchError, type FetchLike, readJsonBody } from './fetch-like';

/** What the status panel shows for one service. */
export type ServiceHealth =
  | { readonly state: 'checking' }
  | { readonly state: 'reported'; readonly health: HealthResponse; readonly latencyMs: number }
  | { readonly state: 'unreachable'; readonly reason: UnreachableReason };

/** Why a service could not be used, for the panel to put in words. */
export type UnreachableReason =
  | { readonly kind: 'timeout'; readonly seconds: number }
  /** A refused connection or a CORS refusal. */
  | { readonly kind: 'network' }
  | { readonly kind: 'http'; readonly status: number }
  | { readonly kind: 'unexpected' }
  | { readonly kind: 'wrong-service'; readonly service: string }
  | { readonly kind: 'error'; readonly message: string };

/** The status word shown for a service: its own report, or `unreachable`. */
export type DisplayStatus = HealthStatus | 'unreachable';

export const DEFAULT_HEALTH_TIMEOUT_MS = 5_000;

/** `GET <baseUrl>/health`, keeping any path prefix of the base URL (an API Gateway stage). */
export function healthUrl(baseUrl: string): string {
  return new URL('health', baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`).toString();
}

export interface CheckServiceHealthOptions {
  readonly signal?: AbortSignal;
  readonly timeoutMs?: number;
  /** Milliseconds from an arbitrary origin, for the latency figure. */
  readonly now?: () => number;
}

/**
 * Calls a service's health endpoint and validates the answer with the shared contract. A service
 * that reports itself `down` (often with HTTP 503) is reported, not unreachable. Never throws,
 * except when `signal` aborts.
 */
export async function checkServiceHealth(
  fetchFn: FetchLike,
  service: ServiceName,
  baseUrl: string,
  {
    signal,
    timeoutMs = DEFAULT_HEALTH_TIMEOUT_MS,
    now = () => performance.now(),
  }: CheckServiceHealthOptions = {},
): Promise<ServiceHealth> {
  const timeout = new AbortController();
  const onAbort = (): void => timeout.abort();
  signal?.addEventListener('abort', onAbort, { once: true });
  const timer = setTimeout(onAbort, timeoutMs);
  const started = now();
  try {
    const response = await fetchFn(healthUrl(baseUrl), {
      signal: timeout.signal,
      cache: 'no-store',
      headers: { accept: 'application/json' },
    });
    const body = await readJsonBody(response);
    const latencyMs = now() - started;
    const parsed = healthResponseSchema.safeParse(body);
    if (!parsed.success) {
      return {
        state: 'unreachable',
        reason: response.ok ? { kind: 'unexpected' } : { kind: 'http', status: response.status },
      };
    }
    if (parsed.data.service !== service) {
      return {
        state: 'unreachable',
        reason: { kind: 'wrong-service', service: parsed.data.service },
      };
    }
    return { state: 'reported', health: parsed.data, latencyMs };
  } catch (error) {
    signal?.throwIfAborted();
    const reason: UnreachableReason = timeout.signal.aborted
      ? { kind: 'timeout', seconds: timeoutMs / 1000 }
      : error instanceof TypeError
        ? { kind: 'network' }
        : { kind: 'error', message: describeFetchError(error) };
    return { state: 'unreachable', reason };
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  }
}

export function displayStatus(health: ServiceHealth): DisplayStatus | 'checking' {
  if (health.state === 'reported') return health.health.status;
  return health.state;
}
