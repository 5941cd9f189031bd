import type { TokenVerifier } from '@lgm/auth';
import type { TurnEngine } from '@lgm/chat';
import type { HealthReporter, IdGenerator, Logger } from '@lgm/core';

import type { LocalGateway } from './app';
import { LocalSockets } from './local-sockets';
import { createLocalTurns } from './local-turns';
import { createSender, EventDelivery } from './sender';
import { type ConnectionStore, createSocketRoutes } from './socket-routes';
import { TurnHub } from './turn-hub';

export interface LocalGatewayDeps {
  readonly engine: TurnEngine;
  readonly connections: ConnectionStore;
  readonly verifier: TokenVerifier;
  readonly health: HealthReporter;
  readonly logger: Logger;
  readonly nextId: IdGenerator;
  readonly maxEventsPerTurn?: number;
  /** Releases what the gateway runs on (the chat runtime), after the turns have stopped. */
  readonly release?: () => Promise<void>;
}

/**
 * The socket routes of one local process: sockets as the transport, turns run in-process
 * through the hub, connection records in the store (read through a cache: this process is the
 * only writer of its own connections).
 */
export function createLocalGateway(deps: LocalGatewayDeps): LocalGateway {
  const sockets = new LocalSockets();
  const delivery = new EventDelivery({ sender: createSender(sockets), logger: deps.logger });
  const hub = new TurnHub({
    delivery,
    ...(deps.maxEventsPerTurn === undefined ? {} : { maxEventsPerTurn: deps.maxEventsPerTurn }),
  });
  const turns = createLocalTurns({
    engine: deps.engine,
    hub,
    delivery,
    nextId: deps.nextId,
    logger: deps.logger,
  });
  const routes = createSocketRoutes({
    verifier: deps.verifier,
    connections: cachedConnections(deps.connections),
    delivery,
    turns,
    health: deps.health,
    logger: deps.logger,
  });
  return {
    routes,
    sockets,
    close: async () => {
      await turns.close();
      sockets.closeAll();
      await deps.release?.();
    },
  };
}

/** Write-through cache of this process's connection records (saves a read per frame). */
function cachedConnections(store: ConnectionStore): ConnectionStore {
  const owners = new Map<string, string>();
  return {
    put: async (connectionId, userId, ttlSeconds) => {
      const stored = await store.put(connectionId, userId, ttlSeconds);
      owners.set(connectionId, userId);
      return stored;
    },
    get: async (connectionId) => {
      const cached = owners.get(connectionId);
      if (cached !== undefined) return { userId: cached };
      return store.get(connectionId);
    },
    delete: async (connectionId) => {
      owners.delete(connectionId);
      await store.delete(connectionId);
    },
  };
}
