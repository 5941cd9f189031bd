import {
  BatchGetCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import {
  type Clock,
  ConflictError,
  InternalError,
  NotFoundError,
  ValidationError,
} from '@lgm/core';
import * as z from 'zod';

import { callDynamoDb, callDynamoDbConditionally } from './errors';
import { MAX_TURN_EVENT_SEQ } from './messages';
import type { Item } from './query';
import { epochSeconds, expiryOf, isExpired, requireOwnerId, requireUlid } from './validation';

/** Where a turn is: running, or ended one of three ways. */
export type TurnRecordStatus = 'running' | 'complete' | 'cancelled' | 'failed';

/** How a turn ended (what `finish` accepts). */
export type TurnEndStatus = Exclude<TurnRecordStatus, 'running'>;

/** What a {@link TurnRepository} needs. */
export interface TurnRepositoryDeps {
  readonly documents: DynamoDBDocumentClient;
  /** Physical name of the `sessions` table: turn records live beside sessions, `pk = TURN#<id>`. */
  readonly tableName: string;
  readonly clock: Clock;
  /**
   * How long a turn record is kept, in seconds. It exists to route `cancel` and `resume` to the
   * turn's session, like the turn's events (use the same retention); unset, it never expires.
   */
  readonly turnTtlSeconds?: number;
}

/** A turn's record: which session and owner it belongs to, its state and its cancel flag. */
export interface TurnRecord {
  readonly turnId: string;
  readonly sessionId: string;
  readonly ownerId: string;
  /** The user message the turn answers. */
  readonly userMessageId: string;
  /** The model the turn runs on. */
  readonly model: string;
  readonly status: TurnRecordStatus;
  /** Set by `requestCancel`; a running turn polls it and stops. */
  readonly cancelRequested: boolean;
  readonly createdAt: string;
  /** When `finish` ran. */
  readonly endedAt?: string;
  /** Seq of the turn's last event, set by `finish`. */
  readonly lastSeq?: number;
  /** The stored answer, when there is one. */
  readonly messageId?: string;
  /** When the record expires (ISO-8601), if it does. */
  readonly expiresAt?: string;
}

/** What `create` accepts. */
export interface CreateTurnInput {
  readonly turnId: string;
  readonly sessionId: string;
  readonly userMessageId: string;
  readonly model: string;
  /** The session's own expiry: the record never outlives its session. */
  readonly sessionExpiresAt?: Date | string;
}

/** What `finish` accepts. */
export interface FinishTurnInput {
  readonly status: TurnEndStatus;
  /** Seq of the last event the turn emitted (its terminal event). */
  readonly lastSeq: number;
  readonly messageId?: string;
}

/** A running turn whose cancel flag {@link TurnRepository.cancelRequestsAmong} reads. */
export interface WatchedTurn {
  readonly ownerId: string;
  readonly turnId: string;
}

const META = 'META';
const turnPk = (turnId: string): string => `TURN#${turnId}`;
// https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchGetItem.html:
// at most 100 keys per call.
const BATCH_GET_LIMIT = 100;

const storedTurnSchema = z.object({
  turnId: z.string(),
  sessionId: z.string(),
  turnOwnerId: z.string(),
  userMessageId: z.string(),
  model: z.string(),
  status: z.enum(['running', 'complete', 'cancelled', 'failed']),
  cancelRequested: z.boolean().optional(),
  createdAt: z.string(),
  endedAt: z.string().optional(),
  lastSeq: z.number().int().optional(),
  messageId: z.string().optional(),
});

const modelIdSchema = z
  .string()
  .min(1)
  .max(256)
  .regex(/^[A-Za-z0-9._:/@+-]+$/);

/**
 * Turn records of ONE owner, in the `sessions` table under `pk = TURN#<turnId>`, `sk = META`.
 * `cancel` and `resume` name only a turn id: the record says which session (and owner) it
 * belongs to, and carries the cancel flag a running turn polls, so a cancel sent to another
 * process (API Gateway → a Lambda) reaches the worker that runs the turn.
 *
 * The owner is stored as `turnOwnerId` and the record has no `updatedAt`, on purpose: the
 * sessions table's sparse `byOwner` index keys on `ownerId` + `updatedAt`, and turns must never
 * appear in a user's session list.
 *
 * Another owner's turn is reported exactly like a missing one (`TURN_NOT_FOUND`). Every write is a
 * single conditional write (the local server has no transactions).
 *
 * @example
 * const turns = new TurnRepository({ documents, tableName, clock }, principal.sub);
 * await turns.requestCancel(turnId);
 */
export class TurnRepository {
  readonly ownerId: string;
  private readonly deps: TurnRepositoryDeps;

  constructor(deps: TurnRepositoryDeps, ownerId: string) {
    this.deps = deps;
    this.ownerId = requireOwnerId(ownerId);
  }

  /**
   * Records a running turn. Creating the same turn again (a redelivered queue message, a retried
   * request) writes nothing and returns the stored record with `created: false`.
   * @throws ConflictError `TURN_ID_TAKEN` when the id belongs to another owner or session.
   */
  async create(input: CreateTurnInput): Promise<{ turn: TurnRecord; created: boolean }> {
    const turnId = requireUlid(input.turnId, 'INVALID_TURN_ID', 'turn id');
    const sessionId = requireUlid(input.sessionId, 'INVALID_SESSION_ID', 'session id');
    const userMessageId = requireUlid(input.userMessageId, 'INVALID_MESSAGE_ID', 'message id');
    const model = modelIdSchema.safeParse(input.model);
    if (!model.success) {
      throw new ValidationError('The model id is invalid.', { code: 'INVALID_MODEL_ID' });
    }
    const now = this.deps.clock.now();
    const item: Item = {
      pk: turnPk(turnId),
      sk: META,
      entity: 'turn',
      turnId,
      sessionId,
      turnOwnerId: this.ownerId,
      userMessageId,
      model: model.data,
      status: 'running',
      cancelRequested: false,
      createdAt: now.toISOString(),
      ttl: this.ttl(now, input.sessionExpiresAt),
    };
    const written = await callDynamoDbConditionally(this.context('PutItem'), () =>
      this.deps.documents.send(
        new PutCommand({
          TableName: this.deps.tableName,
          Item: item,
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    );
    if (written.ok) return { turn: toTurn(item), created: true };
    const existing = await this.getItem(turnId);
    if (
      existing === undefined ||
      existing['turnOwnerId'] !== this.ownerId ||
      existing['sessionId'] !== sessionId
    ) {
      // An expired leftover or a foreign id: never overwrite, never say whose it is.
      throw new ConflictError(`Turn id '${turnId}' is already taken.`, { code: 'TURN_ID_TAKEN' });
    }
    return { turn: toTurn(existing), created: false };
  }

  /** @throws NotFoundError `TURN_NOT_FOUND` for unknown, other owners' and expired turns. */
  async get(turnId: string): Promise<TurnRecord> {
    requireUlid(turnId, 'INVALID_TURN_ID', 'turn id');
    const item = await this.getItem(turnId);
    if (item === undefined || item['turnOwnerId'] !== this.ownerId) {
      throw new NotFoundError('Turn', turnId);
    }
    return toTurn(item);
  }

  /**
   * Sets the turn's cancel flag. Idempotent, and harmless on a turn that already ended (the flag
   * is then just recorded).
   * @throws NotFoundError `TURN_NOT_FOUND` for unknown, other owners' and expired turns.
   */
  async requestCancel(turnId: string): Promise<TurnRecord> {
    requireUlid(turnId, 'INVALID_TURN_ID', 'turn id');
    const now = epochSeconds(this.deps.clock.now());
    const result = await callDynamoDbConditionally(this.context('UpdateItem'), () =>
      this.deps.documents.send(
        new UpdateCommand({
          TableName: this.deps.tableName,
          Key: { pk: turnPk(turnId), sk: META },
          UpdateExpression: 'SET cancelRequested = :yes',
          ConditionExpression:
            'turnOwnerId = :owner AND (attribute_not_exists(#ttl) OR #ttl > :now)',
          ExpressionAttributeNames: { '#ttl': 'ttl' },
          ExpressionAttributeValues: { ':yes': true, ':owner': this.ownerId, ':now': now },
          ReturnValues: 'ALL_NEW',
        }),
      ),
    );
    if (!result.ok) throw new NotFoundError('Turn', turnId);
    const attributes = result.value.Attributes;
    if (!attributes) throw new InternalError('UpdateItem returned no attributes.');
    return toTurn(attributes);
  }

  /**
   * Whether a cancel was requested: one strongly consistent read of three small attributes, cheap
   * enough for a running turn to poll every few hundred milliseconds.
   * @throws NotFoundError `TURN_NOT_FOUND` for unknown, other owners' and expired turns.
   */
  async isCancelRequested(turnId: string): Promise<boolean> {
    requireUlid(turnId, 'INVALID_TURN_ID', 'turn id');
    const { Item: item } = await callDynamoDb(this.context('GetItem'), () =>
      this.deps.documents.send(
        new GetCommand({
          TableName: this.deps.tableName,
          Key: { pk: turnPk(turnId), sk: META },
          ProjectionExpression: 'turnOwnerId, cancelRequested, #ttl',
          ExpressionAttributeNames: { '#ttl': 'ttl' },
          ConsistentRead: true,
        }),
      ),
    );
    if (!item || item['turnOwnerId'] !== this.ownerId || isExpired(item, this.deps.clock)) {
      throw new NotFoundError('Turn', turnId);
    }
    return item['cancelRequested'] === true;
  }

  /**
   * The turns among `turns` whose cancel was requested, read for many owners at once: a process
   * running many turns polls all their flags with one BatchGetItem per 100 turns instead of one
   * GetItem per turn. Each record counts only for the owner it is listed with (a turn of another
   * owner, an unknown or an expired one is simply not reported), so no owner learns anything
   * about another's turns. Keys DynamoDB leaves unprocessed (throttling) are not reported
   * either: the next poll reads them.
   * @throws ValidationError `INVALID_TURN_ID` / `INVALID_OWNER_ID` before any request.
   */
  static async cancelRequestsAmong(
    deps: TurnRepositoryDeps,
    turns: readonly WatchedTurn[],
  ): Promise<Set<string>> {
    const owners = new Map<string, string>();
    for (const turn of turns) {
      owners.set(
        requireUlid(turn.turnId, 'INVALID_TURN_ID', 'turn id'),
        requireOwnerId(turn.ownerId),
      );
    }
    const requested = new Set<string>();
    const nowEpoch = epochSeconds(deps.clock.now());
    const keys = [...owners.keys()].map((turnId) => ({ pk: turnPk(turnId), sk: META }));
    const context = { operation: 'BatchGetItem', tableName: deps.tableName };
    for (let start = 0; start < keys.length; start += BATCH_GET_LIMIT) {
      // UnprocessedKeys (throttling) are not retried here: the next poll reads them.
      const batch = keys.slice(start, start + BATCH_GET_LIMIT);
      const output = await callDynamoDb(context, () =>
        deps.documents.send(
          new BatchGetCommand({
            RequestItems: {
              [deps.tableName]: {
                Keys: batch,
                ProjectionExpression: 'turnId, turnOwnerId, cancelRequested, #ttl',
                ExpressionAttributeNames: { '#ttl': 'ttl' },
                ConsistentRead: true,
              },
            },
          }),
        ),
      );
      for (const item of output.Responses?.[deps.tableName] ?? []) {
        const turnId = item['turnId'];
        if (
          typeof turnId === 'string' &&
          owners.get(turnId) === item['turnOwnerId'] &&
          item['cancelRequested'] === true &&
          !(typeof item['ttl'] === 'number' && item['ttl'] <= nowEpoch)
        ) {
          requested.add(turnId);
        }
      }
    }
    return requested;
  }

  /**
   * Marks a running turn ended. The first `finish` wins: finishing an ended turn changes nothing
   * and returns the stored record.
   * @throws NotFoundError `TURN_NOT_FOUND` for unknown, other owners' and expired turns.
   */
  async finish(turnId: string, input: FinishTurnInput): Promise<TurnRecord> {
    requireUlid(turnId, 'INVALID_TURN_ID', 'turn id');
    if (!['complete', 'cancelled', 'failed'].includes(input.status)) {
      throw new ValidationError('status must be complete, cancelled or failed.', {
        code: 'INVALID_TURN_STATUS',
      });
    }
    if (
      !Number.isInteger(input.lastSeq) ||
      input.lastSeq < 0 ||
      input.lastSeq > MAX_TURN_EVENT_SEQ
    ) {
      throw new ValidationError(`lastSeq must be a whole number from 0 to ${MAX_TURN_EVENT_SEQ}.`, {
        code: 'INVALID_TURN_SEQ',
      });
    }
    const messageId =
      input.messageId === undefined
        ? undefined
        : requireUlid(input.messageId, 'INVALID_MESSAGE_ID', 'message id');
    const result = await callDynamoDbConditionally(this.context('UpdateItem'), () =>
      this.deps.documents.send(
        new UpdateCommand({
          TableName: this.deps.tableName,
          Key: { pk: turnPk(turnId), sk: META },
          UpdateExpression:
            'SET #status = :status, lastSeq = :lastSeq, endedAt = :endedAt' +
            (messageId === undefined ? '' : ', messageId = :messageId'),
          ConditionExpression: 'turnOwnerId = :owner AND #status = :running',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':status': input.status,
            ':lastSeq': input.lastSeq,
            ':endedAt': this.deps.clock.now().toISOString(),
            ':owner': this.ownerId,
            ':running': 'running',
            ...(messageId === undefined ? {} : { ':messageId': messageId }),
          },
          ReturnValues: 'ALL_NEW',
        }),
      ),
    );
    if (result.ok) {
      const attributes = result.value.Attributes;
      if (!attributes) throw new InternalError('UpdateItem returned no attributes.');
      return toTurn(attributes);
    }
    // Not ours, gone, or already ended: read back to tell (get throws TURN_NOT_FOUND).
    return this.get(turnId);
  }

  private ttl(now: Date, sessionExpiresAt: Date | string | undefined): number | undefined {
    const retention = this.deps.turnTtlSeconds;
    const own = retention === undefined ? undefined : epochSeconds(now) + retention;
    if (sessionExpiresAt === undefined) return own;
    const session = epochSeconds(new Date(sessionExpiresAt));
    if (!Number.isFinite(session)) {
      throw new ValidationError('sessionExpiresAt must be a date.', {
        code: 'INVALID_SESSION_EXPIRY',
      });
    }
    return own === undefined ? session : Math.min(own, session);
  }

  private async getItem(turnId: string): Promise<Item | undefined> {
    const { Item: item } = await callDynamoDb(this.context('GetItem'), () =>
      this.deps.documents.send(
        new GetCommand({
          TableName: this.deps.tableName,
          Key: { pk: turnPk(turnId), sk: META },
          ConsistentRead: true,
        }),
      ),
    );
    return item && !isExpired(item, this.deps.clock) ? item : undefined;
  }

  private context(operation: string): { operation: string; tableName: string } {
    return { operation, tableName: this.deps.tableName };
  }
}

function toTurn(item: Item): TurnRecord {
  const parsed = storedTurnSchema.safeParse(item);
  if (!parsed.success) throw new InternalError('A stored turn item is malformed.');
  const { turnOwnerId, cancelRequested, endedAt, lastSeq, messageId, ...rest } = parsed.data;
  const expiresAt = expiryOf(item);
  return {
    ...rest,
    ownerId: turnOwnerId,
    cancelRequested: cancelRequested === true,
    ...(endedAt === undefined ? {} : { endedAt }),
    ...(lastSeq === undefined ? {} : { lastSeq }),
    ...(messageId === undefined ? {} : { messageId }),
    ...(expiresAt === undefined ? {} : { expiresAt }),
  };
}
