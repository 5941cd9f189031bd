import { createVerifierFromConfig, type TokenVerifier } from '@lgm/auth';
import { createLogger, loadConfig, type Logger } from '@lgm/core';

import {
  authorizeConnect,
  authorizerEventSchema,
  type AuthorizerResponse,
  UNAUTHORIZED,
} from './authorize';
import { authorizerConfigSchema } from './config';

let composed: { verifier: TokenVerifier; logger: Logger } | undefined;

/** Composes once per execution environment: the verifier caches the JWKS between invocations. */
function compose(): { verifier: TokenVerifier; logger: Logger } {
  if (composed === undefined) {
    const config = loadConfig(authorizerConfigSchema, process.env);
    composed = {
      verifier: createVerifierFromConfig(config),
      logger: createLogger({ service: 'ws-gateway', level: config.LOG_LEVEL }),
    };
  }
  return composed;
}

/**
 * The REQUEST authorizer of the WebSocket API's `$connect` route. It imports only the verifier
 * (no chat runtime), so it stays small and starts fast.
 */
export async function handler(event: unknown): Promise<AuthorizerResponse> {
  const { verifier, logger } = compose();
  const parsed = authorizerEventSchema.safeParse(event);
  if (!parsed.success) {
    logger.warn({ issues: parsed.error.issues.slice(0, 5) }, 'unsupported authorizer event');
    throw new Error(UNAUTHORIZED);
  }
  return authorizeConnect(verifier, parsed.data, logger);
}
