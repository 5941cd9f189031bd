import type { ServiceName } from '@lgm/contracts';
import {
  createHealthReporter,
  createIdGenerator,
  createManualClock,
  type HealthCheck,
  type ManualClock,
} from '@lgm/core';

import { silentLogger } from './silent-logger';

/**
 * A service context for tests: silent logs, a manual clock at a fixed instant, and the real id
 * generator and health reporter. Structurally a `ServiceContext` of @lgm/server-kit.
 */
export function testServiceContext(
  service: ServiceName,
  options: { corsOrigins?: readonly string[]; checks?: Readonly<Record<string, HealthCheck>> } = {},
) {
  const clock: ManualClock = createManualClock('2026-11-26T10:00:00.000Z');
  return {
    service,
    version: 'test',
    logger: silentLogger(service),
    clock,
    nextId: createIdGenerator(clock),
    health: createHealthReporter({ service, version: 'test', clock, checks: options.checks ?? {} }),
    corsOrigins: options.corsOrigins ?? [],
  };
}
