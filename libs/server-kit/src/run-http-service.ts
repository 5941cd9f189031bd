import { type Environment, loadConfig, type Logger } from '@lgm/core';
import type { FastifyInstance } from 'fastify';
import type { z } from 'zod';

import type { HttpConfig } from './base-config';
import { listen } from './listen';
import { runMain } from './main-guard';

/**
 * The whole of a service's local (or container) entry: validate the environment once, compose the
 * app, listen, and shut down gracefully. A bad environment exits 1 with every problem listed.
 */
export function runHttpService<
  TSchema extends z.ZodType<HttpConfig>,
  TDeps extends { logger: Logger },
>(options: {
  schema: TSchema;
  env: Environment;
  bootstrap: (config: z.output<TSchema>) => TDeps | Promise<TDeps>;
  buildApp: (deps: TDeps) => FastifyInstance;
}): void {
  runMain(async () => {
    const config = loadConfig(options.schema, options.env);
    const deps = await options.bootstrap(config);
    const app = options.buildApp(deps);
    const url = await listen(app, { host: config.HOST, port: config.PORT, logger: deps.logger });
    deps.logger.info({ url }, 'listening');
  });
}
