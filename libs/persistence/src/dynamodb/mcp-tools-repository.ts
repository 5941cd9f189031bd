import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
} from '@aws-sdk/lib-dynamodb';
import {
  type Clock,
  type IdGenerator,
  InternalError,
  NotFoundError,
  ValidationError,
} from '@lgm/core';
import * as z from 'zod';

import { decodeCursor, encodeCursor, type Page, pageSize } from '../shared/cursor';
import { callDynamoDb, callDynamoDbConditionally } from './errors';
import { type Item, queryPage } from './query';
import {
  epochSeconds,
  expiryOf,
  fromJsonText,
  isExpired,
  type JsonValue,
  jsonValueSchema,
  parseInput,
  requireOwnerId,
  requireTtlSeconds,
  requireUlid,
  toJsonText,
} from './validation';

/** Longest MCP server URL (browsers and proxies commonly stop at about 2 KB). */
export const MAX_MCP_SERVER_URL_LENGTH = 2_048;
/** Longest display name of a registered MCP server. */
export const MAX_MCP_SERVER_NAME_LENGTH = 100;
/** Budget of one cached tool listing as JSON (see `MAX_MESSAGE_BYTES` for why 256 KiB). */
export const MAX_TOOL_LISTING_BYTES = 256 * 1024;
/** Cached tool listings are refreshed at least weekly. */
export const MAX_TOOL_LISTING_TTL_SECONDS = 7 * 24 * 60 * 60;

/** What a {@link McpToolsRepository} needs. */
export interface McpToolsRepositoryDeps {
  readonly documents: DynamoDBDocumentClient;
  /** Physical name of the `mcp-tools` table. */
  readonly tableName: string;
  readonly clock: Clock;
  readonly nextId: IdGenerator;
  /**
   * Accept `http://localhost` (and 127.0.0.1, [::1]) URLs. Only the local dev stack should: on
   * AWS a plain-HTTP loopback URL would point the turn engine at its own host.
   */
  readonly allowLoopbackHttp?: boolean;
}

/** An MCP server a user registered. */
export interface McpServerRegistration {
  readonly id: string;
  readonly ownerId: string;
  readonly name: string;
  readonly url: string;
  readonly createdAt: string;
}

/** What `register` accepts. */
export interface RegisterMcpServerInput {
  readonly name: string;
  readonly url: string;
}

/** One tool as an MCP server's `tools/list` describes it. */
export interface McpToolDescriptor {
  readonly name: string;
  readonly description?: string;
  readonly inputSchema?: JsonValue;
}

/** A cached `tools/list` result of one server. */
export interface McpToolListing {
  readonly serverId: string;
  readonly tools: McpToolDescriptor[];
  readonly fetchedAt: string;
  readonly expiresAt: string;
}

const ULID_TEXT = '[0-9A-HJKMNP-TV-Z]{26}';
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

const ownerPk = (ownerId: string): string => `OWNER#${ownerId}`;
const serverSk = (serverId: string): string => `SERVER#${serverId}`;
const toolsSk = (serverId: string): string => `TOOLS#${serverId}`;

const nameSchema = z
  .string()
  .trim()
  .min(1, 'must not be blank')
  .max(MAX_MCP_SERVER_NAME_LENGTH, `must be at most ${MAX_MCP_SERVER_NAME_LENGTH} characters`);

const toolDescriptorSchema = z.object({
  // https://modelcontextprotocol.io/specification/2025-06-18/server/tools: names are short ids.
  name: z.string().regex(/^[A-Za-z0-9_.:/-]{1,128}$/, 'must be a tool name'),
  description: z.string().max(8_192).optional(),
  inputSchema: jsonValueSchema.optional(),
});

const toolListSchema = z.array(toolDescriptorSchema).max(1_000);

const storedServerSchema = z.object({
  id: z.string(),
  ownerId: z.string(),
  name: z.string(),
  url: z.string(),
  createdAt: z.string(),
});

/**
 * The MCP servers ONE owner registered (`pk = OWNER#<ownerId>`, `sk = SERVER#<id>`) and a cached
 * tool listing per server (`sk = TOOLS#<serverId>`, expiring). The partition key is the owner, so
 * no operation can reach another owner's items.
 *
 * @example
 * const tools = new McpToolsRepository({ documents, tableName, clock, nextId }, principal.sub);
 * const server = await tools.register({ name: 'Weather', url: 'https://mcp.example.com/mcp' });
 */
export class McpToolsRepository {
  readonly ownerId: string;
  private readonly deps: McpToolsRepositoryDeps;

  constructor(deps: McpToolsRepositoryDeps, ownerId: string) {
    this.deps = deps;
    this.ownerId = requireOwnerId(ownerId);
  }

  /**
   * Registers a server.
   * @throws ValidationError `INVALID_MCP_SERVER_NAME` / `INVALID_MCP_SERVER_URL`.
   */
  async register(input: RegisterMcpServerInput): Promise<McpServerRegistration> {
    if (typeof input !== 'object' || input === null) {
      throw new ValidationError('The MCP server is invalid.', { code: 'INVALID_MCP_SERVER' });
    }
    const name = parseInput(nameSchema, input.name, 'INVALID_MCP_SERVER_NAME', 'MCP server name');
    const url = this.requireServerUrl(input.url);
    const id = this.deps.nextId();
    const registration: McpServerRegistration = {
      id,
      ownerId: this.ownerId,
      name,
      url,
      createdAt: this.deps.clock.now().toISOString(),
    };
    await callDynamoDb(this.context('PutItem'), () =>
      this.deps.documents.send(
        new PutCommand({
          TableName: this.deps.tableName,
          Item: {
            pk: ownerPk(this.ownerId),
            sk: serverSk(id),
            entity: 'mcpServer',
            ...registration,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    );
    return registration;
  }

  /** This owner's servers, oldest registration first. */
  async list(
    options: { readonly limit?: number; readonly cursor?: string } = {},
  ): Promise<Page<McpServerRegistration>> {
    const limit = pageSize(options.limit);
    const startKey =
      options.cursor === undefined
        ? undefined
        : decodeCursor(
            z.strictObject({
              // The owner is in the key: a cursor naming any other partition is forged.
              pk: z.literal(ownerPk(this.ownerId)),
              sk: z.string().regex(new RegExp(`^SERVER#${ULID_TEXT}$`)),
            }),
            options.cursor,
          );
    const { items, hasMore } = await queryPage(
      this.deps.documents,
      {
        TableName: this.deps.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': ownerPk(this.ownerId), ':prefix': 'SERVER#' },
        ConsistentRead: true,
        ExclusiveStartKey: startKey,
      },
      limit,
    );
    const servers = items.map(toServer);
    const last = items[items.length - 1];
    return hasMore && last
      ? { items: servers, nextCursor: encodeCursor({ pk: last['pk'], sk: last['sk'] }) }
      : { items: servers };
  }

  /** @throws NotFoundError `MCP_SERVER_NOT_FOUND` for unknown and other owners' servers. */
  async get(serverId: string): Promise<McpServerRegistration> {
    requireUlid(serverId, 'INVALID_MCP_SERVER_ID', 'MCP server id');
    const item = await this.getItem(serverSk(serverId));
    if (!item) throw new NotFoundError('MCP server', serverId);
    return toServer(item);
  }

  /**
   * Removes a registration and its cached tool listing.
   * @throws NotFoundError `MCP_SERVER_NOT_FOUND` for unknown and other owners' servers.
   */
  async unregister(serverId: string): Promise<void> {
    requireUlid(serverId, 'INVALID_MCP_SERVER_ID', 'MCP server id');
    const result = await callDynamoDbConditionally(this.context('DeleteItem'), () =>
      this.deps.documents.send(
        new DeleteCommand({
          TableName: this.deps.tableName,
          Key: { pk: ownerPk(this.ownerId), sk: serverSk(serverId) },
          ConditionExpression: 'attribute_exists(pk)',
        }),
      ),
    );
    if (!result.ok) throw new NotFoundError('MCP server', serverId);
    await callDynamoDb(this.context('DeleteItem'), () =>
      this.deps.documents.send(
        new DeleteCommand({
          TableName: this.deps.tableName,
          Key: { pk: ownerPk(this.ownerId), sk: toolsSk(serverId) },
        }),
      ),
    );
  }

  /**
   * Caches a server's tool listing for `ttlSeconds`.
   * @throws NotFoundError `MCP_SERVER_NOT_FOUND` when the server is not registered by this owner.
   * @throws PayloadTooLargeError `TOOL_LISTING_TOO_LARGE`.
   */
  async putToolListing(
    serverId: string,
    tools: readonly McpToolDescriptor[],
    ttlSeconds: number,
  ): Promise<McpToolListing> {
    requireUlid(serverId, 'INVALID_MCP_SERVER_ID', 'MCP server id');
    requireTtlSeconds(ttlSeconds, MAX_TOOL_LISTING_TTL_SECONDS, 'INVALID_TOOL_LISTING_TTL');
    const text = toJsonText(
      tools,
      MAX_TOOL_LISTING_BYTES,
      'TOOL_LISTING_TOO_LARGE',
      'tool listing',
    );
    const parsed = parseInput(toolListSchema, tools, 'INVALID_TOOL_LISTING', 'tool listing');
    if (!(await this.getItem(serverSk(serverId)))) throw new NotFoundError('MCP server', serverId);
    const now = this.deps.clock.now();
    const ttl = epochSeconds(now) + ttlSeconds;
    await callDynamoDb(this.context('PutItem'), () =>
      this.deps.documents.send(
        new PutCommand({
          TableName: this.deps.tableName,
          Item: {
            pk: ownerPk(this.ownerId),
            sk: toolsSk(serverId),
            entity: 'mcpToolListing',
            serverId,
            tools: text,
            fetchedAt: now.toISOString(),
            ttl,
          },
        }),
      ),
    );
    return {
      serverId,
      tools: parsed,
      fetchedAt: now.toISOString(),
      expiresAt: new Date(ttl * 1000).toISOString(),
    };
  }

  /** The cached tool listing, or undefined when none is cached or it expired. */
  async getToolListing(serverId: string): Promise<McpToolListing | undefined> {
    requireUlid(serverId, 'INVALID_MCP_SERVER_ID', 'MCP server id');
    const item = await this.getItem(toolsSk(serverId));
    if (!item) return undefined;
    const fetchedAt = item['fetchedAt'];
    const expiresAt = expiryOf(item);
    if (typeof fetchedAt !== 'string' || expiresAt === undefined) {
      throw new InternalError('A stored tool listing is malformed.');
    }
    const tools = fromJsonText(item['tools'], 'tool listing') as unknown as McpToolDescriptor[];
    return { serverId, tools, fetchedAt, expiresAt };
  }

  private requireServerUrl(value: unknown): string {
    const invalid = (why: string) =>
      new ValidationError(`The MCP server URL ${why}.`, { code: 'INVALID_MCP_SERVER_URL' });
    if (typeof value !== 'string' || value.length === 0) throw invalid('is missing');
    if (value.length > MAX_MCP_SERVER_URL_LENGTH) {
      throw invalid(`must be at most ${MAX_MCP_SERVER_URL_LENGTH} characters`);
    }
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw invalid('is not a URL');
    }
    // Credentials in a URL end up in logs and error messages; MCP servers authenticate by header.
    if (url.username !== '' || url.password !== '') throw invalid('must not contain credentials');
    if (url.hash !== '') throw invalid('must not have a fragment');
    const loopbackHttp =
      url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname) && this.deps.allowLoopbackHttp;
    if (url.protocol !== 'https:' && !loopbackHttp) {
      throw invalid(
        this.deps.allowLoopbackHttp ? 'must use https (or http on localhost)' : 'must use https',
      );
    }
    return url.toString();
  }

  private async getItem(sk: string): Promise<Item | undefined> {
    const { Item: item } = await callDynamoDb(this.context('GetItem'), () =>
      this.deps.documents.send(
        new GetCommand({
          TableName: this.deps.tableName,
          Key: { pk: ownerPk(this.ownerId), sk },
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

function toServer(item: Item): McpServerRegistration {
  const parsed = storedServerSchema.safeParse(item);
  if (!parsed.success) throw new InternalError('A stored MCP server item is malformed.');
  return parsed.data;
}
