import websocket from '@fastify/websocket';
import { createHttpApp, type ServiceContext } from '@lgm/server-kit';
import type { FastifyInstance, FastifyRequest } from 'fastify';

import { MAX_CLIENT_FRAME_BYTES } from './frames';
import type { LocalSockets } from './local-sockets';
import { BEARER_PROTOCOL, type SocketRoutes } from './socket-routes';

/** The socket side of the local server: the routes and the sockets they answer through. */
export interface LocalGateway {
  readonly routes: SocketRoutes;
  readonly sockets: LocalSockets;
  /** Cancels running turns (their partial answers are stored) and releases the stores. */
  close(): Promise<void>;
}

export interface AppDeps extends ServiceContext {
  /** Absent when the chat stores are not configured: only health is served then. */
  readonly gateway?: LocalGateway;
}

/**
 * ws's own limit, above the frame limit on purpose: a frame between the two is answered with a
 * `FRAME_TOO_LARGE` error frame and the socket stays open, as on API Gateway; only a frame past
 * this closes the socket (1009).
 */
const SOCKET_MAX_PAYLOAD_BYTES = 4 * MAX_CLIENT_FRAME_BYTES;

/**
 * The local ws-gateway: `GET /ws` upgrades to a WebSocket that carries the same routes as API
 * Gateway does on AWS (`$connect` at the upgrade, `$disconnect` at close, every frame to the
 * router), plus `GET /health`.
 *
 * Authentication happens before the upgrade: the token comes from the `token` query parameter,
 * from `Sec-WebSocket-Protocol: bearer, <jwt>` (browsers cannot set headers; the server then
 * answers with the `bearer` subprotocol) or from `Authorization: Bearer`. A missing or bad
 * token is an HTTP 401 with the usual error body, and no socket is opened.
 */
export function buildApp(deps: AppDeps): FastifyInstance {
  const app = createHttpApp(deps);
  const { gateway } = deps;
  const connectionIds = new WeakMap<FastifyRequest, string>();

  void app.register(websocket, {
    options: {
      maxPayload: SOCKET_MAX_PAYLOAD_BYTES,
      handleProtocols: (protocols: Set<string>) =>
        protocols.has(BEARER_PROTOCOL) ? BEARER_PROTOCOL : false,
    },
  });

  void app.register(async (scope) => {
    scope.route({
      method: 'GET',
      url: '/ws',
      // Fastify's request lines log the URL, and `?token=` carries a JWT: this route logs
      // warnings and errors only (which carry the request id, never the URL).
      logLevel: 'warn',
      preValidation: async (request, reply) => {
        if (!request.ws) return;
        if (gateway === undefined) {
          await reply.status(503).send({
            error: {
              code: 'CHAT_NOT_CONFIGURED',
              message: 'The chat stores are not configured on this server.',
            },
          });
          return reply;
        }
        const connectionId = deps.nextId();
        const query = request.query as Record<string, unknown>;
        const outcome = await gateway.routes.connect({
          connectionId,
          queryToken: typeof query['token'] === 'string' ? query['token'] : undefined,
          protocolHeader: request.headers['sec-websocket-protocol'],
          authorization: request.headers.authorization,
        });
        if (!outcome.ok) {
          await reply.status(outcome.status).send(outcome.body);
          return reply;
        }
        connectionIds.set(request, connectionId);
        return undefined;
      },
      handler: async (_request, reply) => {
        await reply
          .status(426)
          .header('upgrade', 'websocket')
          .send({
            error: { code: 'UPGRADE_REQUIRED', message: 'GET /ws opens a WebSocket.' },
          });
      },
      wsHandler: (socket, request) => {
        const connectionId = connectionIds.get(request);
        if (gateway === undefined || connectionId === undefined) {
          socket.close(1011, 'Not connected.');
          return;
        }
        gateway.sockets.add(connectionId, socket);
        // Frames of one socket are handled one after another, in the order they came.
        let queue: Promise<void> = Promise.resolve();
        socket.on('message', (data, isBinary) => {
          const buffer = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as Buffer);
          const text = isBinary ? undefined : buffer.toString('utf8');
          queue = queue
            .then(() => gateway.routes.message(connectionId, text ?? '', buffer.byteLength))
            .catch((error: unknown) => {
              // The routes answer every failure with a frame; this only keeps the queue alive.
              deps.logger.error({ err: error, connectionId }, 'frame handling failed');
            });
        });
        socket.on('close', () => {
          gateway.sockets.remove(connectionId);
          void queue.then(() => gateway.routes.disconnect(connectionId));
        });
      },
    });
  });

  app.addHook('onClose', async () => {
    await gateway?.close();
  });
  return app;
}
