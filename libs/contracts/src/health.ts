import * as z from 'zod';

export const serviceNameSchema = z.enum([
  'chat-api',
  'ws-gateway',
  'doc-ingestor',
  'mcp-server',
  'code-runner',
]);

export type ServiceName = z.infer<typeof serviceNameSchema>;

export const healthStatusSchema = z.enum(['ok', 'degraded', 'down']);

export type HealthStatus = z.infer<typeof healthStatusSchema>;

/** What every service answers on its health check, locally and on AWS. */
export const healthResponseSchema = z
  .object({
    status: healthStatusSchema,
    service: serviceNameSchema,
    version: z.string().min(1),
    time: z.iso.datetime(),
    checks: z
      .record(
        z.string(),
        z.object({ status: healthStatusSchema, detail: z.string().optional() }).strict(),
      )
      .default({}),
  })
  .strict();

export type HealthResponse = z.infer<typeof healthResponseSchema>;
