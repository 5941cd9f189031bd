import { createVerifierFromConfig, type TokenVerifier } from '@lgm/auth';
import { type ChatRuntimeOverrides, createChatRuntime } from '@lgm/chat';
import { createServiceContext, type ServiceContextOverrides } from '@lgm/server-kit';

import type { AppDeps } from './app';
import type { ServerConfig } from './config';
import { createLocalGateway } from './local-gateway';

/** Replacements for what bootstrap builds from config (tests). */
export interface BootstrapOverrides extends Pick<
  ServiceContextOverrides,
  'clock' | 'logDestination'
> {
  readonly runtime?: ChatRuntimeOverrides;
  readonly verifier?: TokenVerifier;
}

/**
 * The local server's composition root: config in, the service context and its socket gateway
 * out. The chat runtime is the one chat-api composes, so both run turns the same way.
 */
export function bootstrap(config: ServerConfig, overrides: BootstrapOverrides = {}): AppDeps {
  const context = createServiceContext('ws-gateway', config, {
    ...(overrides.clock === undefined ? {} : { clock: overrides.clock }),
    ...(overrides.logDestination === undefined ? {} : { logDestination: overrides.logDestination }),
  });
  const runtime = createChatRuntime(config, context, overrides.runtime);
  const verifier = overrides.verifier ?? createVerifierFromConfig(config, { clock: context.clock });
  const gateway = createLocalGateway({
    engine: runtime.engine,
    connections: runtime.connections,
    verifier,
    health: context.health,
    logger: context.logger,
    nextId: context.nextId,
    maxEventsPerTurn: config.WS_MAX_EVENTS_PER_TURN,
    release: () => runtime.close(),
  });
  return { ...context, gateway };
}
