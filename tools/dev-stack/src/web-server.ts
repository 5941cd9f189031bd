import { join } from 'node:path';

import { createServer, type ViteDevServer } from 'vite';

/**
 * The web app through Vite's dev server (instant reloads while developing), with `/config.json`
 * answered from the stack's plan, as the deployment answers it from a generated file on S3.
 */
export async function startWebServer(options: {
  workspaceRoot: string;
  host: string;
  port: number;
  runtimeConfig: Record<string, unknown>;
}): Promise<ViteDevServer> {
  const body = JSON.stringify(options.runtimeConfig);
  const server = await createServer({
    configFile: join(options.workspaceRoot, 'apps/web/vite.config.ts'),
    server: { host: options.host, port: options.port, strictPort: true },
    logLevel: 'warn',
    clearScreen: false,
    plugins: [
      {
        name: 'lgm-runtime-config',
        configureServer(dev) {
          dev.middlewares.use('/config.json', (_request, response) => {
            response.setHeader('content-type', 'application/json');
            response.setHeader('cache-control', 'no-store');
            response.end(body);
          });
        },
      },
    ],
  });
  await server.listen();
  return server;
}
