import { loadConfig } from '@lgm/core';
import { createHttpLambdaHandler } from '@lgm/server-kit';

import { buildApp } from './app';
import { bootstrap } from './bootstrap';
import { configSchema } from './config';

/** API Gateway REST → Lambda. The app is composed on the first request of each environment. */
export const handler = createHttpLambdaHandler(() =>
  buildApp(bootstrap(loadConfig(configSchema, process.env))),
);
