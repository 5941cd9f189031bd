import type { Logger } from '@lgm/core';
import type { FastifyInstance } from 'fastify';

export interface ListenOptions {
  readonly host: string;
  readonly port: number;
  readonly logger: Logger;
  /** Signals that close the server gracefully; the dev stack handles its own. */
  readonly shutdownSignals?: readonly NodeJS.Signals[];
}

/**
 * Listens and, on SIGINT/SIGTERM, stops taking new requests, lets in-flight ones finish and exits.
 * ECS sends SIGTERM and waits `stopTimeout` before SIGKILL.
 */
export async function listen(app: FastifyInstance, options: ListenOptions): Promise<string> {
  const url = await app.listen({ host: options.host, port: options.port });
  for (const signal of options.shutdownSignals ?? ['SIGINT', 'SIGTERM']) {
    process.once(signal, () => {
      options.logger.info({ signal }, 'shutting down');
      app.close().then(
        () => process.exit(0),
        (error: unknown) => {
          options.logger.error({ err: error }, 'shutdown failed');
          process.exit(1);
        },
      );
    });
  }
  return url;
}
