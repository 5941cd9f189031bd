import { createServiceContext } from '@lgm/server-kit';

import type { AppDeps } from './app';
import type { Config } from './config';

/** The composition root: config in, every dependency of the app out. */
export function bootstrap(config: Config): AppDeps {
  return createServiceContext('mcp-server', config);
}
