import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
} from '@aws-sdk/lib-dynamodb';
import { type Clock, ValidationError } from '@lgm/core';

import { callDynamoDb } from './errors';
import { queryAll } from './query';
import { CONNECTIONS_BY_USER_INDEX } from './table-definitions';
import { epochSeconds, isExpired, requireOwnerId, requireTtlSeconds } from './validation';

/**
 * API Gateway closes a WebSocket after 2 hours at most, so a day bounds any connection record.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html#apigateway-execution-service-websocket-limits-table
 */
export const MAX_CONNECTION_TTL_SECONDS = 24 * 60 * 60;

// API Gateway connection ids look like `L0SM9cOFvHcCIhw=`; the local gateway uses ULIDs.
const CONNECTION_ID = /^[A-Za-z0-9+/=_-]{1,128}$/;

/** What a {@link ConnectionRepository} needs. */
export interface ConnectionRepositoryDeps {
  readonly documents: DynamoDBDocumentClient;
  /** Physical name of the `connections` table. */
  readonly tableName: string;
  readonly clock: Clock;
}

/** An open WebSocket connection and its user. */
export interface Connection {
  readonly connectionId: string;
  readonly userId: string;
  readonly connectedAt: string;
  readonly expiresAt: string;
}

/**
 * The `connections` table: which user holds which WebSocket connection. Every record expires
 * (API Gateway can drop a socket without `$disconnect` reaching us), and readers ignore expired
 * records before DynamoDB removes them.
 *
 * @example
 * await connections.put(event.requestContext.connectionId, principal.sub, 7_200);
 * const ids = await connections.listByUser(principal.sub);
 */
export class ConnectionRepository {
  private readonly deps: ConnectionRepositoryDeps;

  constructor(deps: ConnectionRepositoryDeps) {
    this.deps = deps;
  }

  /** Records (or refreshes) a connection for `ttlSeconds` from now. */
  async put(connectionId: string, userId: string, ttlSeconds: number): Promise<Connection> {
    requireConnectionId(connectionId);
    requireOwnerId(userId, 'INVALID_USER_ID');
    requireTtlSeconds(ttlSeconds, MAX_CONNECTION_TTL_SECONDS, 'INVALID_CONNECTION_TTL');
    const now = this.deps.clock.now();
    const ttl = epochSeconds(now) + ttlSeconds;
    await callDynamoDb(this.context('PutItem'), () =>
      this.deps.documents.send(
        new PutCommand({
          TableName: this.deps.tableName,
          Item: { connectionId, userId, connectedAt: now.toISOString(), ttl },
        }),
      ),
    );
    return {
      connectionId,
      userId,
      connectedAt: now.toISOString(),
      expiresAt: new Date(ttl * 1000).toISOString(),
    };
  }

  /** The connection, or undefined when unknown or expired. */
  async get(connectionId: string): Promise<Connection | undefined> {
    requireConnectionId(connectionId);
    const { Item: item } = await callDynamoDb(this.context('GetItem'), () =>
      this.deps.documents.send(
        new GetCommand({
          TableName: this.deps.tableName,
          Key: { connectionId },
          ConsistentRead: true,
        }),
      ),
    );
    if (!item || isExpired(item, this.deps.clock)) return undefined;
    const { userId, connectedAt, ttl } = item;
    if (typeof userId !== 'string' || typeof connectedAt !== 'string' || typeof ttl !== 'number') {
      return undefined;
    }
    return { connectionId, userId, connectedAt, expiresAt: new Date(ttl * 1000).toISOString() };
  }

  /** Forgets a connection; deleting an unknown one is not an error ($disconnect may repeat). */
  async delete(connectionId: string): Promise<void> {
    requireConnectionId(connectionId);
    await callDynamoDb(this.context('DeleteItem'), () =>
      this.deps.documents.send(
        new DeleteCommand({ TableName: this.deps.tableName, Key: { connectionId } }),
      ),
    );
  }

  /**
   * Ids of a user's connections, from the KEYS_ONLY `byUser` index. The index carries no `ttl`,
   * so an expired connection can still be listed until DynamoDB removes it: callers treat
   * `GoneException` from `postToConnection` as the final word and delete the id.
   */
  async listByUser(userId: string): Promise<string[]> {
    requireOwnerId(userId, 'INVALID_USER_ID');
    const items = await queryAll(this.deps.documents, {
      TableName: this.deps.tableName,
      IndexName: CONNECTIONS_BY_USER_INDEX,
      KeyConditionExpression: 'userId = :user',
      ExpressionAttributeValues: { ':user': userId },
    });
    return items
      .map((item) => item['connectionId'])
      .filter((id): id is string => typeof id === 'string');
  }

  private context(operation: string): { operation: string; tableName: string } {
    return { operation, tableName: this.deps.tableName };
  }
}

function requireConnectionId(value: unknown): void {
  if (typeof value !== 'string' || !CONNECTION_ID.test(value)) {
    throw new ValidationError('The connection id is invalid.', { code: 'INVALID_CONNECTION_ID' });
  }
}
