import * as z from 'zod';

/**
 * Browser origins allowed to call a service (the web app's origin), comma-separated. Empty means
 * no cross-origin access at all.
 */
export const corsOriginsSchema = z
  .string()
  .default('')
  .transform((value) =>
    value
      .split(',')
      .map((origin) => origin.trim())
      .filter(Boolean),
  )
  .pipe(z.array(z.url({ protocol: /^https?$/ })));

/** Settings every service reads. Each app's `config.ts` extends this. */
export const baseConfigSchema = z.object({
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Stamped on health reports and logs; the deploy pipeline sets it to the commit. */
  SERVICE_VERSION: z.string().min(1).default('dev'),
  CORS_ALLOWED_ORIGINS: corsOriginsSchema,
});

/** Settings of a service that listens for HTTP locally or in a container. */
export const httpConfigSchema = baseConfigSchema.extend({
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535),
});

export type BaseConfig = z.infer<typeof baseConfigSchema>;
export type HttpConfig = z.infer<typeof httpConfigSchema>;
