import type { HealthResponse } from '@lgm/contracts';
import type { HealthReporter } from '@lgm/core';
import * as z from 'zod';

/**
 * The events the ingestor accepts. A direct `health` invocation lets the deployment (and a
 * synthetic canary) check that the function starts and can reach its dependencies. S3 object
 * events (through SQS) join this union with the knowledge-base issue.
 */
export const ingestorEventSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('health') }).strict(),
]);

export type IngestorEvent = z.infer<typeof ingestorEventSchema>;

export type IngestorResult = HealthResponse;

export interface IngestorDeps {
  readonly health: HealthReporter;
}

/** The ingestor's core, with no knowledge of Lambda or HTTP. */
export function createIngestor(deps: IngestorDeps): {
  handle(event: IngestorEvent): Promise<IngestorResult>;
} {
  return {
    async handle(event) {
      switch (event.kind) {
        case 'health':
          return deps.health.report();
      }
    },
  };
}
