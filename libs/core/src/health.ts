import type { HealthResponse, HealthStatus, ServiceName } from '@lgm/contracts';

import type { Clock } from './clock';

/** One dependency's answer to "are you usable?". Throwing counts as `down`. */
export type HealthCheck = () => Promise<{ status: HealthStatus; detail?: string }>;

export interface HealthReporter {
  report(): Promise<HealthResponse>;
}

/**
 * Runs the service's dependency checks and folds them into one report: `down` if any check is
 * down, `degraded` if any is degraded, otherwise `ok`.
 */
export function createHealthReporter(options: {
  service: ServiceName;
  version: string;
  clock: Clock;
  checks?: Readonly<Record<string, HealthCheck>>;
}): HealthReporter {
  const checks = Object.entries(options.checks ?? {});
  return {
    async report() {
      const results = await Promise.all(
        checks.map(async ([name, check]) => {
          try {
            return [name, await check()] as const;
          } catch (error) {
            const detail = error instanceof Error ? error.message : 'check failed';
            return [name, { status: 'down' as const, detail }] as const;
          }
        }),
      );
      const statuses = results.map(([, result]) => result.status);
      const status: HealthStatus = statuses.includes('down')
        ? 'down'
        : statuses.includes('degraded')
          ? 'degraded'
          : 'ok';
      return {
        status,
        service: options.service,
        version: options.version,
        time: options.clock.now().toISOString(),
        checks: Object.fromEntries(results),
      };
    },
  };
}
