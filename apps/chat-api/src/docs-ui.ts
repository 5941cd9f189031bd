import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';

import type { DocsUi } from './deps';

/**
 * swagger-ui at `/docs` for the local server, over chat-api's own OpenAPI document (handed to
 * @fastify/swagger in static mode, so the local and the Lambda documents are the same). Its
 * assets are read from the installed package, which the Lambda bundle does not ship: Lambda
 * serves the built-in page instead. The asset folder and the logo are passed explicitly because
 * the plugin's own lookups rely on `__dirname`, which an ES module bundle does not have.
 */
export const swaggerDocsUi: DocsUi = async (app, document) => {
  const require = createRequire(import.meta.url);
  const staticDir = join(dirname(require.resolve('@fastify/swagger-ui/package.json')), 'static');
  await app.register(swagger, { mode: 'static', specification: { document } });
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    baseDir: staticDir,
    logo: { type: 'image/svg+xml', content: await readFile(join(staticDir, 'logo.svg')) },
    uiConfig: { tryItOutEnabled: true },
  });
};
