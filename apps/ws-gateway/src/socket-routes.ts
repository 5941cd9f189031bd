import type { Principal, TokenVerifier } from '@lgm/auth';
import type { ErrorBody } from '@lgm/contracts';
import {
  type HealthReporter,
  type Logger,
  toAppError,
  toErrorBody,
  UnauthorizedError,
} from '@lgm/core';

import {
  type CancelFrame,
  errorFrame,
  errorFrameFrom,
  parseClientFrame,
  type ResumeFrame,
  type SendMessageFrame,
} from './frames';
import type { EventDelivery } from './sender';

/** Which user holds which connection (the `connections` table; `ConnectionRepository` fits). */
export interface ConnectionStore {
  put(connectionId: string, userId: string, ttlSeconds: number): Promise<unknown>;
  get(connectionId: string): Promise<{ readonly userId: string } | undefined>;
  delete(connectionId: string): Promise<void>;
}

/** The caller of a socket route, from its connection record. */
export interface SocketCaller {
  readonly ownerId: string;
  readonly connectionId: string;
}

/**
 * Runs turns for the socket routes: in this process (local server) or through the turn queue
 * and its worker (AWS). Failures are thrown as AppErrors; the routes answer them as error frames.
 */
export interface TurnDispatcher {
  start(caller: SocketCaller, frame: SendMessageFrame): Promise<void>;
  resume(caller: SocketCaller, frame: ResumeFrame): Promise<void>;
  cancel(caller: SocketCaller, frame: CancelFrame): Promise<void>;
  /** The connection closed: stop sending to it. */
  disconnected(connectionId: string): void;
}

/** The credentials a client presented while opening the socket. */
export interface Handshake {
  readonly connectionId: string;
  /** The `token` query parameter (`wss://…/ws?token=<jwt>`). */
  readonly queryToken?: string | undefined;
  /** `Sec-WebSocket-Protocol`, as browsers send it for `new WebSocket(url, ['bearer', jwt])`. */
  readonly protocolHeader?: string | undefined;
  /** `Authorization: Bearer <jwt>`, for clients that can set headers. */
  readonly authorization?: string | undefined;
  /** A principal API Gateway's authorizer already verified (its context). */
  readonly principal?: Principal | undefined;
}

/** The outcome of `$connect`. */
export type ConnectOutcome =
  | {
      readonly ok: true;
      readonly principal: Principal;
      /** The subprotocol to answer with (`bearer`), when the client offered it. */
      readonly protocol?: string;
    }
  | { readonly ok: false; readonly status: number; readonly body: ErrorBody };

export interface SocketRouteDeps {
  readonly verifier: TokenVerifier;
  readonly connections: ConnectionStore;
  readonly delivery: EventDelivery;
  readonly turns: TurnDispatcher;
  readonly health: HealthReporter;
  readonly logger: Logger;
  /** How long a connection record lives; API Gateway closes sockets after 2 hours. */
  readonly connectionTtlSeconds?: number;
}

/** The socket routes, whatever carries them (API Gateway WebSocket or the local server). */
export interface SocketRoutes {
  /** `$connect`: authenticates and records the connection. */
  connect(handshake: Handshake): Promise<ConnectOutcome>;
  /** `$disconnect`: forgets the connection (it may be delivered twice, or never). */
  disconnect(connectionId: string): Promise<void>;
  /**
   * Any frame from a client (`sendMessage`, `resume`, `cancel`, `ping`, or garbage). Every answer
   * goes back through the delivery as frames; nothing a client sends makes this throw.
   */
  message(connectionId: string, body: string | undefined, byteLength?: number): Promise<void>;
}

/** The subprotocol a browser offers beside its token; the server answers with it. */
export const BEARER_PROTOCOL = 'bearer';

/** Two hours of API Gateway's connection limit, plus margin. */
export const DEFAULT_CONNECTION_TTL_SECONDS = 3 * 60 * 60;

/**
 * The token of a handshake: the `token` query parameter, else the value after `bearer` in
 * `Sec-WebSocket-Protocol` (`bearer, <jwt>`), else an `Authorization: Bearer` header.
 */
export function credentialsOf(handshake: Handshake): { token?: string; protocol?: string } {
  const offered = (handshake.protocolHeader ?? '')
    .split(',')
    .map((value) => value.trim())
    .filter(Boolean);
  const bearerAt = offered.findIndex((value) => value.toLowerCase() === BEARER_PROTOCOL);
  const protocol = bearerAt === -1 ? undefined : BEARER_PROTOCOL;
  const fromProtocol = bearerAt === -1 ? undefined : offered[bearerAt + 1];
  const fromHeader = /^Bearer +(\S+)$/i.exec(handshake.authorization ?? '')?.[1];
  const token = handshake.queryToken || fromProtocol || fromHeader;
  return {
    ...(token ? { token } : {}),
    ...(protocol === undefined ? {} : { protocol }),
  };
}

/** Builds the socket routes over their ports. */
export function createSocketRoutes(deps: SocketRouteDeps): SocketRoutes {
  const ttlSeconds = deps.connectionTtlSeconds ?? DEFAULT_CONNECTION_TTL_SECONDS;

  const connect = async (handshake: Handshake): Promise<ConnectOutcome> => {
    const { token, protocol } = credentialsOf(handshake);
    try {
      let principal = handshake.principal;
      if (principal === undefined) {
        if (token === undefined) throw new UnauthorizedError('Authentication is required.');
        principal = await deps.verifier.verify(token);
      }
      await deps.connections.put(handshake.connectionId, principal.sub, ttlSeconds);
      return { ok: true, principal, ...(protocol === undefined ? {} : { protocol }) };
    } catch (error) {
      const { status, body } = toErrorBody(error);
      if (status >= 500) deps.logger.error({ err: error }, 'connect failed');
      else deps.logger.info({ code: body.error.code }, 'connect refused');
      return { ok: false, status, body };
    }
  };

  const disconnect = async (connectionId: string): Promise<void> => {
    deps.turns.disconnected(connectionId);
    deps.delivery.forget(connectionId);
    try {
      await deps.connections.delete(connectionId);
    } catch (error) {
      // The record expires by itself; a failed delete must not fail the disconnect.
      deps.logger.warn({ err: error, connectionId }, 'connection record not deleted');
    }
  };

  const message = async (
    connectionId: string,
    body: string | undefined,
    byteLength?: number,
  ): Promise<void> => {
    const parsed = parseClientFrame(body, byteLength);
    if (!parsed.ok) {
      await deps.delivery.sendFrame(connectionId, parsed.error);
      return;
    }
    const frame = parsed.frame;
    const requestId = frame.requestId;
    try {
      if (frame.action === 'ping') {
        const report = await deps.health.report();
        await deps.delivery.sendFrame(connectionId, {
          kind: 'pong',
          ...(requestId === undefined ? {} : { requestId }),
          status: report.status === 'ok' ? 'ok' : 'degraded',
        });
        return;
      }
      const connection = await deps.connections.get(connectionId);
      if (connection === undefined) {
        await deps.delivery.sendFrame(
          connectionId,
          errorFrame('CONNECTION_UNKNOWN', 'This connection is not registered; reconnect.', {
            requestId,
          }),
        );
        return;
      }
      const caller: SocketCaller = { ownerId: connection.userId, connectionId };
      switch (frame.action) {
        case 'sendMessage':
          await deps.turns.start(caller, frame);
          return;
        case 'resume':
          await deps.turns.resume(caller, frame);
          return;
        case 'cancel':
          await deps.turns.cancel(caller, frame);
          return;
      }
    } catch (error) {
      const appError = toAppError(error);
      if (appError.isServerError) {
        deps.logger.error(
          { err: error, action: frame.action, connectionId },
          'socket route failed',
        );
      } else {
        deps.logger.info({ code: appError.code, action: frame.action }, 'socket request refused');
      }
      await deps.delivery.sendFrame(connectionId, errorFrameFrom(appError, requestId));
    }
  };

  return { connect, disconnect, message };
}
