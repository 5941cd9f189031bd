import { loadConfig } from '@lgm/core';
import { createEventLambdaHandler } from '@lgm/server-kit';

import type { AppDeps } from './app';
import { bootstrap } from './bootstrap';
import { configSchema } from './config';
import { createIngestor, ingestorEventSchema } from './ingestor';

let deps: AppDeps | undefined;

function getDeps(): AppDeps {
  deps ??= bootstrap(loadConfig(configSchema, process.env));
  return deps;
}

/**
 * Lambda entry: a health invocation, or an SQS batch of S3 notifications answered with a partial
 * batch response. The event is validated, then handed to the ingestor core.
 */
export const handler = createEventLambdaHandler({
  schema: ingestorEventSchema,
  logger: () => getDeps().logger,
  handle: (event) => createIngestor(getDeps()).handle(event),
});
