import { loadConfig } from '@lgm/core';
import type { APIGatewayProxyResultV2, APIGatewayProxyWebsocketEventV2 } from 'aws-lambda';

import type { AppDeps } from './app';
import { bootstrap } from './bootstrap';
import { configSchema } from './config';
import { handleSocketRequest } from './socket-routes';

let deps: AppDeps | undefined;

/** API Gateway WebSocket → Lambda: every route lands here and is dispatched by its route key. */
export async function handler(
  event: APIGatewayProxyWebsocketEventV2,
): Promise<APIGatewayProxyResultV2> {
  deps ??= bootstrap(loadConfig(configSchema, process.env));
  const { routeKey, connectionId } = event.requestContext;
  const response = await handleSocketRequest(deps, { routeKey, connectionId, body: event.body });
  if (response.statusCode >= 400) {
    deps.logger.info(
      { routeKey, connectionId, statusCode: response.statusCode },
      'socket route refused',
    );
  }
  return response;
}
