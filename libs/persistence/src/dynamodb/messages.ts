import { isUlid } from '@lgm/core';
import * as z from 'zod';

import { type JsonValue, jsonValueSchema } from './validation';

/**
 * Messages and turn events as the sessions table stores them. JSON-shaped fields (content,
 * citations, tool calls, usage, event data) are validated here and stored as JSON text: the
 * persistence layer keeps them faithfully without owning their vocabulary, which belongs to the
 * turn engine and the contracts.
 */

/**
 * Budget of one message or event as JSON. DynamoDB's item limit is 400 KB including attribute
 * names and keys; 256 KiB leaves room for those and for growth of the envelope.
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html#limits-items
 */
export const MAX_MESSAGE_BYTES = 256 * 1024;
/** Budget of one turn event's JSON (same reasoning as {@link MAX_MESSAGE_BYTES}). */
export const MAX_TURN_EVENT_BYTES = 256 * 1024;
/** Sequence numbers are zero-padded to 10 digits in the sort key so they sort as numbers. */
export const MAX_TURN_EVENT_SEQ = 9_999_999_999;
/** Events per `putTurnEvents` call; the turn engine flushes in far smaller batches. */
export const MAX_TURN_EVENTS_PER_CALL = 1_000;

/** Who wrote a message. */
export type MessageRole = 'user' | 'assistant' | 'system';

/**
 * One block of a message's content. `text` blocks carry `text`; other block types (tool use,
 * tool results, artifacts, images by reference) carry JSON fields the turn engine defines.
 */
export interface ContentBlock {
  readonly type: string;
  readonly [field: string]: JsonValue;
}

/** Lifecycle of a message: assistant messages may be stored while streaming and finished later. */
export type MessageStatus = 'streaming' | 'complete' | 'failed' | 'cancelled';

/** What `appendMessage` accepts. */
export interface AppendMessageInput {
  readonly role: MessageRole;
  readonly content: readonly ContentBlock[];
  /** Idempotency key chosen by the client: a retried append returns the first message. */
  readonly clientMessageId?: string;
  /** The turn that produced or consumed this message (a ULID). */
  readonly turnId?: string;
  readonly citations?: readonly JsonValue[];
  readonly toolCalls?: readonly JsonValue[];
  /** Token counts by name (`inputTokens`, `outputTokens`, …). */
  readonly usage?: Readonly<Record<string, number>>;
  readonly stopReason?: string;
  /** Catalog id of the model that wrote an assistant message. */
  readonly model?: string;
  readonly status?: MessageStatus;
}

/** A stored message. */
export interface Message extends AppendMessageInput {
  /** ULID: messages sort chronologically by id. */
  readonly id: string;
  readonly sessionId: string;
  readonly createdAt: string;
}

/** What `putTurnEvents` accepts: one event of a turn. */
export interface TurnEventInput {
  /** Position in the turn, from 0; a re-sent seq overwrites (idempotent per seq). */
  readonly seq: number;
  /** e.g. `turn.started`, `text.delta`, `citation`, `tool.call`, `turn.completed`. */
  readonly type: string;
  readonly data?: JsonValue;
}

/** A stored turn event. */
export interface TurnEvent {
  readonly turnId: string;
  readonly seq: number;
  readonly type: string;
  readonly data: JsonValue;
  readonly createdAt: string;
}

const ulidSchema = z.string().refine(isUlid, 'must be a ULID');

const contentBlockSchema = z
  .object({ type: z.string().regex(/^[A-Za-z][A-Za-z0-9_.-]{0,63}$/, 'must be a block type') })
  .catchall(jsonValueSchema)
  .superRefine((block, context) => {
    if (block.type === 'text' && typeof block['text'] !== 'string') {
      context.addIssue({ code: 'custom', path: ['text'], message: 'a text block needs text' });
    }
  });

/** zod schema of {@link AppendMessageInput}; unknown fields are refused, not dropped. */
export const appendMessageInputSchema = z.strictObject({
  role: z.enum(['user', 'assistant', 'system']),
  content: z.array(contentBlockSchema).min(1).max(1_000),
  clientMessageId: z
    .string()
    .regex(/^[A-Za-z0-9._:-]{1,128}$/, 'must be 1 to 128 characters of letters, digits and ._:-')
    .optional(),
  turnId: ulidSchema.optional(),
  citations: z.array(jsonValueSchema).max(1_000).optional(),
  toolCalls: z.array(jsonValueSchema).max(1_000).optional(),
  usage: z.record(z.string().max(64), z.number().int().nonnegative()).optional(),
  stopReason: z.string().min(1).max(64).optional(),
  model: z
    .string()
    .min(1)
    .max(256)
    .regex(/^[A-Za-z0-9._:/@+-]+$/, 'must be a model id')
    .optional(),
  status: z.enum(['streaming', 'complete', 'failed', 'cancelled']).optional(),
});

/** zod schema of {@link TurnEventInput}. */
export const turnEventInputSchema = z.strictObject({
  seq: z.number().int().min(0).max(MAX_TURN_EVENT_SEQ),
  type: z.string().regex(/^[A-Za-z][A-Za-z0-9_.-]{0,63}$/, 'must be an event type'),
  data: jsonValueSchema.optional(),
});
