import {
  listMessagesQuerySchema,
  messagePageSchema,
  postMessageRequestSchema,
  postMessageResponseSchema,
  sessionParamsSchema,
} from '@lgm/contracts';
import { AppError, InternalError } from '@lgm/core';
import type { Message } from '@lgm/persistence';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';

import type { AppDeps, SessionStore } from '../deps';
import { messageView } from '../views';
import { errorResponses, noQuerySchema, requireKnownModel, storesOf } from './common';

const tags = ['messages'];

/**
 * A session's messages, and `POST` = one turn answered when it has ended. The REST turn runs
 * through the same engine as the socket, so it is stored, resumable and idempotent the same way.
 */
export function registerMessageRoutes(app: FastifyInstance, deps: AppDeps): void {
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.get(
    '/sessions/:sessionId/messages',
    {
      schema: {
        tags,
        summary: 'List the messages of a session, oldest first',
        params: sessionParamsSchema,
        querystring: listMessagesQuerySchema,
        response: { 200: messagePageSchema, ...errorResponses },
      },
    },
    async (request) => {
      const page = await storesOf(deps, request).sessions.listMessages(
        request.params.sessionId,
        request.query,
      );
      return {
        items: page.items.map(messageView),
        ...(page.nextCursor === undefined ? {} : { nextCursor: page.nextCursor }),
      };
    },
  );

  api.post(
    '/sessions/:sessionId/messages',
    {
      schema: {
        tags,
        summary:
          'Send a message and wait for the answer (201; 200 with the first answer when the clientMessageId was used before)',
        params: sessionParamsSchema,
        body: postMessageRequestSchema,
        response: {
          200: postMessageResponseSchema,
          201: postMessageResponseSchema,
          ...errorResponses,
        },
        querystring: noQuerySchema,
      },
    },
    async (request, reply) => {
      const ownerId = request.principal.sub;
      const { sessionId } = request.params;
      const { content, clientMessageId, options } = request.body;
      if (options?.model !== undefined) requireKnownModel(deps, options.model);
      const started = await deps.engine.start({
        ownerId,
        sessionId,
        content,
        clientMessageId,
        ...(options === undefined ? {} : { options }),
      });
      const outcome = await started.done;
      if (outcome.status === 'failed') throw turnFailed(outcome.error);
      if (outcome.messageId === undefined) {
        throw new InternalError(`Turn '${outcome.turnId}' ended without an answer.`);
      }
      const sessions = storesOf(deps, request).sessions;
      const message = await findMessage(sessions, sessionId, outcome.messageId);
      return reply.code(started.duplicate ? 200 : 201).send({
        turnId: started.turnId,
        sessionId,
        userMessageId: started.userMessageId,
        status: outcome.status,
        duplicate: started.duplicate,
        message: messageView(message),
      });
    },
  );
}

/**
 * A failed turn as an answer: 503 when the model was throttled or unavailable (worth retrying
 * later), 502 for any other upstream failure. The code is the turn's own; the user message and
 * any partial answer stay stored.
 */
function turnFailed(error: { readonly code: string; readonly message: string } | undefined) {
  const code = error?.code && /^[A-Z][A-Z0-9_]*$/.test(error.code) ? error.code : 'TURN_FAILED';
  const retryable = /THROTTL|UNAVAILABLE|TIMEOUT|OVERLOAD|RATE_LIMIT|STREAM_ERROR/.test(code);
  return new AppError(code, retryable ? 503 : 502, error?.message ?? 'The turn failed.');
}

/**
 * The stored answer. Sessions list their messages oldest first; the answer is among the newest,
 * so pages are read until it appears.
 */
async function findMessage(
  sessions: SessionStore,
  sessionId: string,
  messageId: string,
): Promise<Message> {
  let cursor: string | undefined;
  do {
    const page = await sessions.listMessages(sessionId, {
      limit: 100,
      ...(cursor === undefined ? {} : { cursor }),
    });
    const found = page.items.find((message) => message.id === messageId);
    if (found !== undefined) return found;
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  throw new InternalError(`The answer '${messageId}' of a finished turn is not stored.`);
}
