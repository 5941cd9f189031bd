import { UnauthorizedError } from '@lgm/core';
import type { FastifyInstance, FastifyRequest } from 'fastify';

import { bearerToken } from './bearer-token';
import type { Principal, TokenVerifier } from './principal';

declare module 'fastify' {
  interface FastifyRequest {
    /**
     * The verified caller. Set on every route except public ones; reading it on a public route
     * throws a 401 rather than handing out `undefined`.
     */
    readonly principal: Principal;
  }

  interface FastifyContextConfig {
    /** `true` lets the route answer without a token (health, docs, OAuth metadata). */
    public?: boolean;
  }
}

export interface AuthenticationOptions {
  readonly verifier: TokenVerifier;
  /**
   * Route patterns (fastify's `routeOptions.url`) that need no token, besides routes declared
   * with `config: { public: true }`. An entry ending in `/*` opens every route under it
   * (`/docs/*` for swagger-ui's assets). Default `['/health']`: server-kit's health route is
   * declared before any app code runs and carries no config.
   */
  readonly publicRoutes?: readonly string[];
}

const PRINCIPAL = Symbol('lgm.principal');

interface WithPrincipal {
  [PRINCIPAL]?: Principal;
}

/**
 * Requires a valid bearer token on every route of `app` (and of everything registered inside it,
 * before or after this call): an `onRequest` hook verifies `Authorization: Bearer <jwt>` and sets
 * `request.principal`, or answers 401 with a stable code (`UNAUTHORIZED`, `TOKEN_EXPIRED`,
 * `TOKEN_INVALID`, …) through the app's error handler. Skipped for public routes and CORS
 * preflights. Unknown routes need a token too, so their 404 reveals nothing to strangers.
 *
 * Call it on the root instance, before `listen`/`ready`; it is a plain function, not a plugin, so
 * it is not encapsulated away.
 *
 * @example
 * const app = createHttpApp(context);
 * registerAuthentication(app, { verifier, publicRoutes: ['/health', '/docs', '/docs/*'] });
 * app.get('/me', async (request) => ({ sub: request.principal.sub }));
 */
export function registerAuthentication(app: FastifyInstance, options: AuthenticationOptions): void {
  const { verifier } = options;
  const isPublicUrl = publicMatcher(options.publicRoutes ?? ['/health']);

  if (!app.hasRequestDecorator('principal')) {
    app.decorateRequest('principal', {
      getter(this: FastifyRequest & WithPrincipal): Principal {
        const principal = this[PRINCIPAL];
        if (principal === undefined) throw new UnauthorizedError();
        return principal;
      },
    });
  }

  app.addHook('onRequest', async (request) => {
    if (isPreflight(request)) return;
    if (request.routeOptions.config.public === true) return;
    const url = request.routeOptions.url;
    if (url !== undefined && isPublicUrl(url)) return;
    const token = bearerToken(request.headers.authorization);
    (request as FastifyRequest & WithPrincipal)[PRINCIPAL] = await verifier.verify(token);
  });
}

/** A CORS preflight carries no credentials by design (Fetch spec); the CORS plugin answers it. */
function isPreflight(request: FastifyRequest): boolean {
  return (
    request.method === 'OPTIONS' &&
    request.headers.origin !== undefined &&
    request.headers['access-control-request-method'] !== undefined
  );
}

function publicMatcher(patterns: readonly string[]): (url: string) => boolean {
  const exact = new Set(patterns.filter((pattern) => !pattern.endsWith('/*')));
  const prefixes = patterns
    .filter((pattern) => pattern.endsWith('/*'))
    .map((pattern) => pattern.slice(0, -1));
  return (url) => exact.has(url) || prefixes.some((prefix) => url.startsWith(prefix));
}
