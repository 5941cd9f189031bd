import * as z from 'zod';

/**
 * The chat turn's vocabulary, shared by the turn engine, chat-api, ws-gateway and the web app:
 * turn events (what a client sees while an answer streams, and what `resume` replays), the
 * socket frames in both directions, and the stored shapes of citations and tool calls.
 *
 * Every turn event carries its turn id, session id and a sequence number from 0 without gaps:
 * a client that keeps the last seq it applied can resume after a dropped socket and ignore
 * anything at or below it.
 */

const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/;

/** A ULID (sessions, messages, turns, documents). */
export const ulidSchema = z.string().regex(ULID, 'must be a ULID');

/** Client-chosen idempotency key of a message: a retried send stores and runs nothing new. */
export const clientMessageIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9._:-]{1,128}$/, 'must be 1 to 128 characters of letters, digits and ._:-');

/** Longest user message, in characters. */
export const MAX_USER_MESSAGE_CHARACTERS = 32_000;

/**
 * Largest socket frame the server sends, in bytes of UTF-8 JSON. API Gateway WebSocket frames
 * are limited to 32 KB; long deltas are split to stay under it.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html#apigateway-execution-service-websocket-limits-table
 */
export const MAX_SERVER_FRAME_BYTES = 32 * 1024 - 1024;

/** A model id as the catalog and the providers name them. */
export const modelIdSchema = z
  .string()
  .min(1)
  .max(256)
  .regex(/^[A-Za-z0-9._:/@+-]+$/, 'must be a model id');

/** Per-turn choices the client makes; each has a server-side default. */
export const turnOptionsSchema = z.strictObject({
  /** Catalog id of the model; the session's model when absent. */
  model: modelIdSchema.optional(),
  /** Retrieve passages from the user's documents (default true). */
  knowledgeBase: z.boolean().optional(),
  /** Offer the user's registered tools to the model (default true). */
  tools: z.boolean().optional(),
});
export type TurnOptions = z.infer<typeof turnOptionsSchema>;

/** What `[n]` in an answer points at. */
export const citationSchema = z.strictObject({
  /** The marker's id as written in the answer ("1", "2", …). */
  id: z.string().min(1).max(16),
  chunkId: z.string(),
  documentId: z.string(),
  title: z.string(),
  pageStart: z.number().int().nullable(),
  pageEnd: z.number().int().nullable(),
  headingPath: z.array(z.string()),
  /** The passage text shown in the citation panel (may be shortened). */
  text: z.string(),
  score: z.number().nullable(),
});
export type Citation = z.infer<typeof citationSchema>;

/** A tool call the model made in a turn, as stored on the answer and shown in the UI. */
export const toolCallRecordSchema = z.strictObject({
  toolUseId: z.string(),
  /** Namespaced tool name as the model saw it, e.g. `weather__forecast`. */
  name: z.string(),
  /** The registered server's name, when the tool came from MCP. */
  server: z.string().optional(),
  input: z.unknown(),
  status: z.enum(['success', 'error']),
  /** What the tool returned, as text, capped in size (untrusted data). */
  output: z.string(),
  truncated: z.boolean(),
  durationMs: z.number().int().nonnegative(),
});
export type ToolCallRecord = z.infer<typeof toolCallRecordSchema>;

/** Token counts of a turn, summed over its model calls. */
export const turnUsageSchema = z.strictObject({
  inputTokens: z.number().int().nonnegative(),
  outputTokens: z.number().int().nonnegative(),
  /** List-price cost in US dollars, when the model's price is known. */
  costUsd: z.number().nonnegative().nullable(),
});
export type TurnUsage = z.infer<typeof turnUsageSchema>;

/** How a turn ended. */
export const turnStatusSchema = z.enum(['complete', 'cancelled', 'failed']);
export type TurnStatus = z.infer<typeof turnStatusSchema>;

const errorSchema = z.strictObject({ code: z.string(), message: z.string() });

const eventBase = {
  turnId: ulidSchema,
  sessionId: ulidSchema,
  seq: z.number().int().nonnegative(),
};

/** Every event of a turn, discriminated by `type`. */
export const turnEventSchema = z.discriminatedUnion('type', [
  z.strictObject({
    ...eventBase,
    type: z.literal('turn.started'),
    data: z.strictObject({
      userMessageId: ulidSchema,
      model: z.string(),
      knowledgeBase: z.boolean(),
    }),
  }),
  z.strictObject({
    ...eventBase,
    type: z.literal('text.delta'),
    data: z.strictObject({ text: z.string() }),
  }),
  z.strictObject({ ...eventBase, type: z.literal('citation'), data: citationSchema }),
  z.strictObject({
    ...eventBase,
    type: z.literal('tool.call'),
    data: z.strictObject({
      toolUseId: z.string(),
      name: z.string(),
      server: z.string().optional(),
      input: z.unknown(),
    }),
  }),
  z.strictObject({
    ...eventBase,
    type: z.literal('tool.result'),
    data: z.strictObject({
      toolUseId: z.string(),
      name: z.string(),
      status: z.enum(['success', 'error']),
      output: z.string(),
      truncated: z.boolean(),
      durationMs: z.number().int().nonnegative(),
    }),
  }),
  z.strictObject({
    ...eventBase,
    type: z.literal('turn.completed'),
    data: z.strictObject({
      /** The stored answer. */
      messageId: ulidSchema,
      /** `cancelled` when the user stopped it; the partial answer is stored. */
      status: z.enum(['complete', 'cancelled']),
      stopReason: z.string(),
      usage: turnUsageSchema,
    }),
  }),
  z.strictObject({
    ...eventBase,
    type: z.literal('turn.failed'),
    data: z.strictObject({
      /** The stored partial answer, when anything streamed. */
      messageId: ulidSchema.optional(),
      error: errorSchema,
    }),
  }),
]);
export type TurnEvent = z.infer<typeof turnEventSchema>;
export type TurnEventType = TurnEvent['type'];
/** The data of one event type. */
export type TurnEventData<T extends TurnEventType> = Extract<TurnEvent, { type: T }>['data'];

/** Events after which a turn has no more events. */
export const TERMINAL_TURN_EVENTS: readonly TurnEventType[] = ['turn.completed', 'turn.failed'];

export function isTerminalTurnEvent(event: Pick<TurnEvent, 'type'>): boolean {
  return TERMINAL_TURN_EVENTS.includes(event.type);
}

/** Optional correlation id a client puts on a request; the answer frame echoes it. */
const requestIdSchema = z.string().regex(/^[A-Za-z0-9._:-]{1,64}$/, 'must be a request id');

/**
 * Frames a client sends. API Gateway selects the route with `$request.body.action`, so the
 * action name is the route key.
 */
export const clientFrameSchema = z.discriminatedUnion('action', [
  z.strictObject({
    action: z.literal('sendMessage'),
    requestId: requestIdSchema.optional(),
    sessionId: ulidSchema,
    clientMessageId: clientMessageIdSchema,
    content: z.string().trim().min(1).max(MAX_USER_MESSAGE_CHARACTERS),
    options: turnOptionsSchema.optional(),
  }),
  z.strictObject({
    action: z.literal('resume'),
    requestId: requestIdSchema.optional(),
    turnId: ulidSchema,
    /** The last seq the client applied; -1 for none. */
    afterSeq: z.number().int().min(-1),
  }),
  z.strictObject({
    action: z.literal('cancel'),
    requestId: requestIdSchema.optional(),
    turnId: ulidSchema,
  }),
  z.strictObject({ action: z.literal('ping'), requestId: requestIdSchema.optional() }),
]);
export type ClientFrame = z.infer<typeof clientFrameSchema>;
export type ClientAction = ClientFrame['action'];
export const CLIENT_ACTIONS: readonly ClientAction[] = ['sendMessage', 'resume', 'cancel', 'ping'];

/** Frames the server sends, discriminated by `kind`. */
export const serverFrameSchema = z.discriminatedUnion('kind', [
  /** One turn event, live or replayed. */
  z.strictObject({ kind: z.literal('event'), event: turnEventSchema }),
  /** A request was accepted. For `sendMessage` and `resume` it names the turn. */
  z.strictObject({
    kind: z.literal('ack'),
    action: z.enum(['sendMessage', 'resume', 'cancel']),
    requestId: requestIdSchema.optional(),
    turnId: ulidSchema,
    sessionId: ulidSchema,
    /** For a repeated `sendMessage` (same clientMessageId): the turn already exists. */
    duplicate: z.boolean().optional(),
  }),
  z.strictObject({
    kind: z.literal('error'),
    requestId: requestIdSchema.optional(),
    error: z.strictObject({
      code: z.string(),
      message: z.string(),
      details: z.unknown().optional(),
    }),
  }),
  z.strictObject({
    kind: z.literal('pong'),
    requestId: requestIdSchema.optional(),
    status: z.enum(['ok', 'degraded']),
  }),
  /** A session changed outside the turn's events (a generated title). */
  z.strictObject({
    kind: z.literal('session'),
    session: z.strictObject({ id: ulidSchema, title: z.string(), updatedAt: z.string() }),
  }),
]);
export type ServerFrame = z.infer<typeof serverFrameSchema>;
