import * as z from 'zod';

/** The dev stack's own settings; every one has a default so `npm start` needs none. */
export const devStackConfigSchema = z.object({
  /** Ports are assigned upwards from here: web, then each service in a fixed order. */
  LGM_PORT_BASE: z.coerce.number().int().min(1024).max(65000).default(3000),
  LGM_HOST: z.string().min(1).default('127.0.0.1'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Where the embedded stores keep their data, relative to the workspace root. */
  LGM_DATA_DIR: z.string().min(1).default('.lgm'),
  /**
   * Dimensions of the embedding model the local services use (`chunks.embedding` is vector(N)):
   * 100 for the packaged local embedder, the default; set it when EMBEDDINGS_PROVIDER says otherwise.
   */
  EMBEDDING_DIMENSIONS: z.coerce.number().int().min(1).max(2000).default(100),
  /**
   * The shared secret doc-ingestor requires on `POST /events`; a random one is generated at boot
   * when unset (tests set it to deliver events themselves).
   */
  INGESTOR_EVENTS_TOKEN: z.string().min(16).max(512).optional(),
  /** `false` starts the services without the web dev server (used by service-only tests). */
  LGM_WEB: z
    .enum(['true', 'false'])
    .default('true')
    .transform((value) => value === 'true'),
});

export type DevStackConfig = z.output<typeof devStackConfigSchema>;
