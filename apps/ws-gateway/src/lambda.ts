import type { Principal } from '@lgm/auth';
import { loadConfig } from '@lgm/core';
import * as z from 'zod';

import { principalFromAuthorizerContext } from './authorize';
import { bootstrapSocketLambda, type SocketLambdaDeps } from './aws-bootstrap';
import { lambdaConfigSchema } from './config';
import { errorFrame } from './frames';

/**
 * The fields of an API Gateway WebSocket Lambda (proxy) event this entry reads. `$connect`
 * events carry the handshake's headers and query string; with a Lambda authorizer on
 * `$connect`, `requestContext.authorizer` holds what it returned as context.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-websocket-api-mapping-template-reference.html
 */
const socketEventSchema = z.object({
  requestContext: z.object({
    routeKey: z.string().min(1),
    eventType: z.enum(['CONNECT', 'MESSAGE', 'DISCONNECT']),
    connectionId: z.string().min(1).max(128),
    authorizer: z.record(z.string(), z.unknown()).nullish(),
  }),
  headers: z.record(z.string(), z.string()).nullish(),
  queryStringParameters: z.record(z.string(), z.string()).nullish(),
  body: z.string().nullish(),
  isBase64Encoded: z.boolean().optional(),
});
type SocketEvent = z.infer<typeof socketEventSchema>;

/** The integration response (API Gateway reads only the status code and `$connect`'s headers). */
export interface SocketLambdaResult {
  readonly statusCode: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
}

let ready: Promise<SocketLambdaDeps> | undefined;

/** Composes once per execution environment; a failed start is retried by the next invocation. */
function compose(): Promise<SocketLambdaDeps> {
  ready ??= bootstrapSocketLambda(loadConfig(lambdaConfigSchema, process.env)).catch(
    (error: unknown) => {
      ready = undefined;
      throw error;
    },
  );
  return ready;
}

/**
 * API Gateway WebSocket → Lambda: every route (`$connect`, `$disconnect`, `sendMessage`,
 * `resume`, `cancel`, `ping`, `$default`) lands here. Answers to frames go back through
 * `postToConnection` (no route responses needed); the return value matters only for `$connect`,
 * where a non-2xx status refuses the socket and a chosen subprotocol must be echoed.
 */
export async function handler(event: unknown): Promise<SocketLambdaResult> {
  const deps = await compose();
  const parsed = socketEventSchema.safeParse(event);
  if (!parsed.success) {
    deps.context.logger.warn(
      { issues: parsed.error.issues.slice(0, 5) },
      'unsupported WebSocket event',
    );
    return { statusCode: 400 };
  }
  return route(deps, parsed.data);
}

async function route(deps: SocketLambdaDeps, event: SocketEvent): Promise<SocketLambdaResult> {
  const { connectionId, eventType } = event.requestContext;
  switch (eventType) {
    case 'CONNECT': {
      const outcome = await deps.routes.connect({
        connectionId,
        queryToken: event.queryStringParameters?.['token'],
        protocolHeader: header(event, 'sec-websocket-protocol'),
        authorization: header(event, 'authorization'),
        principal: authorizerPrincipal(event),
      });
      if (!outcome.ok) return { statusCode: outcome.status, body: JSON.stringify(outcome.body) };
      return outcome.protocol === undefined
        ? { statusCode: 200 }
        : { statusCode: 200, headers: { 'Sec-WebSocket-Protocol': outcome.protocol } };
    }
    case 'DISCONNECT':
      await deps.routes.disconnect(connectionId);
      return { statusCode: 200 };
    case 'MESSAGE': {
      const raw = event.body ?? undefined;
      if (event.isBase64Encoded === true) {
        // A binary frame: the routes speak JSON text only.
        await deps.delivery.sendFrame(
          connectionId,
          errorFrame('INVALID_FRAME', 'Frames must be JSON text, not binary.'),
        );
      } else {
        await deps.routes.message(connectionId, raw);
      }
      // Every frame posted for this message is out before the function may be frozen.
      await deps.delivery.idle(connectionId);
      deps.delivery.forget(connectionId);
      return { statusCode: 200 };
    }
  }
}

function header(event: SocketEvent, name: string): string | undefined {
  for (const [key, value] of Object.entries(event.headers ?? {})) {
    if (key.toLowerCase() === name) return value;
  }
  return undefined;
}

function authorizerPrincipal(event: SocketEvent): Principal | undefined {
  const context = event.requestContext.authorizer;
  return context ? principalFromAuthorizerContext(context) : undefined;
}
