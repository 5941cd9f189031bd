import cors from '@fastify/cors';
import { AppError, toErrorBody } from '@lgm/core';
import Fastify, {
  type FastifyError,
  type FastifyInstance,
  type FastifyServerOptions,
} from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';

import { registerHealthRoute } from './health-route';
import type { ServiceContext } from './service-context';

type CompilersFactory = NonNullable<
  NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']
>;

/**
 * fastify types these factories for ajv-style JSON schemas; every LGM route declares zod schemas,
 * which is what these compilers take.
 */
const zodCompilers = {
  buildValidator: () => validatorCompiler,
  buildSerializer: () => serializerCompiler,
} as unknown as CompilersFactory;

export interface HttpAppOptions {
  /** Bytes; larger bodies get 413 before any handler runs. */
  readonly bodyLimit?: number;
}

/**
 * A fastify instance with LGM's request ids, CORS for the web origins, its single error handler,
 * a JSON 404 and `GET /health`. Every service builds its routes on this, so errors look the same
 * everywhere.
 */
export function createHttpApp(
  context: Pick<ServiceContext, 'logger' | 'nextId' | 'corsOrigins' | 'health'>,
  options: HttpAppOptions = {},
): FastifyInstance {
  const app = Fastify({
    loggerInstance: context.logger,
    genReqId: () => context.nextId(),
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
    return503OnClosing: true,
    // Routes validate and serialise with zod. Supplying the compilers here means fastify never
    // loads its JSON-schema ones (ajv, fast-json-stringify: ~300 KB of every Lambda bundle).
    schemaController: { compilersFactory: zodCompilers },
  }) as unknown as FastifyInstance;

  if (context.corsOrigins.length > 0) {
    void app.register(cors, {
      origin: [...context.corsOrigins],
      methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
      allowedHeaders: ['Authorization', 'Content-Type', 'Idempotency-Key'],
      maxAge: 600,
    });
  }

  app.setErrorHandler((error: FastifyError | Error, request, reply) => {
    const appError = fromFastifyError(error);
    const { status, body } = toErrorBody(appError);
    if (status >= 500) request.log.error({ err: error }, 'request failed');
    else request.log.info({ code: body.error.code, status }, 'request rejected');
    void reply.status(status).send(body);
  });

  app.setNotFoundHandler((request, reply) => {
    void reply.status(404).send({
      error: { code: 'ROUTE_NOT_FOUND', message: `No route ${request.method} ${request.url}.` },
    });
  });

  registerHealthRoute(app, context.health);
  return app;
}

/** Fastify's own client errors (bad JSON, body too large, schema failures) become AppErrors. */
function fromFastifyError(error: FastifyError | Error): unknown {
  if (!('code' in error) || typeof error.statusCode !== 'number' || error.statusCode >= 500) {
    return error;
  }
  const status = error.statusCode;
  // Keep the transport's status (413, 415, ...) while speaking in our codes.
  return new AppError(fastifyCodeToAppCode(error.code, status), status, error.message, {
    cause: error,
  });
}

function fastifyCodeToAppCode(code: string, status: number): string {
  switch (code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return 'PAYLOAD_TOO_LARGE';
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return 'UNSUPPORTED_MEDIA_TYPE';
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return 'MALFORMED_JSON';
    default:
      return status === 404 ? 'ROUTE_NOT_FOUND' : 'BAD_REQUEST';
  }
}
