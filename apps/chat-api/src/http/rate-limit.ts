import rateLimit from '@fastify/rate-limit';
import { RateLimitedError } from '@lgm/core';
import type { FastifyInstance } from 'fastify';

/**
 * Per-user rate limiting of every authenticated route of `app`: the key is the verified
 * principal's `sub`, so one user cannot spend another's budget and a user cannot escape theirs by
 * changing address. Counted before the body is parsed (`preParsing`), after authentication
 * (`onRequest`). Over the limit: 429 `RATE_LIMITED` with `Retry-After`.
 *
 * Counters live in the process: on Lambda each execution environment counts for itself, and API
 * Gateway's stage throttling bounds the total.
 */
export async function registerRateLimit(
  app: FastifyInstance,
  options: { readonly max: number; readonly windowMs: number },
): Promise<void> {
  await app.register(rateLimit, {
    global: true,
    hook: 'preParsing',
    max: options.max,
    timeWindow: options.windowMs,
    keyGenerator: (request) => `sub:${request.principal.sub}`,
    // Headers on every answer would only help clients plan; Retry-After on 429 is what matters.
    addHeadersOnExceeding: {
      'x-ratelimit-limit': false,
      'x-ratelimit-remaining': false,
      'x-ratelimit-reset': false,
    },
    addHeaders: {
      'x-ratelimit-limit': false,
      'x-ratelimit-remaining': false,
      'x-ratelimit-reset': false,
      'retry-after': true,
    },
    errorResponseBuilder: (_request, context) => {
      const retryAfterSeconds = Math.max(1, Math.ceil(context.ttl / 1000));
      return new RateLimitedError(
        `Too many requests: at most ${context.max} per ${Math.round(options.windowMs / 1000)} s. Retry in ${retryAfterSeconds} s.`,
        { details: { retryAfterSeconds, limit: context.max } },
      );
    },
  });
}
