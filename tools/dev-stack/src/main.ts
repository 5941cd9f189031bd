import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { createLogger, loadConfig } from '@lgm/core';

import { devStackConfigSchema } from './config';
import { planStack, webRuntimeConfig } from './services';
import { type RunningService, startService, stopServices, waitForHealthy } from './supervisor';
import { startWebServer } from './web-server';

/**
 * `npm start`: every service's local entry as its own process, each checked healthy, the web app
 * on Vite, one line per URL, and a clean stop on Ctrl-C. Embedded stores join with later issues.
 */
async function main(): Promise<void> {
  const config = loadConfig(devStackConfigSchema, process.env);
  const logger = createLogger({ service: 'dev-stack', level: config.LOG_LEVEL });
  const workspaceRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
  const plan = planStack(config);
  const running: RunningService[] = [];
  let web: Awaited<ReturnType<typeof startWebServer>> | undefined;
  let shuttingDown = false;

  const shutdown = async (exitCode: number) => {
    if (shuttingDown) return;
    shuttingDown = true;
    process.stdout.write('\nStopping LGM...\n');
    await web?.close();
    await stopServices(running);
    process.stdout.write('LGM stopped.\n');
    process.exit(exitCode);
  };
  process.once('SIGINT', () => void shutdown(0));
  process.once('SIGTERM', () => void shutdown(0));

  for (const service of plan.services) {
    running.push(
      startService(workspaceRoot, service, logger, (failed, code) => {
        process.stderr.write(
          `${failed.name} exited unexpectedly (code ${code}); stopping the stack.\n`,
        );
        void shutdown(1);
      }),
    );
  }
  try {
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
    'Press Ctrl-C to stop.',
    '',
  ];
  process.stdout.write(lines.join('\n'));
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
