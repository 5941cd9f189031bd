import awsLambdaFastify from '@fastify/aws-lambda';
import { type AppError, type Logger, toAppError, ValidationError } from '@lgm/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import type { FastifyInstance } from 'fastify';
import type { z } from 'zod';

export type HttpLambdaHandler = (
  event: APIGatewayProxyEvent,
  context: Context,
) => Promise<APIGatewayProxyResult>;

/**
 * The API Gateway REST (proxy) entry over a service's fastify app. The app is built on the first
 * invocation and kept for the life of the execution environment; building lazily (instead of a
 * top-level await) keeps the module importable from CommonJS test runners.
 */
export function createHttpLambdaHandler(
  buildApp: () => FastifyInstance | Promise<FastifyInstance>,
): HttpLambdaHandler {
  let proxy:
    | Promise<(event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>>
    | undefined;
  return async (event, context) => {
    proxy ??= (async () => {
      const app = await buildApp();
      const handler = awsLambdaFastify(app, { decorateRequest: false });
      await app.ready();
      return handler as (
        event: APIGatewayProxyEvent,
        context: Context,
      ) => Promise<APIGatewayProxyResult>;
    })();
    const building = proxy;
    // A failed cold start (a secret not readable yet, a throttled call) must not poison the
    // environment for its whole life: the next invocation composes the app again.
    building.catch(() => {
      if (proxy === building) proxy = undefined;
    });
    return (await building)(event, context);
  };
}

/**
 * A non-HTTP Lambda entry: the event is validated with zod before the core sees it, and every
 * failure is logged once here and rethrown as an AppError, so Lambda (or SQS redrive) sees it.
 */
export function createEventLambdaHandler<TSchema extends z.ZodType, TResult>(options: {
  schema: TSchema;
  logger: () => Logger;
  handle: (event: z.output<TSchema>) => Promise<TResult>;
}): (event: unknown) => Promise<TResult> {
  return async (event) => {
    const parsed = options.schema.safeParse(event);
    if (!parsed.success) {
      const error = new ValidationError('The Lambda event has an unsupported shape.', {
        code: 'UNSUPPORTED_EVENT',
        details: parsed.error.issues.slice(0, 10).map((issue) => ({
          path: issue.path.map(String).join('.'),
          message: issue.message,
        })),
      });
      options.logger().warn({ code: error.code, details: error.details }, error.message);
      throw error;
    }
    try {
      return await options.handle(parsed.data);
    } catch (error) {
      const appError: AppError = toAppError(error);
      options.logger().error({ err: error, code: appError.code }, 'event handling failed');
      throw appError;
    }
  };
}
