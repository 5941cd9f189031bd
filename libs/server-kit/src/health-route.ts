import type { HealthReporter } from '@lgm/core';
import type { FastifyInstance } from 'fastify';

/** `GET /health`: 200 while the service can serve, 503 when a dependency is down. */
export function registerHealthRoute(app: FastifyInstance, health: HealthReporter): void {
  app.get('/health', { logLevel: 'warn' }, async (_request, reply) => {
    const report = await health.report();
    return reply.status(report.status === 'down' ? 503 : 200).send(report);
  });
}
