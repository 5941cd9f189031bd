import {
  createSessionRequestSchema,
  listSessionsQuerySchema,
  sessionPageSchema,
  sessionParamsSchema,
  sessionSchema,
  updateSessionRequestSchema,
} from '@lgm/contracts';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';

import type { AppDeps } from '../deps';
import { sessionView } from '../views';
import { errorResponses, noQuerySchema, requireKnownModel, storesOf } from './common';

const tags = ['sessions'];

/** Create, list, read, change and delete the caller's chat sessions. */
export function registerSessionRoutes(app: FastifyInstance, deps: AppDeps): void {
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.post(
    '/sessions',
    {
      schema: {
        tags,
        summary: 'Create a session (the default model when none is named)',
        body: createSessionRequestSchema.nullish(),
        response: { 201: sessionSchema, ...errorResponses },
        querystring: noQuerySchema,
      },
    },
    async (request, reply) => {
      const body = request.body ?? {};
      const model = requireKnownModel(deps, body.model ?? deps.models.defaultModel);
      const session = await storesOf(deps, request).sessions.createSession({
        model,
        ...(body.title === undefined ? {} : { title: body.title }),
      });
      return reply.code(201).send(sessionView(session));
    },
  );

  api.get(
    '/sessions',
    {
      schema: {
        tags,
        summary: 'List sessions, most recently active first',
        querystring: listSessionsQuerySchema,
        response: { 200: sessionPageSchema, ...errorResponses },
      },
    },
    async (request) => {
      const page = await storesOf(deps, request).sessions.listSessions(request.query);
      return {
        items: page.items.map(sessionView),
        ...(page.nextCursor === undefined ? {} : { nextCursor: page.nextCursor }),
      };
    },
  );

  api.get(
    '/sessions/:sessionId',
    {
      schema: {
        tags,
        summary: 'Read a session',
        params: sessionParamsSchema,
        response: { 200: sessionSchema, ...errorResponses },
        querystring: noQuerySchema,
      },
    },
    async (request) =>
      sessionView(await storesOf(deps, request).sessions.getSession(request.params.sessionId)),
  );

  api.patch(
    '/sessions/:sessionId',
    {
      schema: {
        tags,
        summary: 'Rename a session or change its model (409 when it changed since it was read)',
        params: sessionParamsSchema,
        body: updateSessionRequestSchema,
        response: { 200: sessionSchema, ...errorResponses },
        querystring: noQuerySchema,
      },
    },
    async (request) => {
      const { title, model, expectedVersion } = request.body;
      const session = await storesOf(deps, request).sessions.updateSession(
        request.params.sessionId,
        {
          ...(title === undefined ? {} : { title }),
          ...(model === undefined ? {} : { model: requireKnownModel(deps, model) }),
        },
        expectedVersion,
      );
      return sessionView(session);
    },
  );

  api.delete(
    '/sessions/:sessionId',
    {
      schema: {
        tags,
        summary: 'Delete a session with its messages',
        params: sessionParamsSchema,
        querystring: noQuerySchema,
      },
    },
    async (request, reply) => {
      await storesOf(deps, request).sessions.deleteSession(request.params.sessionId);
      return reply.code(204).send();
    },
  );
}
