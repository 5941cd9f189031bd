import {
  type ApiGatewayManagementApiClient,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { ServiceUnavailableError } from '@lgm/core';

import type { Delivery, FrameTransport } from './sender';

/**
 * The AWS transport: API Gateway's management API (`POST /@connections/{id}` on the
 * `WS_CALLBACK_URL` endpoint). `GoneException` (HTTP 410) means the client is gone for good.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-how-to-call-websocket-api-connections.html
 */
export function createApiGatewayTransport(client: ApiGatewayManagementApiClient): FrameTransport {
  return {
    post: async (connectionId, data): Promise<Delivery> => {
      try {
        await client.send(
          new PostToConnectionCommand({
            ConnectionId: connectionId,
            Data: new TextEncoder().encode(data),
          }),
        );
        return 'delivered';
      } catch (error) {
        if (isGone(error)) return 'gone';
        throw new ServiceUnavailableError('A frame could not be posted to the connection.', {
          code: 'POST_TO_CONNECTION_FAILED',
          cause: error,
        });
      }
    },
  };
}

// By name and status, not instanceof: two copies of the SDK in one bundle classify alike.
function isGone(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { name, $metadata } = error as { name?: unknown; $metadata?: { httpStatusCode?: unknown } };
  return name === 'GoneException' || $metadata?.httpStatusCode === 410;
}
