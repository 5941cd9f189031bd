import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { loadConfig } from '@lgm/core';
import { withDatabaseUrl } from '@lgm/persistence';
import { createHttpLambdaHandler } from '@lgm/server-kit';

import { buildApp } from './app';
import { bootstrap } from './bootstrap';
import { configSchema } from './config';

/**
 * API Gateway REST → Lambda. The app is composed on the first request of each execution
 * environment: config, the database password from Secrets Manager (never in the environment),
 * then the same app as the local server. API Gateway's Cognito authorizer has already checked
 * the token, but the app verifies it again against the JWKS (cached) and takes the principal
 * only from that: the authorizer's context is never trusted on its own.
 */
export const handler = createHttpLambdaHandler(async () => {
  const config = loadConfig(configSchema, process.env);
  const resolved = await withDatabaseUrl(config, async (secretArn) => {
    const secrets = new SecretsManagerClient({ region: config.AWS_REGION });
    try {
      return (
        (await secrets.send(new GetSecretValueCommand({ SecretId: secretArn }))).SecretString ?? ''
      );
    } finally {
      secrets.destroy();
    }
  });
  return buildApp(bootstrap(resolved));
});
