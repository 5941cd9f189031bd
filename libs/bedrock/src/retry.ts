/**
 * Our retry policy for model calls: full-jitter exponential backoff (AWS Architecture Blog,
 * "Exponential Backoff And Jitter"). The SDK client is built with `maxAttempts: 1` so that this is
 * the only policy: a streamed call may be retried only before any output reached the caller.
 */

/** How many attempts and how long to wait between them. */
export interface RetryPolicy {
  /** Total attempts including the first (1 = no retry). */
  readonly maxAttempts: number;
  /** Cap of the first backoff window, in milliseconds. */
  readonly baseDelayMs: number;
  /** No backoff window grows beyond this, in milliseconds. */
  readonly maxDelayMs: number;
}

/** Time and chance as dependencies, so tests never wait and are deterministic. */
export interface RetryDeps {
  /** Resolves after `ms`; rejects with the signal's reason when it aborts first. */
  readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** A number in [0, 1). */
  readonly random: () => number;
}

/** Four attempts, windows of 250 ms, 500 ms, 1 s (capped at 8 s): about 1.75 s worst case. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 4,
  baseDelayMs: 250,
  maxDelayMs: 8_000,
};

/** Real time: `setTimeout`, cancelled by the signal. */
export function realSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export const DEFAULT_RETRY_DEPS: RetryDeps = { sleep: realSleep, random: Math.random };

/**
 * The wait before retry number `retry` (1 for the first retry): uniform in
 * [0, min(maxDelay, base · 2^(retry-1))).
 */
export function backoffDelay(retry: number, policy: RetryPolicy, random: () => number): number {
  const window = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, retry - 1));
  return Math.floor(random() * window);
}

/**
 * Runs `attempt` until it succeeds, fails with an error `isRetryable` rejects, or the attempts run
 * out; the last error is thrown as is (callers map it).
 */
export async function withRetry<T>(
  attempt: (attemptNumber: number) => Promise<T>,
  options: {
    readonly isRetryable: (error: unknown) => boolean;
    readonly policy?: RetryPolicy;
    readonly deps?: RetryDeps;
    readonly signal?: AbortSignal;
  },
): Promise<T> {
  const policy = options.policy ?? DEFAULT_RETRY_POLICY;
  const deps = options.deps ?? DEFAULT_RETRY_DEPS;
  for (let attemptNumber = 1; ; attemptNumber += 1) {
    try {
      return await attempt(attemptNumber);
    } catch (error) {
      if (
        attemptNumber >= policy.maxAttempts ||
        options.signal?.aborted === true ||
        !options.isRetryable(error)
      ) {
        throw error;
      }
      await deps.sleep(backoffDelay(attemptNumber, policy, deps.random), options.signal);
    }
  }
}
