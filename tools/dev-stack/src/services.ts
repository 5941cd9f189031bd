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

/** The dev OIDC issuer standing in for Cognito, and the web app's client registered with it. */
export interface AuthPlan {
  readonly port: number;
  readonly issuer: string;
  readonly jwksUrl: string;
  readonly clientId: string;
  readonly redirectUris: readonly string[];
  readonly postLogoutRedirectUris: readonly string[];
}

export interface StackPlan {
  readonly web: { readonly port: number; readonly url: string };
  readonly auth: AuthPlan;
  /** Origins the browser app is served from: allowed by CORS on services and the S3 buckets. */
  readonly webOrigins: readonly string[];
  readonly services: readonly ServicePlan[];
}

/** The web app's OIDC client id, as Cognito's app client id is on AWS. */
export const WEB_CLIENT_ID = 'lgm-web';

/** Services that verify users' tokens. */
const AUTHENTICATED_SERVICES: ReadonlySet<ServiceName> = new Set([
  'chat-api',
  'ws-gateway',
  'mcp-server',
]);

/**
 * Model and embedding settings a developer may export before `npm start` (an OpenAI-compatible
 * server, Bedrock with their own credentials): passed through to every service that reads them.
 */
export const MODEL_SETTING_KEYS = [
  'LLM_PROVIDER',
  'EMBEDDINGS_PROVIDER',
  'DEFAULT_MODEL_ID',
  'BEDROCK_REGION',
  'BEDROCK_ENDPOINT',
  'BEDROCK_GUARDRAIL_ID',
  'BEDROCK_GUARDRAIL_VERSION',
  'TITAN_DIMENSIONS',
  'OPENAI_BASE_URL',
  'OPENAI_API_KEY',
  'OPENAI_CHAT_MODEL',
  'OPENAI_EMBEDDING_MODEL',
  'OPENAI_EMBEDDING_DIMENSIONS',
  'ONNX_MODEL_DIR',
  'LOCAL_EMBEDDER_ASSETS_DIR',
] as const;

const SERVICE_ORDER: readonly ServiceName[] = [
  'chat-api',
  'ws-gateway',
  'doc-ingestor',
  'mcp-server',
  'code-runner',
];

/** Decides every port, URL and environment before anything starts, so the plan can be printed. */
export function planStack(
  config: DevStackConfig,
  modelSettings: Readonly<Record<string, string>> = {},
): StackPlan {
  const url = (port: number) => `http://${config.LGM_HOST}:${port}`;
  const webPort = config.LGM_PORT_BASE;
  const webOrigins = [url(webPort), `http://localhost:${webPort}`];
  // Ports +10…+12 are the stores (local-stores.ts); the issuer follows them.
  const authPort = config.LGM_PORT_BASE + 13;
  const auth: AuthPlan = {
    port: authPort,
    issuer: url(authPort),
    jwksUrl: `${url(authPort)}/.well-known/jwks.json`,
    clientId: WEB_CLIENT_ID,
    redirectUris: webOrigins.map((origin) => `${origin}/auth/callback`),
    postLogoutRedirectUris: webOrigins.map((origin) => `${origin}/`),
  };
  return {
    web: { port: webPort, url: url(webPort) },
    auth,
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
          ...modelSettings,
          ...(AUTHENTICATED_SERVICES.has(name)
            ? {
                AUTH_ISSUER: auth.issuer,
                AUTH_AUDIENCE: auth.clientId,
                AUTH_JWKS_URL: auth.jwksUrl,
                AUTH_TOKEN_USE: 'access',
                // A developer's own MCP servers run on localhost.
                MCP_ALLOW_PRIVATE_NETWORKS: 'true',
              }
            : {}),
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
    wsUrl: `${urlOf('ws-gateway').replace(/^http/, 'ws')}/ws`,
    auth: { authority: plan.auth.issuer, clientId: plan.auth.clientId },
    services: Object.fromEntries(plan.services.map((service) => [service.name, service.url])),
  };
}
