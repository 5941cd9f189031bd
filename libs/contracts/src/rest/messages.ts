import * as z from 'zod';

import {
  citationSchema,
  clientMessageIdSchema,
  MAX_USER_MESSAGE_CHARACTERS,
  toolCallRecordSchema,
  turnOptionsSchema,
  turnStatusSchema,
  turnUsageSchema,
  ulidSchema,
} from '../chat';
import { pageQuerySchema, pageSchema, timestampSchema } from './common';

/** One block of a stored message: `text` blocks carry `text`; others carry their own fields. */
export const messageContentBlockSchema = z.object({ type: z.string() }).catchall(z.unknown());

/** A stored message of a session. */
export const messageSchema = z.strictObject({
  id: ulidSchema,
  sessionId: ulidSchema,
  role: z.enum(['user', 'assistant', 'system']),
  /** The text blocks joined: what a chat bubble shows. */
  text: z.string(),
  content: z.array(messageContentBlockSchema),
  createdAt: timestampSchema,
  /** Assistant messages: how the turn that wrote it ended (`streaming` while it runs). */
  status: z.enum(['streaming', 'complete', 'failed', 'cancelled']).optional(),
  clientMessageId: z.string().optional(),
  turnId: ulidSchema.optional(),
  citations: z.array(citationSchema),
  toolCalls: z.array(toolCallRecordSchema),
  usage: turnUsageSchema.optional(),
  stopReason: z.string().optional(),
  /** Assistant messages: the catalog id of the model that wrote it. */
  model: z.string().optional(),
});
export type MessageView = z.infer<typeof messageSchema>;

export const listMessagesQuerySchema = pageQuerySchema;
export const messagePageSchema = pageSchema(messageSchema);
export type MessagePage = z.infer<typeof messagePageSchema>;

/**
 * `POST /sessions/:sessionId/messages`: one turn, answered when it has ended (no streaming; the
 * socket is for that). Repeating a `clientMessageId` returns the first turn's answer.
 */
export const postMessageRequestSchema = z.strictObject({
  content: z.string().trim().min(1).max(MAX_USER_MESSAGE_CHARACTERS),
  clientMessageId: clientMessageIdSchema,
  options: turnOptionsSchema.optional(),
});
export type PostMessageRequest = z.infer<typeof postMessageRequestSchema>;

/** The answer of a non-streaming turn: 201 for a new turn, 200 for a repeated clientMessageId. */
export const postMessageResponseSchema = z.strictObject({
  turnId: ulidSchema,
  sessionId: ulidSchema,
  userMessageId: ulidSchema,
  status: turnStatusSchema,
  /** True when the clientMessageId was seen before and nothing new ran. */
  duplicate: z.boolean(),
  /** The stored answer. */
  message: messageSchema,
});
export type PostMessageResponse = z.infer<typeof postMessageResponseSchema>;
