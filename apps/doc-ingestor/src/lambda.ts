import { Metrics } from '@aws-lambda-powertools/metrics';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { loadConfig } from '@lgm/core';
import { withDatabaseUrl } from '@lgm/persistence';
import { createEventLambdaHandler } from '@lgm/server-kit';

import type { AppDeps } from './app';
import { recordBatchMetrics } from './batch-metrics';
import { bootstrap } from './bootstrap';
import { configSchema } from './config';
import { createIngestor, ingestorEventSchema } from './ingestor';

let deps: AppDeps | undefined;
let ready: Promise<AppDeps> | undefined;
// Namespace and service come from POWERTOOLS_METRICS_NAMESPACE / POWERTOOLS_SERVICE_NAME (infra).
const metrics = new Metrics();

/** Composes the ingestor once per execution environment, reading the database secret first. */
function compose(): Promise<AppDeps> {
  ready ??= (async () => {
    const config = loadConfig(configSchema, process.env);
    const secrets = new SecretsManagerClient({ region: config.AWS_REGION });
    const readSecret = async (secretArn: string) =>
      (await secrets.send(new GetSecretValueCommand({ SecretId: secretArn }))).SecretString ?? '';
    deps = bootstrap(await withDatabaseUrl(config, readSecret));
    return deps;
  })().catch((error: unknown) => {
    // A failed start (secret unreadable, database down) is retried by the next invocation.
    ready = undefined;
    throw error;
  });
  return ready;
}

/**
 * Lambda entry: a health invocation, or an SQS batch of S3 notifications answered with a partial
 * batch response. The event is validated, then handed to the ingestor core.
 */
const handleEvent = createEventLambdaHandler({
  schema: ingestorEventSchema,
  logger: () => (deps as AppDeps).logger,
  handle: async (event) => {
    const result = await createIngestor(deps as AppDeps).handle(event);
    recordBatchMetrics(metrics, event, result);
    return result;
  },
});

export async function handler(event: unknown): ReturnType<typeof handleEvent> {
  await compose();
  return handleEvent(event);
}
