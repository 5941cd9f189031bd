import type { ServiceName } from '@lgm/contracts';
import {
  type Clock,
  createHealthReporter,
  createIdGenerator,
  createLogger,
  type HealthCheck,
  type HealthReporter,
  type IdGenerator,
  type Logger,
  systemClock,
} from '@lgm/core';
import type { DestinationStream } from 'pino';

import type { BaseConfig } from './base-config';

/** What every service's composition root starts from; apps extend it with their own ports. */
export interface ServiceContext {
  readonly service: ServiceName;
  readonly version: string;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly nextId: IdGenerator;
  readonly health: HealthReporter;
  /** Browser origins allowed to call the service's HTTP routes. */
  readonly corsOrigins: readonly string[];
}

export interface ServiceContextOverrides {
  readonly clock?: Clock;
  readonly logDestination?: DestinationStream;
  /** Dependency checks folded into the health report. */
  readonly checks?: Readonly<Record<string, HealthCheck>>;
}

export function createServiceContext(
  service: ServiceName,
  config: BaseConfig,
  overrides: ServiceContextOverrides = {},
): ServiceContext {
  const clock = overrides.clock ?? systemClock;
  const logger = createLogger({
    service,
    level: config.LOG_LEVEL,
    ...(overrides.logDestination ? { destination: overrides.logDestination } : {}),
  });
  const version = config.SERVICE_VERSION;
  return {
    service,
    version,
    logger,
    clock,
    nextId: createIdGenerator(clock),
    health: createHealthReporter({ service, version, clock, checks: overrides.checks ?? {} }),
    corsOrigins: config.CORS_ALLOWED_ORIGINS,
  };
}
