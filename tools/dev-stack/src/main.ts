import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';

import { createLogger, loadConfig } from '@lgm/core';
import { type DevOidcIssuer, startDevOidcIssuer } from '@lgm/local-stack';

import { devStackConfigSchema } from './config';
import { createEventForwarder } from './event-forwarder';
import { LOCAL_BUCKETS, type LocalStores, startLocalStores } from './local-stores';
import { MIGRATIONS_FOLDER, WORKSPACE_ROOT } from './paths';
import { MODEL_SETTING_KEYS, planStack, webRuntimeConfig } from './services';
import { type RunningService, startService, stopServices, waitForHealthy } from './supervisor';
import { startWebServer } from './web-server';

/**
 * `npm start`: every service's local entry as its own process, each checked healthy, the web app
 * on Vite, the embedded stores (PostgreSQL, DynamoDB, S3) before them, one line per URL, and a
 * clean stop on Ctrl-C.
 */
async function main(): Promise<void> {
  const config = loadConfig(devStackConfigSchema, process.env);
  const logger = createLogger({ service: 'dev-stack', level: config.LOG_LEVEL });
  const workspaceRoot = WORKSPACE_ROOT;
  const modelSettings = Object.fromEntries(
    MODEL_SETTING_KEYS.flatMap((key) => {
      const value = process.env[key];
      return value === undefined || value === '' ? [] : [[key, value]];
    }),
  );
  const plan = planStack(config, modelSettings);
  const running: RunningService[] = [];
  let stores: LocalStores | undefined;
  let issuer: DevOidcIssuer | undefined;
  let web: Awaited<ReturnType<typeof startWebServer>> | undefined;
  let shuttingDown = false;

  const shutdown = async (exitCode: number) => {
    if (shuttingDown) return;
    shuttingDown = true;
    process.stdout.write('\nStopping LGM...\n');
    await web?.close();
    await stopServices(running);
    await issuer?.close();
    await stores?.stop();
    process.stdout.write('LGM stopped.\n');
    process.exit(exitCode);
  };
  process.once('SIGINT', () => void shutdown(0));
  process.once('SIGTERM', () => void shutdown(0));

  // doc-ingestor accepts events only with this secret: anything else on loopback cannot feed it.
  const eventsToken = config.INGESTOR_EVENTS_TOKEN ?? randomBytes(32).toString('base64url');
  const ingestor = plan.services.find((service) => service.name === 'doc-ingestor');
  const forwarder =
    ingestor === undefined
      ? undefined
      : createEventForwarder({ url: `${ingestor.url}/events`, token: eventsToken, logger });

  try {
    stores = await startLocalStores({
      config,
      dataDir: resolve(workspaceRoot, config.LGM_DATA_DIR),
      migrationsFolder: MIGRATIONS_FOLDER,
      webOrigins: plan.webOrigins,
      logger,
      // On AWS, S3 notifies SQS and SQS invokes doc-ingestor; here the events go straight to it.
      onObjectEvent: (record) => {
        logger.debug({ event: record.eventName, key: record.s3.object.key }, 's3 object event');
        if (record.s3.bucket.name === LOCAL_BUCKETS.documents) forwarder?.send(record);
      },
    });
    // Cognito's stand-in: the web signs in here (code + PKCE); the services verify its tokens.
    issuer = await startDevOidcIssuer({
      host: config.LGM_HOST,
      port: plan.auth.port,
      issuerUrl: plan.auth.issuer,
      clients: [
        {
          clientId: plan.auth.clientId,
          redirectUris: plan.auth.redirectUris,
          postLogoutRedirectUris: plan.auth.postLogoutRedirectUris,
        },
      ],
      stateDir: resolve(workspaceRoot, config.LGM_DATA_DIR, 'oidc'),
    });
    const serviceEnv = stores.serviceEnv;
    for (const service of plan.services) {
      running.push(
        startService(
          workspaceRoot,
          {
            ...service,
            env: {
              ...service.env,
              ...serviceEnv,
              ...(service.name === 'doc-ingestor' ? { INGESTOR_EVENTS_TOKEN: eventsToken } : {}),
            },
          },
          logger,
          (failed, code) => {
            process.stderr.write(
              `${failed.name} exited unexpectedly (code ${code}); stopping the stack.\n`,
            );
            void shutdown(1);
          },
        ),
      );
    }
    await Promise.all(plan.services.map((service) => waitForHealthy(service, 30_000)));
    if (config.LGM_WEB) {
      web = await startWebServer({
        workspaceRoot,
        host: config.LGM_HOST,
        port: plan.web.port,
        runtimeConfig: webRuntimeConfig(plan),
      });
    }
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    await shutdown(1);
    return;
  }

  const lines = [
    '',
    'LGM is up (embedded defaults, no AWS account):',
    ...(config.LGM_WEB ? [`  web            ${plan.web.url}`] : []),
    ...plan.services.map(
      (service) => `  ${service.name.padEnd(14)} ${service.url}  (health: ${service.url}/health)`,
    ),
    `  ${'sign-in'.padEnd(14)} ${plan.auth.issuer}  (dev OIDC issuer: any user name signs in)`,
    ...(stores?.lines ?? []),
    'Press Ctrl-C to stop.',
    '',
  ];
  process.stdout.write(lines.join('\n'));
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
