import type { Principal, TokenVerifier } from '@lgm/auth';
import { isAppError, type Logger } from '@lgm/core';
import * as z from 'zod';

import { credentialsOf } from './socket-routes';

/**
 * The `$connect` Lambda authorizer (REQUEST type): verifies the token from the `token` query
 * parameter or `Sec-WebSocket-Protocol: bearer, <jwt>`, and hands the principal to the socket
 * Lambda as authorizer context.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-websocket-api-lambda-auth.html
 */
export const authorizerEventSchema = z.object({
  type: z.literal('REQUEST'),
  methodArn: z.string().min(1),
  headers: z.record(z.string(), z.string()).nullish(),
  queryStringParameters: z.record(z.string(), z.string()).nullish(),
  requestContext: z
    .object({ connectionId: z.string().optional(), routeKey: z.string().optional() })
    .loose()
    .optional(),
});
export type AuthorizerEvent = z.infer<typeof authorizerEventSchema>;

/** Context values must be strings, numbers or booleans: groups travel comma-joined. */
export interface AuthorizerContext {
  readonly sub: string;
  readonly username?: string;
  readonly email?: string;
  readonly groups: string;
  readonly expiresAt: number;
  /** On a Deny: why (a stable error code). */
  readonly reason?: string;
}

export interface AuthorizerResponse {
  readonly principalId: string;
  readonly policyDocument: {
    readonly Version: '2012-10-17';
    readonly Statement: readonly {
      readonly Action: 'execute-api:Invoke';
      readonly Effect: 'Allow' | 'Deny';
      readonly Resource: string;
    }[];
  };
  readonly context?: Partial<AuthorizerContext>;
}

/** API Gateway answers 401 when the authorizer throws exactly this message. */
export const UNAUTHORIZED = 'Unauthorized';

function policy(
  principalId: string,
  effect: 'Allow' | 'Deny',
  resource: string,
  context: Partial<AuthorizerContext>,
): AuthorizerResponse {
  return {
    principalId,
    policyDocument: {
      Version: '2012-10-17',
      Statement: [{ Action: 'execute-api:Invoke', Effect: effect, Resource: resource }],
    },
    context,
  };
}

/**
 * Decides a `$connect`: Allow with the principal as context for a valid token; Deny (403) for
 * a token that does not verify; throws `Unauthorized` (401) when there is no token at all. A
 * JWKS outage is thrown as it is (API Gateway answers 500), so nobody is let in unverified.
 */
export async function authorizeConnect(
  verifier: TokenVerifier,
  event: AuthorizerEvent,
  logger: Logger,
): Promise<AuthorizerResponse> {
  const headers = Object.fromEntries(
    Object.entries(event.headers ?? {}).map(([key, value]) => [key.toLowerCase(), value]),
  );
  const { token } = credentialsOf({
    connectionId: event.requestContext?.connectionId ?? 'authorizer',
    queryToken: event.queryStringParameters?.['token'],
    protocolHeader: headers['sec-websocket-protocol'],
    authorization: headers['authorization'],
  });
  if (token === undefined) throw new Error(UNAUTHORIZED);
  try {
    const principal = await verifier.verify(token);
    return policy(principal.sub, 'Allow', event.methodArn, toAuthorizerContext(principal));
  } catch (error) {
    if (isAppError(error) && error.status === 401) {
      logger.info({ code: error.code }, 'connect denied');
      return policy('anonymous', 'Deny', event.methodArn, { reason: error.code });
    }
    throw error;
  }
}

export function toAuthorizerContext(principal: Principal): AuthorizerContext {
  return {
    sub: principal.sub,
    ...(principal.username === undefined ? {} : { username: principal.username }),
    ...(principal.email === undefined ? {} : { email: principal.email }),
    groups: principal.groups.join(','),
    expiresAt: principal.expiresAt,
  };
}

const contextSchema = z.object({
  sub: z.string().min(1),
  username: z.string().optional(),
  email: z.string().optional(),
  groups: z.string().optional(),
  expiresAt: z.coerce.number().int(),
});

/**
 * The principal the authorizer verified, from `requestContext.authorizer` of the `$connect`
 * event; undefined when no authorizer ran (the socket Lambda then verifies the token itself).
 */
export function principalFromAuthorizerContext(
  context: Readonly<Record<string, unknown>>,
): Principal | undefined {
  const parsed = contextSchema.safeParse(context);
  if (!parsed.success) return undefined;
  const { sub, username, email, groups, expiresAt } = parsed.data;
  return {
    sub,
    ...(username === undefined ? {} : { username }),
    ...(email === undefined ? {} : { email }),
    groups: (groups ?? '').split(',').filter(Boolean),
    expiresAt,
  };
}
