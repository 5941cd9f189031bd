import { runHttpService } from '@lgm/server-kit';

import { buildApp } from './app';
import { bootstrap } from './bootstrap';
import { serverConfigSchema } from './config';
import { swaggerDocsUi } from './docs-ui';

runHttpService({
  schema: serverConfigSchema,
  env: process.env,
  bootstrap: (config) => bootstrap(config, { docsUi: swaggerDocsUi }),
  buildApp,
});
