import type { ServiceName } from '@lgm/contracts';

import type { DevStackConfig } from './config';

export interface ServicePlan {
  readonly name: ServiceName;
  /** The service's local entry, relative to the workspace root. */
  readonly entry: string;
  readonly port: number;
  readonly url: string;
  /** The environment the service starts with: exactly what its config schema reads. */
  readonly env: Readonly<Record<string, string>>;
}

export interface StackPlan {
  readonly web: { readonly port: number; readonly url: string };
  /** Origins the browser app is served from: allowed by CORS on services and the S3 buckets. */
  readonly webOrigins: readonly string[];
  readonly services: readonly ServicePlan[];
}

const SERVICE_ORDER: readonly ServiceName[] = [
  'chat-api',
  'ws-gateway',
  'doc-ingestor',
  'mcp-server',
  'code-runner',
];

/** Decides every port, URL and environment before anything starts, so the plan can be printed. */
export function planStack(config: DevStackConfig): StackPlan {
  const url = (port: number) => `http://${config.LGM_HOST}:${port}`;
  const webPort = config.LGM_PORT_BASE;
  const webOrigins = [url(webPort), `http://localhost:${webPort}`];
  return {
    web: { port: webPort, url: url(webPort) },
    webOrigins,
    services: SERVICE_ORDER.map((name, index) => {
      const port = config.LGM_PORT_BASE + 1 + index;
      return {
        name,
        entry: `apps/${name}/src/server.ts`,
        port,
        url: url(port),
        env: {
          HOST: config.LGM_HOST,
          PORT: String(port),
          LOG_LEVEL: config.LOG_LEVEL,
          SERVICE_VERSION: 'local',
          CORS_ALLOWED_ORIGINS: webOrigins.join(','),
        },
      };
    }),
  };
}

/** What the web app reads from `/config.json` (see apps/web/src/runtime-config.ts). */
export function webRuntimeConfig(plan: StackPlan): Record<string, unknown> {
  const urlOf = (name: ServiceName) =>
    plan.services.find((service) => service.name === name)?.url ?? '';
  return {
    apiUrl: urlOf('chat-api'),
    wsUrl: urlOf('ws-gateway').replace(/^http/, 'ws'),
    services: Object.fromEntries(plan.services.map((service) => [service.name, service.url])),
  };
}
