import type { ErrorBody } from '@lgm/contracts';
import type { HealthReporter } from '@lgm/core';

/** One message from a client socket, whatever carried it (API Gateway or the local server). */
export interface SocketRequest {
  readonly routeKey: string;
  readonly connectionId: string;
  readonly body: string | undefined;
}

/** What the route answers; on API Gateway it becomes the integration response. */
export interface SocketResponse {
  readonly statusCode: number;
  readonly body: string;
}

export interface SocketRouteDeps {
  readonly health: HealthReporter;
}

/**
 * The socket routes. `ping` answers with the service's health, so a client or a synthetic
 * monitor can tell the socket path is alive end to end. Routes for sessions and turns arrive
 * with the chat issue; until then any other route is refused with a clear code.
 */
export async function handleSocketRequest(
  deps: SocketRouteDeps,
  request: SocketRequest,
): Promise<SocketResponse> {
  switch (request.routeKey) {
    case 'ping':
      return {
        statusCode: 200,
        body: JSON.stringify({ type: 'pong', health: await deps.health.report() }),
      };
    default: {
      const body: ErrorBody = {
        error: {
          code: 'UNKNOWN_ROUTE',
          message: `The socket route '${request.routeKey}' is not available.`,
        },
      };
      return { statusCode: 400, body: JSON.stringify(body) };
    }
  }
}
