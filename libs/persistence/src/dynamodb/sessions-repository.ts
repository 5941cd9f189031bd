import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import {
  type Clock,
  ConflictError,
  type IdGenerator,
  InternalError,
  NotFoundError,
  ValidationError,
} from '@lgm/core';
import * as z from 'zod';

import { decodeCursor, encodeCursor, type Page, pageSize } from '../shared/cursor';
import { callDynamoDb, callDynamoDbConditionally } from './errors';
import {
  type AppendMessageInput,
  appendMessageInputSchema,
  type ContentBlock,
  MAX_MESSAGE_BYTES,
  MAX_TURN_EVENT_BYTES,
  MAX_TURN_EVENT_SEQ,
  MAX_TURN_EVENTS_PER_CALL,
  type Message,
  type TurnEvent,
  type TurnEventInput,
  turnEventInputSchema,
} from './messages';
import { batchWriteAll, type Item, notExpiredFilter, queryAll, queryPage } from './query';
import { SESSIONS_BY_OWNER_INDEX } from './table-definitions';
import {
  epochSeconds,
  expiryOf,
  fromJsonText,
  isExpired,
  type JsonValue,
  parseInput,
  requireOwnerId,
  requireUlid,
  toJsonText,
} from './validation';

/** Longest session title, in UTF-16 code units (what the UI and the contracts count). */
export const MAX_SESSION_TITLE_LENGTH = 200;
/** Title of a session created without one. */
export const DEFAULT_SESSION_TITLE = 'New chat';
/** Longest model id (Bedrock ids and inference profile ARNs fit comfortably). */
export const MAX_MODEL_ID_LENGTH = 256;

/** What a {@link SessionRepository} needs. */
export interface SessionRepositoryDeps {
  readonly documents: DynamoDBDocumentClient;
  /** Physical name of the `sessions` table. */
  readonly tableName: string;
  readonly clock: Clock;
  readonly nextId: IdGenerator;
  /**
   * How long turn events are kept, in seconds. They exist for `resume` after a reconnect, so a
   * day is plenty; unset, they live as long as their session.
   */
  readonly turnEventTtlSeconds?: number;
}

/** A chat session (its META item). */
export interface Session {
  readonly id: string;
  readonly ownerId: string;
  readonly title: string;
  readonly model: string;
  readonly createdAt: string;
  /** Last metadata change or message; the `byOwner` index sorts on it. */
  readonly updatedAt: string;
  /** Counts metadata changes (title, model) for optimistic concurrency; starts at 1. */
  readonly version: number;
  /** When the session expires (ISO-8601), if it does. */
  readonly expiresAt?: string;
}

/** What `createSession` accepts. */
export interface CreateSessionInput {
  readonly model: string;
  readonly title?: string;
  /** The session and everything in it disappear at this instant (DynamoDB TTL). */
  readonly expiresAt?: Date;
}

/** Metadata changes of `updateSession`; at least one field. */
export interface SessionChanges {
  readonly title?: string;
  readonly model?: string;
}

/** Pagination options of list operations. */
export interface ListOptions {
  /** Page size, 1 to 100 (default 20). */
  readonly limit?: number;
  /** `nextCursor` of the previous page. */
  readonly cursor?: string;
}

/** Options of `listTurnEvents`. */
export interface ListTurnEventsOptions {
  /** The last seq the client has; events after it are returned. Omit (or -1) for all. */
  readonly afterSeq?: number;
}

const META = 'META';
const ULID_TEXT = '[0-9A-HJKMNP-TV-Z]{26}';
const SEQ_DIGITS = 10;

const sessionPk = (sessionId: string): string => `SESSION#${sessionId}`;
const messageSk = (messageId: string): string => `MSG#${messageId}`;
const clientMessageSk = (clientMessageId: string): string => `CMID#${clientMessageId}`;
const eventSk = (turnId: string, seq: number): string =>
  `EVT#${turnId}#${String(seq).padStart(SEQ_DIGITS, '0')}`;

// Control characters in a title would corrupt list UIs and logs.
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;

const titleSchema = z
  .string()
  .trim()
  .min(1, 'must not be blank')
  .max(MAX_SESSION_TITLE_LENGTH, `must be at most ${MAX_SESSION_TITLE_LENGTH} characters`)
  .refine((title) => !CONTROL_CHARACTERS.test(title), 'must not contain control characters');

const modelSchema = z
  .string()
  .min(1)
  .max(MAX_MODEL_ID_LENGTH)
  .regex(/^[A-Za-z0-9._:/@+-]+$/, 'must be a model id');

const sessionCursorSchema = z.strictObject({
  pk: z.string().regex(new RegExp(`^SESSION#${ULID_TEXT}$`)),
  sk: z.literal(META),
  ownerId: z.string().min(1).max(128),
  updatedAt: z.iso.datetime(),
});

const storedSessionSchema = z.object({
  id: z.string(),
  ownerId: z.string(),
  title: z.string(),
  model: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  version: z.number().int(),
  ttl: z.number().optional(),
});

const storedMessageSchema = z.object({
  id: z.string(),
  sessionId: z.string(),
  role: z.enum(['user', 'assistant', 'system']),
  content: z.string(),
  createdAt: z.string(),
  clientMessageId: z.string().optional(),
  turnId: z.string().optional(),
  citations: z.string().optional(),
  toolCalls: z.string().optional(),
  usage: z.string().optional(),
  stopReason: z.string().optional(),
  model: z.string().optional(),
  status: z.enum(['streaming', 'complete', 'failed', 'cancelled']).optional(),
});

const storedEventSchema = z.object({
  turnId: z.string(),
  seq: z.number().int(),
  type: z.string(),
  data: z.string(),
  createdAt: z.string(),
});

/** What reading or writing a session's META established: whose it is and when it expires. */
interface CheckedSession {
  readonly id: string;
  readonly ownerId: string;
  readonly ttl: number | undefined;
}

/**
 * Every `Session` object this module returned, with what its META said. Only objects in here
 * stand for a passed owner check (see {@link SessionRef}): a `Session` built by hand, or one read
 * for another owner, is refused. A WeakMap, so it holds no session past its last use.
 */
const checkedSessions = new WeakMap<Session, CheckedSession>();

/**
 * A session by id (its META is read and its owner checked), or a `Session` this repository's
 * class returned to the same owner (getSession, createSession, updateSession, listSessions),
 * which stands for that check: the methods taking one skip reading META again. Pass an object
 * only while the session is known to exist (within one request or turn): a session deleted
 * since is not noticed, and what is written into it then lands where nothing reads it (expiring
 * with its TTL).
 */
export type SessionRef = string | Session;

/** What {@link SessionRepository.append} returns. */
export interface AppendedMessage {
  readonly message: Message;
  /** False when a retried clientMessageId returned the message a previous call stored. */
  readonly created: boolean;
}

/**
 * Sessions, messages and turn events of ONE owner, in the single-table `sessions` design
 * (ARCHITECTURE §4): `pk = SESSION#<id>` with `sk = META | MSG#<ulid> | EVT#<turnId>#<seq> |
 * CMID#<clientMessageId>`, and the sparse `byOwner` index over META items.
 *
 * Every operation checks that the session's META names this owner; another owner's session is
 * reported exactly like a missing one (`SESSION_NOT_FOUND`), so ids leak nothing. Items whose
 * `ttl` has passed are invisible even before DynamoDB removes them.
 *
 * No operation uses transactions (the local server has none): multi-item writes are ordered and
 * conditional so that a crash between them leaves nothing visible that is inconsistent.
 *
 * @example
 * const sessions = new SessionRepository({ documents, tableName, clock, nextId }, principal.sub);
 * const session = await sessions.createSession({ model: 'amazon.nova-lite-v1:0' });
 * await sessions.appendMessage(session.id, { role: 'user', content: [{ type: 'text', text: 'Hi' }] });
 */
export class SessionRepository {
  readonly ownerId: string;
  private readonly deps: SessionRepositoryDeps;

  constructor(deps: SessionRepositoryDeps, ownerId: string) {
    this.deps = deps;
    this.ownerId = requireOwnerId(ownerId);
  }

  /** Creates a session owned by this owner, at version 1. */
  async createSession(input: CreateSessionInput): Promise<Session> {
    if (typeof input !== 'object' || input === null) {
      throw new ValidationError('The session is invalid.', { code: 'INVALID_SESSION' });
    }
    const title =
      input.title === undefined
        ? DEFAULT_SESSION_TITLE
        : parseInput(titleSchema, input.title, 'INVALID_SESSION_TITLE', 'session title');
    const model = parseInput(modelSchema, input.model, 'INVALID_MODEL_ID', 'model id');
    const now = this.deps.clock.now();
    let ttl: number | undefined;
    if (input.expiresAt !== undefined) {
      if (!(input.expiresAt instanceof Date) || !(input.expiresAt.getTime() > now.getTime())) {
        throw new ValidationError('expiresAt must be a date in the future.', {
          code: 'INVALID_SESSION_EXPIRY',
        });
      }
      ttl = epochSeconds(input.expiresAt);
    }
    const id = this.deps.nextId();
    const item: Item = {
      pk: sessionPk(id),
      sk: META,
      entity: 'session',
      id,
      ownerId: this.ownerId,
      title,
      model,
      createdAt: now.toISOString(),
      updatedAt: now.toISOString(),
      version: 1,
      ttl,
    };
    await callDynamoDb(this.context('PutItem'), () =>
      this.deps.documents.send(
        new PutCommand({
          TableName: this.deps.tableName,
          Item: item,
          // A ULID never repeats, but never overwrite a session whatever the id generator does.
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    );
    return toSession(item);
  }

  /** @throws NotFoundError `SESSION_NOT_FOUND` for unknown, other owners' and expired sessions. */
  async getSession(sessionId: string): Promise<Session> {
    return toSession(await this.requireSession(sessionId));
  }

  /**
   * This owner's sessions, most recently updated first. On AWS the `byOwner` index is eventually
   * consistent: a session created or touched a moment ago may take a moment to show up or move.
   */
  async listSessions(options: ListOptions = {}): Promise<Page<Session>> {
    const limit = pageSize(options.limit);
    const startKey =
      options.cursor === undefined ? undefined : this.decodeSessionCursor(options.cursor);
    const filter = notExpiredFilter(this.deps.clock);
    const { items, hasMore } = await queryPage(
      this.deps.documents,
      {
        TableName: this.deps.tableName,
        IndexName: SESSIONS_BY_OWNER_INDEX,
        KeyConditionExpression: 'ownerId = :owner',
        FilterExpression: filter.expression,
        ExpressionAttributeNames: filter.names,
        ExpressionAttributeValues: { ':owner': this.ownerId, ...filter.values },
        ScanIndexForward: false,
        ExclusiveStartKey: startKey,
      },
      limit,
    );
    const sessions = items.map(toSession);
    const last = items[items.length - 1];
    return hasMore && last
      ? {
          items: sessions,
          nextCursor: encodeCursor({
            pk: last['pk'],
            sk: last['sk'],
            ownerId: last['ownerId'],
            updatedAt: last['updatedAt'],
          }),
        }
      : { items: sessions };
  }

  /** Renames a session; shorthand for `updateSession(id, { title }, expectedVersion)`. */
  async renameSession(sessionId: string, title: string, expectedVersion: number): Promise<Session> {
    return this.updateSession(sessionId, { title }, expectedVersion);
  }

  /**
   * Changes a session's metadata if it is still at `expectedVersion`, and bumps the version.
   * @throws ConflictError `SESSION_VERSION_CONFLICT` when someone changed it since.
   * @throws NotFoundError `SESSION_NOT_FOUND` for unknown, other owners' and expired sessions.
   */
  async updateSession(
    sessionId: string,
    changes: SessionChanges,
    expectedVersion: number,
  ): Promise<Session> {
    requireUlid(sessionId, 'INVALID_SESSION_ID', 'session id');
    if (!Number.isInteger(expectedVersion) || expectedVersion < 1) {
      throw new ValidationError('expectedVersion must be a whole number from 1.', {
        code: 'INVALID_SESSION_VERSION',
      });
    }
    const sets: string[] = [];
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = {};
    if (changes.title !== undefined) {
      sets.push('#title = :title');
      names['#title'] = 'title';
      values[':title'] = parseInput(
        titleSchema,
        changes.title,
        'INVALID_SESSION_TITLE',
        'session title',
      );
    }
    if (changes.model !== undefined) {
      sets.push('#model = :model');
      names['#model'] = 'model';
      values[':model'] = parseInput(modelSchema, changes.model, 'INVALID_MODEL_ID', 'model id');
    }
    if (sets.length === 0) {
      throw new ValidationError('Nothing to change: give a title or a model.', {
        code: 'NO_SESSION_CHANGES',
      });
    }
    const filter = notExpiredFilter(this.deps.clock);
    const result = await callDynamoDbConditionally(this.context('UpdateItem'), () =>
      this.deps.documents.send(
        new UpdateCommand({
          TableName: this.deps.tableName,
          Key: { pk: sessionPk(sessionId), sk: META },
          UpdateExpression: `SET ${sets.join(', ')}, #updatedAt = :now, #version = #version + :one`,
          // Owner AND version in one condition: another owner's write and a stale write both fail.
          ConditionExpression: `#ownerId = :owner AND #version = :expected AND ${filter.expression}`,
          ExpressionAttributeNames: {
            ...names,
            ...filter.names,
            '#ownerId': 'ownerId',
            '#version': 'version',
            '#updatedAt': 'updatedAt',
          },
          ExpressionAttributeValues: {
            ...values,
            ...filter.values,
            ':owner': this.ownerId,
            ':expected': expectedVersion,
            ':now': this.deps.clock.now().toISOString(),
            ':one': 1,
          },
          ReturnValues: 'ALL_NEW',
        }),
      ),
    );
    if (result.ok) {
      if (!result.value.Attributes) throw new InternalError('UpdateItem returned no attributes.');
      return toSession(result.value.Attributes);
    }
    // The condition failed: not ours / gone, or stale. DynamoDB could tell us with
    // ReturnValuesOnConditionCheckFailure, but the local server ignores it, so read back.
    const current = toSession(await this.requireSession(sessionId));
    throw new ConflictError(
      `Session '${sessionId}' was changed by another request: you sent version ${expectedVersion} but it is at version ${current.version}. Reload the session and retry.`,
      {
        code: 'SESSION_VERSION_CONFLICT',
        details: { expectedVersion, currentVersion: current.version },
      },
    );
  }

  /**
   * Deletes a session with its messages and events. The META item goes first (conditional on the
   * owner), which makes the session invisible at once; the rest is removed in batches. If that
   * part fails, the leftovers are unreachable (every read goes through META) and a retry of the
   * delete reports not-found; they can be removed by TTL or a sweep.
   * @throws NotFoundError `SESSION_NOT_FOUND` for unknown, other owners' and expired sessions.
   */
  async deleteSession(sessionId: string): Promise<void> {
    requireUlid(sessionId, 'INVALID_SESSION_ID', 'session id');
    const filter = notExpiredFilter(this.deps.clock);
    const result = await callDynamoDbConditionally(this.context('DeleteItem'), () =>
      this.deps.documents.send(
        new DeleteCommand({
          TableName: this.deps.tableName,
          Key: { pk: sessionPk(sessionId), sk: META },
          ConditionExpression: `ownerId = :owner AND ${filter.expression}`,
          ExpressionAttributeNames: filter.names,
          ExpressionAttributeValues: { ':owner': this.ownerId, ...filter.values },
        }),
      ),
    );
    if (!result.ok) throw new NotFoundError('Session', sessionId);
    await this.purgePartition(sessionId);
  }

  /**
   * Appends a message and bumps the session's `updatedAt`. With a `clientMessageId` the append
   * is idempotent: a retry (even a concurrent one) returns the first message and writes nothing.
   * @throws PayloadTooLargeError `MESSAGE_TOO_LARGE` above {@link MAX_MESSAGE_BYTES} of JSON.
   * @throws ValidationError `INVALID_MESSAGE` (details list the problems).
   * @throws NotFoundError `SESSION_NOT_FOUND`.
   */
  async appendMessage(session: SessionRef, input: AppendMessageInput): Promise<Message> {
    return (await this.append(session, input)).message;
  }

  /**
   * {@link appendMessage}, telling also whether this call stored the message (`created: false`
   * when a retried clientMessageId returned the first one): a turn runs only for a new message.
   */
  async append(session: SessionRef, input: AppendMessageInput): Promise<AppendedMessage> {
    if (typeof session === 'string') requireUlid(session, 'INVALID_SESSION_ID', 'session id');
    const message = this.parseMessage(input);
    const { id: sessionId, ttl } = await this.checkSession(session);
    const now = this.deps.clock.now();
    let messageId = this.deps.nextId();

    if (message.clientMessageId !== undefined) {
      // A guard item claims the client's id before the message is written; whoever claims it
      // first decides the message id, and every retry converges on that id.
      const claimed = await callDynamoDbConditionally(this.context('PutItem'), () =>
        this.deps.documents.send(
          new PutCommand({
            TableName: this.deps.tableName,
            Item: {
              pk: sessionPk(sessionId),
              sk: clientMessageSk(message.clientMessageId ?? ''),
              entity: 'clientMessageId',
              messageId,
              createdAt: now.toISOString(),
              ttl,
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        ),
      );
      if (!claimed.ok) {
        const guard = await this.getItem(
          sessionPk(sessionId),
          clientMessageSk(message.clientMessageId),
        );
        const claimedId = guard?.['messageId'];
        if (typeof claimedId !== 'string') {
          throw new InternalError('The client message id guard has no message id.');
        }
        const existing = await this.getItem(sessionPk(sessionId), messageSk(claimedId));
        if (existing) return { message: toMessage(existing), created: false };
        // The first attempt claimed the id but did not (yet) write its message: finish it.
        messageId = claimedId;
      }
    }

    const item: Item = {
      pk: sessionPk(sessionId),
      sk: messageSk(messageId),
      entity: 'message',
      id: messageId,
      sessionId,
      role: message.role,
      content: JSON.stringify(message.content),
      createdAt: now.toISOString(),
      clientMessageId: message.clientMessageId,
      turnId: message.turnId,
      citations: optionalJson(message.citations),
      toolCalls: optionalJson(message.toolCalls),
      usage: optionalJson(message.usage),
      stopReason: message.stopReason,
      model: message.model,
      status: message.status,
      // Messages live and die with their session.
      ttl,
    };
    // The touch goes alongside the write rather than after it (one round trip less): a touch
    // without its message (the write failed, or lost to a concurrent retry, which touches too)
    // only moves the session up its owner's list.
    const [written] = await Promise.all([
      callDynamoDbConditionally(this.context('PutItem'), () =>
        this.deps.documents.send(
          new PutCommand({
            TableName: this.deps.tableName,
            Item: item,
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        ),
      ),
      this.touch(sessionId, now),
    ]);
    if (!written.ok) {
      // Only a concurrent retry with the same clientMessageId can get here: return its message.
      const existing = await this.getItem(sessionPk(sessionId), messageSk(messageId));
      if (!existing) throw new InternalError(`Message '${messageId}' vanished during an append.`);
      return { message: toMessage(existing), created: false };
    }
    return { message: toMessage(item), created: true };
  }

  /** A session's messages, oldest first. */
  async listMessages(session: SessionRef, options: ListOptions = {}): Promise<Page<Message>> {
    const checked = typeof session === 'string' ? undefined : await this.checkSession(session);
    const sessionId = checked?.id ?? requireUlid(session, 'INVALID_SESSION_ID', 'session id');
    const limit = pageSize(options.limit);
    const startKey =
      options.cursor === undefined
        ? undefined
        : this.decodeMessageCursor(sessionId, options.cursor);
    if (checked === undefined) await this.requireSession(sessionId);
    const filter = notExpiredFilter(this.deps.clock);
    const { items, hasMore } = await queryPage(
      this.deps.documents,
      {
        TableName: this.deps.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        FilterExpression: filter.expression,
        ExpressionAttributeNames: filter.names,
        ExpressionAttributeValues: {
          ':pk': sessionPk(sessionId),
          ':prefix': 'MSG#',
          ...filter.values,
        },
        ScanIndexForward: true,
        ConsistentRead: true,
        ExclusiveStartKey: startKey,
      },
      limit,
    );
    const messages = items.map(toMessage);
    const last = items[items.length - 1];
    return hasMore && last
      ? { items: messages, nextCursor: encodeCursor({ pk: last['pk'], sk: last['sk'] }) }
      : { items: messages };
  }

  /**
   * Stores events of a turn in batches. Writing the same seq again overwrites it with the new
   * value, so a retried flush never duplicates events. A running turn passes its `Session` (see
   * {@link SessionRef}), so its frequent flushes do not read META each time.
   * @throws ValidationError `INVALID_TURN_EVENT` / `DUPLICATE_TURN_EVENT_SEQ` / `INVALID_TURN_ID`.
   * @throws PayloadTooLargeError `TURN_EVENT_TOO_LARGE`.
   * @throws NotFoundError `SESSION_NOT_FOUND`.
   */
  async putTurnEvents(
    session: SessionRef,
    turnId: string,
    events: readonly TurnEventInput[],
  ): Promise<void> {
    if (typeof session === 'string') requireUlid(session, 'INVALID_SESSION_ID', 'session id');
    requireUlid(turnId, 'INVALID_TURN_ID', 'turn id');
    if (!Array.isArray(events) || events.length > MAX_TURN_EVENTS_PER_CALL) {
      throw new ValidationError(
        `events must be a list of at most ${MAX_TURN_EVENTS_PER_CALL} turn events.`,
        { code: 'INVALID_TURN_EVENTS' },
      );
    }
    const parsed = events.map((event: unknown) => {
      toJsonText(event, MAX_TURN_EVENT_BYTES, 'TURN_EVENT_TOO_LARGE', 'turn event');
      return parseInput(turnEventInputSchema, event, 'INVALID_TURN_EVENT', 'turn event');
    });
    const seqs = new Set(parsed.map((event) => event.seq));
    if (seqs.size !== parsed.length) {
      // BatchWriteItem rejects two requests for one key in the same call.
      throw new ValidationError('Two events of one call have the same seq.', {
        code: 'DUPLICATE_TURN_EVENT_SEQ',
      });
    }
    const { id: sessionId, ttl: sessionTtl } = await this.checkSession(session);
    if (parsed.length === 0) return;
    const now = this.deps.clock.now();
    const ttl = this.eventTtl(sessionTtl, now);
    await batchWriteAll(
      this.deps.documents,
      this.deps.tableName,
      parsed.map((event) => ({
        PutRequest: {
          Item: {
            pk: sessionPk(sessionId),
            sk: eventSk(turnId, event.seq),
            entity: 'turnEvent',
            turnId,
            seq: event.seq,
            type: event.type,
            data: JSON.stringify(event.data ?? null),
            createdAt: now.toISOString(),
            ttl,
          },
        },
      })),
    );
  }

  /** Every stored event of a turn after `afterSeq`, in seq order. */
  async listTurnEvents(
    sessionId: string,
    turnId: string,
    options: ListTurnEventsOptions = {},
  ): Promise<TurnEvent[]> {
    requireUlid(sessionId, 'INVALID_SESSION_ID', 'session id');
    requireUlid(turnId, 'INVALID_TURN_ID', 'turn id');
    const afterSeq = options.afterSeq ?? -1;
    if (!Number.isInteger(afterSeq) || afterSeq < -1 || afterSeq > MAX_TURN_EVENT_SEQ) {
      throw new ValidationError(
        `afterSeq must be a whole number from -1 to ${MAX_TURN_EVENT_SEQ}.`,
        {
          code: 'INVALID_AFTER_SEQ',
        },
      );
    }
    await this.requireSession(sessionId);
    if (afterSeq === MAX_TURN_EVENT_SEQ) return [];
    const filter = notExpiredFilter(this.deps.clock);
    const items = await queryAll(this.deps.documents, {
      TableName: this.deps.tableName,
      // One sort-key condition only: BETWEEN the first seq wanted and the largest possible seq.
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
      FilterExpression: filter.expression,
      ExpressionAttributeNames: filter.names,
      ExpressionAttributeValues: {
        ':pk': sessionPk(sessionId),
        ':from': eventSk(turnId, afterSeq + 1),
        ':to': eventSk(turnId, MAX_TURN_EVENT_SEQ),
        ...filter.values,
      },
      ConsistentRead: true,
    });
    return items.map(toTurnEvent);
  }

  private parseMessage(input: unknown): z.output<typeof appendMessageInputSchema> {
    if (typeof input === 'object' && input !== null) {
      // Size first: a huge payload is refused for its size before any deep validation.
      toJsonText(input, MAX_MESSAGE_BYTES, 'MESSAGE_TOO_LARGE', 'message');
    }
    return parseInput(appendMessageInputSchema, input, 'INVALID_MESSAGE', 'message');
  }

  private eventTtl(sessionTtl: number | undefined, now: Date): number | undefined {
    const retention = this.deps.turnEventTtlSeconds;
    const eventTtl = retention === undefined ? undefined : epochSeconds(now) + retention;
    if (sessionTtl === undefined) return eventTtl;
    return eventTtl === undefined ? sessionTtl : Math.min(sessionTtl, eventTtl);
  }

  /** Moves `updatedAt` forward (never back); the version is for metadata edits only. */
  private async touch(sessionId: string, now: Date): Promise<void> {
    // A failed condition means a newer touch won or the session was just deleted: both fine.
    await callDynamoDbConditionally(this.context('UpdateItem'), () =>
      this.deps.documents.send(
        new UpdateCommand({
          TableName: this.deps.tableName,
          Key: { pk: sessionPk(sessionId), sk: META },
          UpdateExpression: 'SET updatedAt = :now',
          ConditionExpression: 'ownerId = :owner AND updatedAt < :now',
          ExpressionAttributeValues: { ':owner': this.ownerId, ':now': now.toISOString() },
        }),
      ),
    );
  }

  private async purgePartition(sessionId: string): Promise<void> {
    let startKey: Record<string, unknown> | undefined;
    do {
      const output = await callDynamoDb(this.context('Query'), () =>
        this.deps.documents.send(
          new QueryCommand({
            TableName: this.deps.tableName,
            KeyConditionExpression: 'pk = :pk',
            ExpressionAttributeValues: { ':pk': sessionPk(sessionId) },
            ProjectionExpression: 'pk, sk',
            ConsistentRead: true,
            ExclusiveStartKey: startKey,
          }),
        ),
      );
      const keys = output.Items ?? [];
      await batchWriteAll(
        this.deps.documents,
        this.deps.tableName,
        keys.map((key) => ({ DeleteRequest: { Key: { pk: key['pk'], sk: key['sk'] } } })),
      );
      startKey = output.LastEvaluatedKey;
    } while (startKey !== undefined);
  }

  /**
   * The session's id and TTL once this owner's claim on it holds: read from META for an id,
   * taken from what an earlier read established for a `Session` (no request).
   */
  private async checkSession(session: SessionRef): Promise<CheckedSession> {
    if (typeof session === 'string') {
      const item = await this.requireSession(session);
      return {
        id: session,
        ownerId: this.ownerId,
        ttl: typeof item['ttl'] === 'number' ? item['ttl'] : undefined,
      };
    }
    const checked =
      typeof session === 'object' && session !== null ? checkedSessions.get(session) : undefined;
    if (
      checked === undefined ||
      checked.ownerId !== this.ownerId ||
      (checked.ttl !== undefined && checked.ttl <= epochSeconds(this.deps.clock.now()))
    ) {
      const id = checked?.id ?? (session as { id?: unknown } | null)?.id;
      throw new NotFoundError('Session', typeof id === 'string' ? id.slice(0, 64) : 'unknown');
    }
    return checked;
  }

  /** The session's META item if this owner may see it; otherwise SESSION_NOT_FOUND. */
  private async requireSession(sessionId: string): Promise<Item> {
    requireUlid(sessionId, 'INVALID_SESSION_ID', 'session id');
    const item = await this.getItem(sessionPk(sessionId), META);
    if (!item || item['ownerId'] !== this.ownerId || isExpired(item, this.deps.clock)) {
      throw new NotFoundError('Session', sessionId);
    }
    return item;
  }

  private async getItem(pk: string, sk: string): Promise<Item | undefined> {
    const output = await callDynamoDb(this.context('GetItem'), () =>
      this.deps.documents.send(
        new GetCommand({ TableName: this.deps.tableName, Key: { pk, sk }, ConsistentRead: true }),
      ),
    );
    const item = output.Item;
    return item && !isExpired(item, this.deps.clock) ? item : undefined;
  }

  private decodeSessionCursor(cursor: string): Record<string, unknown> {
    const key = decodeCursor(sessionCursorSchema, cursor);
    // A cursor is a position in ONE owner's index: one naming anyone else is forged.
    if (key.ownerId !== this.ownerId) throw invalidCursor();
    return key;
  }

  private decodeMessageCursor(sessionId: string, cursor: string): Record<string, unknown> {
    const schema = z.strictObject({
      pk: z.literal(sessionPk(sessionId)),
      sk: z.string().regex(new RegExp(`^MSG#${ULID_TEXT}$`)),
    });
    return decodeCursor(schema, cursor);
  }

  private context(operation: string): { operation: string; tableName: string } {
    return { operation, tableName: this.deps.tableName };
  }
}

function invalidCursor(): ValidationError {
  return new ValidationError('The pagination cursor is invalid.', { code: 'INVALID_CURSOR' });
}

function optionalJson(value: unknown): string | undefined {
  return value === undefined ? undefined : JSON.stringify(value);
}

function toSession(item: Item): Session {
  const parsed = storedSessionSchema.safeParse(item);
  if (!parsed.success) throw new InternalError('A stored session item is malformed.');
  const { ttl, ...fields } = parsed.data;
  const expiresAt = expiryOf(item);
  const session: Session = expiresAt === undefined ? fields : { ...fields, expiresAt };
  checkedSessions.set(session, { id: fields.id, ownerId: fields.ownerId, ttl });
  return session;
}

function toMessage(item: Item): Message {
  const parsed = storedMessageSchema.safeParse(item);
  if (!parsed.success) throw new InternalError('A stored message item is malformed.');
  const { content, citations, toolCalls, usage, ...rest } = parsed.data;
  const message: {
    -readonly [K in keyof Message]: Message[K];
  } = { ...rest, content: fromJsonText(content, 'message content') as unknown as ContentBlock[] };
  if (citations !== undefined)
    message.citations = fromJsonText(citations, 'citations') as JsonValue[];
  if (toolCalls !== undefined)
    message.toolCalls = fromJsonText(toolCalls, 'tool calls') as JsonValue[];
  if (usage !== undefined) {
    message.usage = fromJsonText(usage, 'token usage') as unknown as Record<string, number>;
  }
  return message;
}

function toTurnEvent(item: Item): TurnEvent {
  const parsed = storedEventSchema.safeParse(item);
  if (!parsed.success) throw new InternalError('A stored turn event item is malformed.');
  const { turnId, seq, type, data, createdAt } = parsed.data;
  return { turnId, seq, type, data: fromJsonText(data, 'turn event data'), createdAt };
}
