import { type ServiceName, serviceNameSchema } from '@lgm/contracts';
import * as z from 'zod';

import { describeFetchError, type FetchLike, readJsonBody } from './fetch-like';

const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });
const webSocketUrl = z.url({ protocol: /^wss?$/, error: 'must be a ws(s) URL' });

/**
 * Runtime configuration of the SPA, served as `/config.json` next to `index.html` by the dev stack
 * locally and by the deployment on AWS, so one build runs against any stage. Unknown keys are
 * ignored so that later settings can be added before the app reads them.
 *
 * @example
 * { "apiUrl": "https://api.example.com/prod", "wsUrl": "wss://ws.example.com/prod",
 *   "services": { "chat-api": "https://api.example.com/prod", "mcp-server": "https://mcp.example.com" },
 *   "auth": { "authority": "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_abc", "clientId": "lgm-web" } }
 */
export const authConfigSchema = z.object({
  /** The OIDC issuer: the dev issuer locally, the Cognito user pool on AWS. */
  authority: httpUrl,
  /** The app client id (also the access token's audience). */
  clientId: z.string().min(1).max(256),
  /** Where the issuer sends the browser back; `/auth/callback` on this origin by default. */
  redirectPath: z
    .string()
    .regex(/^\/[^/\\]/, 'must be a path on this origin')
    .default('/auth/callback'),
  scope: z.string().min(1).default('openid profile email'),
  /**
   * Where sign-out goes when the issuer's discovery names no end-session endpoint: Cognito's
   * `https://<domain>/logout`, called with `client_id` and `logout_uri`.
   */
  signOutUrl: httpUrl.optional(),
});

export type AuthConfig = z.infer<typeof authConfigSchema>;

export const runtimeConfigSchema = z.object({
  apiUrl: httpUrl.describe('Base URL of the REST API (chat-api)'),
  wsUrl: webSocketUrl.describe('URL of the WebSocket API (ws-gateway)'),
  services: z
    .partialRecord(serviceNameSchema, httpUrl, {
      // Zod reports keys outside the enum as `unrecognized_keys`, which its types do not list here.
      error: (issue) =>
        'keys' in issue && Array.isArray(issue.keys)
          ? `unknown service ${issue.keys.join(', ')}; expected ${serviceNameSchema.options.join(', ')}`
          : undefined,
    })
    .optional()
    .describe('Base URL of each service whose GET /health the status panel checks'),
  /** Sign-in settings; without them the app shows its landing page and says sign-in is off. */
  auth: authConfigSchema
    .optional()
    .describe('OIDC settings for sign-in (authorization code + PKCE)'),
});

export type RuntimeConfig = z.infer<typeof runtimeConfigSchema>;

export const DEFAULT_CONFIG_URL = '/config.json';

export type RuntimeConfigResult =
  | { readonly ok: true; readonly config: RuntimeConfig }
  | {
      readonly ok: false;
      /** `missing`: no config.json; `unreachable`: the request failed; `invalid`: wrong shape. */
      readonly reason: 'missing' | 'unreachable' | 'invalid';
      readonly message: string;
      /** One line per problem, e.g. `apiUrl: must be an http(s) URL`. */
      readonly issues: readonly string[];
    };

/** Fetches and validates the runtime configuration. Never throws, except when `signal` aborts. */
export async function loadRuntimeConfig(
  fetchFn: FetchLike,
  { url = DEFAULT_CONFIG_URL, signal }: { url?: string; signal?: AbortSignal } = {},
): Promise<RuntimeConfigResult> {
  let response;
  try {
    response = await fetchFn(url, {
      signal,
      cache: 'no-cache',
      headers: { accept: 'application/json' },
    });
  } catch (error) {
    signal?.throwIfAborted();
    return failure('unreachable', `Could not load ${url}: ${describeFetchError(error)}.`);
  }
  if (response.status === 404) {
    return failure(
      'missing',
      `${url} was not found. The dev stack (npm start) and the deployment serve it; with the Vite ` +
        'dev server alone, write apps/web/public/config.json (it is not committed).',
    );
  }
  if (!response.ok) {
    return failure('unreachable', `Could not load ${url}: HTTP ${response.status}.`);
  }
  const body = await readJsonBody(response);
  signal?.throwIfAborted();
  if (body === undefined) {
    // A dev server without the file answers with its HTML fallback page instead of a 404.
    return failure(
      'missing',
      `${url} is not JSON, so it is probably missing. The dev stack (npm start) and the deployment ` +
        'serve it; with the Vite dev server alone, write apps/web/public/config.json.',
    );
  }
  const parsed = runtimeConfigSchema.safeParse(body);
  if (!parsed.success) {
    return failure(
      'invalid',
      `${url} does not have the expected shape.`,
      parsed.error.issues.map(
        (issue) => `${issue.path.map(String).join('.') || '(root)'}: ${issue.message}`,
      ),
    );
  }
  return { ok: true, config: parsed.data };
}

/**
 * The services whose health the status panel checks, in a stable order. Without a `services`
 * entry, only chat-api is checked, at `apiUrl`.
 */
export function servicesToCheck(config: RuntimeConfig): { name: ServiceName; url: string }[] {
  const services = config.services ?? { 'chat-api': config.apiUrl };
  return serviceNameSchema.options.flatMap((name) => {
    const url = services[name];
    return url === undefined ? [] : [{ name, url }];
  });
}

function failure(
  reason: 'missing' | 'unreachable' | 'invalid',
  message: string,
  issues: readonly string[] = [],
): RuntimeConfigResult {
  return { ok: false, reason, message, issues };
}
