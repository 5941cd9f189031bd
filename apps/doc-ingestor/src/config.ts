import { baseConfigSchema, httpConfigSchema } from '@lgm/server-kit';
import type { z } from 'zod';

/** doc-ingestor's environment, on Lambda and locally. */
export const configSchema = baseConfigSchema;

export const serverConfigSchema = configSchema.extend(httpConfigSchema.shape);

export type Config = z.output<typeof configSchema>;
