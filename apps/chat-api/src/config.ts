import { baseConfigSchema, httpConfigSchema } from '@lgm/server-kit';
import type { z } from 'zod';

/** chat-api's environment, on Lambda and locally. Later issues add the stores and the model. */
export const configSchema = baseConfigSchema;

/** The local server also needs somewhere to listen. */
export const serverConfigSchema = configSchema.extend(httpConfigSchema.shape);

export type Config = z.output<typeof configSchema>;
