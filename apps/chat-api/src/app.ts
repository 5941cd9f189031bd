import { registerAuthentication } from '@lgm/auth';
import { createHttpApp } from '@lgm/server-kit';
import type { FastifyInstance } from 'fastify';

import type { AppDeps } from './deps';
import { DOCS_ROUTES, registerDocs } from './http/docs';
import { registerRateLimit } from './http/rate-limit';
import { useZodValidation } from './http/request-validation';
import { registerArtifactRoutes } from './routes/artifacts';
import { registerDocumentRoutes } from './routes/documents';
import { registerMessageRoutes } from './routes/messages';
import { registerModelRoutes } from './routes/models';
import { registerSearchRoutes } from './routes/search';
import { registerSessionRoutes } from './routes/sessions';
import { registerToolRoutes } from './routes/tools';
import { registerTurnRoutes } from './routes/turns';
import { registerUsageRoutes } from './routes/usage';

export type {
  ApiLimits,
  AppDeps,
  DocsUi,
  DocumentSources,
  ModelChoices,
  OwnerStores,
  PassageRetriever,
} from './deps';

/**
 * Bodies chat-api accepts: the longest message (32,000 characters, up to 4 bytes each in UTF-8)
 * with room for JSON escapes. Larger bodies are refused with 413 before any handler runs.
 */
export const MAX_BODY_BYTES = 256 * 1024;

/**
 * chat-api's routes on LGM's fastify base. The same app serves Lambda and the local server.
 *
 * Every route but `/health` and `/docs` requires a verified bearer token; every store a route
 * touches is built for the token's `sub`, so another user's ids are answered 404 like missing
 * ones. Requests are validated with the contracts' strict zod schemas (unknown fields refused)
 * and rate limited per user.
 */
export function buildApp(deps: AppDeps): FastifyInstance {
  const app = createHttpApp(deps, { bodyLimit: MAX_BODY_BYTES });
  registerAuthentication(app, {
    verifier: deps.verifier,
    publicRoutes: ['/health', ...DOCS_ROUTES],
  });
  void app.register(async (root) => {
    await registerDocs(root, {
      version: deps.version,
      ...(deps.docsUi === undefined ? {} : { ui: deps.docsUi }),
    });
    // The API in its own scope: validation errors are translated there, and the rate limit
    // covers exactly these routes (not health or docs).
    await root.register(async (api) => {
      useZodValidation(api);
      await registerRateLimit(api, {
        max: deps.limits.rateLimitMax,
        windowMs: deps.limits.rateLimitWindowMs,
      });
      registerSessionRoutes(api, deps);
      registerMessageRoutes(api, deps);
      registerTurnRoutes(api, deps);
      registerDocumentRoutes(api, deps);
      registerSearchRoutes(api, deps);
      registerArtifactRoutes(api, deps);
      registerToolRoutes(api, deps);
      registerUsageRoutes(api, deps);
      registerModelRoutes(api, deps);
    });
  });
  app.addHook('onClose', async () => {
    await deps.close?.();
  });
  return app;
}
