// Plain data on purpose: the CDK app (infra/) and the local bootstrap (CreateTable against the
// in-process DynamoDB-compatible server) read the same definitions, and neither should pull the
// other's dependencies. No AWS SDK import here; the input shapes below are structurally compatible
// with @aws-sdk/client-dynamodb's CreateTableCommandInput and UpdateTimeToLiveCommandInput.

/** DynamoDB scalar types allowed in key attributes. */
export type KeyAttributeType = 'S' | 'N' | 'B';

/** A key attribute: its name and its DynamoDB scalar type. */
export interface KeyAttribute {
  readonly name: string;
  readonly type: KeyAttributeType;
}

/** What a global secondary index copies from the base item. */
export type IndexProjection = 'ALL' | 'KEYS_ONLY';

/** A global secondary index of a table. */
export interface GlobalSecondaryIndexDefinition {
  readonly indexName: string;
  readonly partitionKey: KeyAttribute;
  readonly sortKey?: KeyAttribute;
  readonly projection: IndexProjection;
}

/**
 * One DynamoDB table, independent of where it runs.
 *
 * `name` is the logical name. On AWS the CDK app lets CloudFormation choose the physical name and
 * hands it to services through their environment; locally the bootstrap passes its own name.
 */
export interface TableDefinition {
  readonly name: TableName;
  readonly description: string;
  readonly partitionKey: KeyAttribute;
  readonly sortKey?: KeyAttribute;
  readonly globalSecondaryIndexes: readonly GlobalSecondaryIndexDefinition[];
  /**
   * Number attribute holding an expiry time in epoch seconds. DynamoDB deletes expired items only
   * eventually (typically within days) and the local server never does, so readers must also
   * ignore items whose `ttl` has passed.
   */
  readonly timeToLiveAttribute?: string;
}

/** Logical names of LGM's DynamoDB tables. */
export type TableName = 'sessions' | 'connections' | 'mcp-tools';

/** GSI of `sessions` that lists a user's sessions, most recently updated last. */
export const SESSIONS_BY_OWNER_INDEX = 'byOwner';

/** GSI of `connections` that finds every open WebSocket connection of a user. */
export const CONNECTIONS_BY_USER_INDEX = 'byUser';

const TTL_ATTRIBUTE = 'ttl';

/**
 * The DynamoDB tables of LGM (ARCHITECTURE §4), keyed by logical name.
 *
 * @example
 * const input = toCreateTableInput(TABLES.sessions, 'lgm-local-sessions');
 */
export const TABLES: Readonly<Record<TableName, TableDefinition>> = {
  // One partition per session with typed sort keys (META, MSG#<ulid>, EVT#<turnId>#<seq>): a
  // session's items are read with one Query, and no single item approaches the 400 KB item limit.
  sessions: {
    name: 'sessions',
    description: 'Sessions, their messages and the persisted events of each turn.',
    partitionKey: { name: 'pk', type: 'S' },
    sortKey: { name: 'sk', type: 'S' },
    globalSecondaryIndexes: [
      {
        // Only META items carry ownerId/updatedAt, so the index stays sparse: one entry per session.
        indexName: SESSIONS_BY_OWNER_INDEX,
        partitionKey: { name: 'ownerId', type: 'S' },
        sortKey: { name: 'updatedAt', type: 'S' },
        projection: 'ALL',
      },
    ],
    timeToLiveAttribute: TTL_ATTRIBUTE,
  },
  connections: {
    name: 'connections',
    description: 'Open WebSocket connections and the user each one belongs to.',
    partitionKey: { name: 'connectionId', type: 'S' },
    globalSecondaryIndexes: [
      {
        // Fan-out to a user's connections needs only their ids, which KEYS_ONLY already carries.
        indexName: CONNECTIONS_BY_USER_INDEX,
        partitionKey: { name: 'userId', type: 'S' },
        projection: 'KEYS_ONLY',
      },
    ],
    // API Gateway may drop a connection without $disconnect reaching us; expiry cleans up.
    timeToLiveAttribute: TTL_ATTRIBUTE,
  },
  'mcp-tools': {
    name: 'mcp-tools',
    description: 'Registered MCP servers and the tools each one offers.',
    partitionKey: { name: 'pk', type: 'S' },
    sortKey: { name: 'sk', type: 'S' },
    globalSecondaryIndexes: [],
    // Cached tool listings of external servers can expire; registrations carry no ttl.
    timeToLiveAttribute: TTL_ATTRIBUTE,
  },
};

/** Every logical table name, in a stable order. */
export const TABLE_NAMES: readonly TableName[] = ['sessions', 'connections', 'mcp-tools'];

/** `AttributeDefinitions[n]` of a CreateTable request. */
export interface AttributeDefinitionInput {
  AttributeName: string;
  AttributeType: KeyAttributeType;
}

/** `KeySchema[n]` of a CreateTable request or of one of its indexes. */
export interface KeySchemaElementInput {
  AttributeName: string;
  KeyType: 'HASH' | 'RANGE';
}

/** `GlobalSecondaryIndexes[n]` of a CreateTable request. */
export interface GlobalSecondaryIndexInput {
  IndexName: string;
  KeySchema: KeySchemaElementInput[];
  Projection: { ProjectionType: IndexProjection };
}

/** The CreateTable request for a table (arrays are fresh and mutable, as the SDK types expect). */
export interface CreateTableInput {
  TableName: string;
  AttributeDefinitions: AttributeDefinitionInput[];
  KeySchema: KeySchemaElementInput[];
  GlobalSecondaryIndexes?: GlobalSecondaryIndexInput[];
  BillingMode: 'PAY_PER_REQUEST';
}

/** The UpdateTimeToLive request that enables a table's TTL attribute. */
export interface UpdateTimeToLiveInput {
  TableName: string;
  TimeToLiveSpecification: { AttributeName: string; Enabled: boolean };
}

// https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.NamingRulesDataTypes.html
const INDEX_NAME = /^[a-zA-Z0-9_.-]{3,255}$/;
// https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html (default quota)
const MAX_GLOBAL_SECONDARY_INDEXES = 20;

/**
 * Lists what is wrong with a definition, in words; empty when DynamoDB would accept it.
 * Catches what CreateTable would reject only at deploy time: one attribute with two types,
 * duplicate index names, a sort key equal to its partition key, a TTL on a key attribute.
 */
export function describeTableDefinitionProblems(definition: TableDefinition): string[] {
  const problems: string[] = [];
  const keys: {
    owner: string;
    partitionKey: KeyAttribute;
    sortKey?: KeyAttribute;
  }[] = [{ owner: `table '${definition.name}'`, ...definition }];
  const indexNames = new Set<string>();
  for (const index of definition.globalSecondaryIndexes) {
    if (!INDEX_NAME.test(index.indexName)) {
      problems.push(`index name '${index.indexName}' must match ${INDEX_NAME.source}`);
    }
    if (indexNames.has(index.indexName)) {
      problems.push(`index name '${index.indexName}' is used twice`);
    }
    indexNames.add(index.indexName);
    keys.push({ owner: `index '${index.indexName}'`, ...index });
  }
  if (definition.globalSecondaryIndexes.length > MAX_GLOBAL_SECONDARY_INDEXES) {
    problems.push(`more than ${MAX_GLOBAL_SECONDARY_INDEXES} global secondary indexes`);
  }

  const typeByAttribute = new Map<string, KeyAttributeType>();
  for (const { owner, partitionKey, sortKey } of keys) {
    if (sortKey && sortKey.name === partitionKey.name) {
      problems.push(`${owner} uses '${partitionKey.name}' as both partition and sort key`);
    }
    for (const attribute of sortKey ? [partitionKey, sortKey] : [partitionKey]) {
      const known = typeByAttribute.get(attribute.name);
      if (known !== undefined && known !== attribute.type) {
        problems.push(
          `attribute '${attribute.name}' is ${known} in one key and ${attribute.type} in ${owner}`,
        );
      }
      typeByAttribute.set(attribute.name, known ?? attribute.type);
    }
  }
  const ttl = definition.timeToLiveAttribute;
  if (ttl !== undefined && typeByAttribute.has(ttl)) {
    problems.push(`TTL attribute '${ttl}' must not be a key attribute (it holds a Number)`);
  }
  return problems;
}

/**
 * Every attribute used by the table's or an index's key, declared once. DynamoDB rejects a
 * CreateTable whose AttributeDefinitions name an attribute no key uses, or miss one that a key uses.
 */
export function keyAttributesOf(definition: TableDefinition): KeyAttribute[] {
  const byName = new Map<string, KeyAttribute>();
  const add = (attribute: KeyAttribute | undefined): void => {
    if (attribute && !byName.has(attribute.name)) byName.set(attribute.name, attribute);
  };
  add(definition.partitionKey);
  add(definition.sortKey);
  for (const index of definition.globalSecondaryIndexes) {
    add(index.partitionKey);
    add(index.sortKey);
  }
  return [...byName.values()];
}

/**
 * The CreateTable request for a definition, on-demand billing.
 *
 * @param tableName physical name; defaults to the logical name.
 * @throws Error listing every problem of an invalid definition.
 * @example
 * await client.send(new CreateTableCommand(toCreateTableInput(TABLES.sessions, 'lgm-sessions')));
 */
export function toCreateTableInput(
  definition: TableDefinition,
  tableName: string = definition.name,
): CreateTableInput {
  assertValid(definition);
  const input: CreateTableInput = {
    TableName: tableName,
    AttributeDefinitions: keyAttributesOf(definition).map((attribute) => ({
      AttributeName: attribute.name,
      AttributeType: attribute.type,
    })),
    KeySchema: keySchema(definition.partitionKey, definition.sortKey),
    BillingMode: 'PAY_PER_REQUEST',
  };
  // An empty GlobalSecondaryIndexes list is rejected by the API, so the member is left out.
  if (definition.globalSecondaryIndexes.length > 0) {
    input.GlobalSecondaryIndexes = definition.globalSecondaryIndexes.map((index) => ({
      IndexName: index.indexName,
      KeySchema: keySchema(index.partitionKey, index.sortKey),
      Projection: { ProjectionType: index.projection },
    }));
  }
  return input;
}

/**
 * The UpdateTimeToLive request for a definition, or undefined when it has no TTL attribute.
 * TTL cannot be set by CreateTable, so a bootstrap sends this once the table is active.
 */
export function toUpdateTimeToLiveInput(
  definition: TableDefinition,
  tableName: string = definition.name,
): UpdateTimeToLiveInput | undefined {
  if (definition.timeToLiveAttribute === undefined) return undefined;
  return {
    TableName: tableName,
    TimeToLiveSpecification: {
      AttributeName: definition.timeToLiveAttribute,
      Enabled: true,
    },
  };
}

function keySchema(partitionKey: KeyAttribute, sortKey?: KeyAttribute): KeySchemaElementInput[] {
  const schema: KeySchemaElementInput[] = [{ AttributeName: partitionKey.name, KeyType: 'HASH' }];
  if (sortKey) schema.push({ AttributeName: sortKey.name, KeyType: 'RANGE' });
  return schema;
}

function assertValid(definition: TableDefinition): void {
  const problems = describeTableDefinitionProblems(definition);
  if (problems.length > 0) {
    throw new Error(
      `Invalid DynamoDB table definition '${definition.name}':\n  - ${problems.join('\n  - ')}`,
    );
  }
}
