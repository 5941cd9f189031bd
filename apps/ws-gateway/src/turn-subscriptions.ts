import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { Clock } from '@lgm/core';
import { callDynamoDb, callDynamoDbConditionally } from '@lgm/persistence';

/**
 * Who follows a turn that a worker runs (AWS): the connection that sent the message, and any
 * connection that resumed it since. The worker reads this at every delivery pass and sends each
 * subscriber the events after its watermark; a resume that arrives after the worker's final pass
 * sees `closed` and reads the (by then complete) stored events instead.
 */
export interface TurnSubscribers {
  readonly ownerId: string;
  readonly sessionId: string;
  /** connectionId → the last seq that connection is known to have (-1 for none). */
  readonly subscribers: Readonly<Record<string, number>>;
  /** Set by the worker after its final delivery: nobody is served live any more. */
  readonly closed: boolean;
  /** A cancel that arrived before the worker had started the turn. */
  readonly cancelRequested: boolean;
}

/** Outcome of {@link TurnSubscriptionStore.add}. */
export type AddSubscriberResult = 'added' | 'closed' | 'missing';

/** The subscriber record of worker-run turns. */
export interface TurnSubscriptionStore {
  /** Creates the record of a queued turn with its first subscriber (the sender's connection). */
  open(
    turnId: string,
    owner: { ownerId: string; sessionId: string },
    connectionId: string,
  ): Promise<void>;
  /**
   * Adds (or moves the watermark of) a subscriber, only while the turn is open and the owner's:
   * `closed` and `missing` mean the worker will not serve this connection.
   */
  add(
    turnId: string,
    ownerId: string,
    connectionId: string,
    afterSeq: number,
  ): Promise<AddSubscriberResult>;
  read(turnId: string): Promise<TurnSubscribers | undefined>;
  /** Flags a cancel for the worker; false when the record is missing or another owner's. */
  requestCancel(turnId: string, ownerId: string): Promise<boolean>;
  remove(turnId: string, connectionId: string): Promise<void>;
  /** Marks the turn closed and returns the final subscribers (atomically, one UpdateItem). */
  close(turnId: string): Promise<TurnSubscribers | undefined>;
}

export interface DynamoDbTurnSubscriptionsDeps {
  readonly documents: DynamoDBDocumentClient;
  /** Physical name of the `connections` table. */
  readonly tableName: string;
  readonly clock: Clock;
  /** How long a subscriber record lives; past any turn (a Lambda runs 15 minutes at most). */
  readonly ttlSeconds?: number;
}

/** A day: far past the longest turn, short enough that the records do not pile up. */
const DEFAULT_TTL_SECONDS = 24 * 60 * 60;

/**
 * The `connections` table is keyed by `connectionId` alone. A subscriber record lives there under
 * `connectionId = TURN#<turnId>`: API Gateway connection ids are base64 (`[A-Za-z0-9+/=]`), so
 * `#` keeps the two kinds apart, and the record has no `userId`, so the `byUser` index (fan-out
 * to a user's connections) never lists it. `ttl` expires it like a connection.
 */
export const subscriptionKey = (turnId: string): string => `TURN#${turnId}`;

/** {@link TurnSubscriptionStore} on DynamoDB (single-item conditional writes only). */
export class DynamoDbTurnSubscriptions implements TurnSubscriptionStore {
  private readonly deps: DynamoDbTurnSubscriptionsDeps;

  constructor(deps: DynamoDbTurnSubscriptionsDeps) {
    this.deps = deps;
  }

  async open(
    turnId: string,
    owner: { ownerId: string; sessionId: string },
    connectionId: string,
  ): Promise<void> {
    const ttl =
      Math.floor(this.deps.clock.now().getTime() / 1000) +
      (this.deps.ttlSeconds ?? DEFAULT_TTL_SECONDS);
    await callDynamoDb(this.context('PutItem'), () =>
      this.deps.documents.send(
        new PutCommand({
          TableName: this.deps.tableName,
          Item: {
            connectionId: subscriptionKey(turnId),
            entity: 'turn-subscribers',
            ownerId: owner.ownerId,
            sessionId: owner.sessionId,
            subscribers: { [connectionId]: -1 },
            ttl,
          },
          // Turn ids are fresh ULIDs: a collision is a bug, never something to overwrite.
          ConditionExpression: 'attribute_not_exists(connectionId)',
        }),
      ),
    );
  }

  async add(
    turnId: string,
    ownerId: string,
    connectionId: string,
    afterSeq: number,
  ): Promise<AddSubscriberResult> {
    const result = await callDynamoDbConditionally(this.context('UpdateItem'), () =>
      this.deps.documents.send(
        new UpdateCommand({
          TableName: this.deps.tableName,
          Key: { connectionId: subscriptionKey(turnId) },
          UpdateExpression: 'SET subscribers.#connection = :seq',
          ConditionExpression:
            'attribute_exists(connectionId) AND ownerId = :owner AND attribute_not_exists(closed)',
          ExpressionAttributeNames: { '#connection': connectionId },
          ExpressionAttributeValues: { ':seq': afterSeq, ':owner': ownerId },
        }),
      ),
    );
    if (result.ok) return 'added';
    const current = await this.read(turnId);
    return current !== undefined && current.ownerId === ownerId && current.closed
      ? 'closed'
      : 'missing';
  }

  async read(turnId: string): Promise<TurnSubscribers | undefined> {
    const { Item: item } = await callDynamoDb(this.context('GetItem'), () =>
      this.deps.documents.send(
        new GetCommand({
          TableName: this.deps.tableName,
          Key: { connectionId: subscriptionKey(turnId) },
          ConsistentRead: true,
        }),
      ),
    );
    return item ? this.toSubscribers(item) : undefined;
  }

  async requestCancel(turnId: string, ownerId: string): Promise<boolean> {
    const result = await callDynamoDbConditionally(this.context('UpdateItem'), () =>
      this.deps.documents.send(
        new UpdateCommand({
          TableName: this.deps.tableName,
          Key: { connectionId: subscriptionKey(turnId) },
          UpdateExpression: 'SET cancelRequested = :yes',
          ConditionExpression: 'attribute_exists(connectionId) AND ownerId = :owner',
          ExpressionAttributeValues: { ':yes': true, ':owner': ownerId },
        }),
      ),
    );
    return result.ok;
  }

  async remove(turnId: string, connectionId: string): Promise<void> {
    await callDynamoDbConditionally(this.context('UpdateItem'), () =>
      this.deps.documents.send(
        new UpdateCommand({
          TableName: this.deps.tableName,
          Key: { connectionId: subscriptionKey(turnId) },
          UpdateExpression: 'REMOVE subscribers.#connection',
          ConditionExpression: 'attribute_exists(connectionId)',
          ExpressionAttributeNames: { '#connection': connectionId },
        }),
      ),
    );
  }

  async close(turnId: string): Promise<TurnSubscribers | undefined> {
    const result = await callDynamoDbConditionally(this.context('UpdateItem'), () =>
      this.deps.documents.send(
        new UpdateCommand({
          TableName: this.deps.tableName,
          Key: { connectionId: subscriptionKey(turnId) },
          UpdateExpression: 'SET closed = :yes',
          ConditionExpression: 'attribute_exists(connectionId)',
          ExpressionAttributeValues: { ':yes': true },
          ReturnValues: 'ALL_NEW',
        }),
      ),
    );
    return result.ok && result.value.Attributes
      ? this.toSubscribers(result.value.Attributes)
      : undefined;
  }

  private toSubscribers(item: Record<string, unknown>): TurnSubscribers | undefined {
    const ttl = item['ttl'];
    if (typeof ttl === 'number' && ttl * 1000 <= this.deps.clock.now().getTime()) return undefined;
    const ownerId = item['ownerId'];
    const sessionId = item['sessionId'];
    if (typeof ownerId !== 'string' || typeof sessionId !== 'string') return undefined;
    const subscribers: Record<string, number> = {};
    const stored = item['subscribers'];
    if (typeof stored === 'object' && stored !== null) {
      for (const [connectionId, seq] of Object.entries(stored)) {
        if (typeof seq === 'number') subscribers[connectionId] = seq;
      }
    }
    return {
      ownerId,
      sessionId,
      subscribers,
      closed: item['closed'] === true,
      cancelRequested: item['cancelRequested'] === true,
    };
  }

  private context(operation: string): { operation: string; tableName: string } {
    return { operation, tableName: this.deps.tableName };
  }
}
