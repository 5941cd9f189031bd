import {
  describeTableDefinitionProblems,
  TABLE_NAMES,
  type TableDefinition,
  TABLES,
  toCreateTableInput,
  toUpdateTimeToLiveInput,
} from './table-definitions';

const allDefinitions = TABLE_NAMES.map((name) => TABLES[name]);

describe('TABLES', () => {
  it('holds exactly the tables of ARCHITECTURE §4, each under its own logical name', () => {
    expect(Object.keys(TABLES).sort()).toEqual(['connections', 'mcp-tools', 'sessions']);
    expect([...TABLE_NAMES].sort()).toEqual(Object.keys(TABLES).sort());
    for (const name of TABLE_NAMES) {
      expect(TABLES[name].name).toBe(name);
      expect(name).toMatch(/^[a-zA-Z0-9_.-]{3,255}$/);
    }
  });

  it.each(allDefinitions.map((definition) => [definition.name, definition] as const))(
    '%s is consistent',
    (_name, definition) => {
      expect(describeTableDefinitionProblems(definition)).toEqual([]);

      const input = toCreateTableInput(definition);
      const declared = input.AttributeDefinitions.map((attribute) => attribute.AttributeName);
      const usedInKeys = [
        ...input.KeySchema,
        ...(input.GlobalSecondaryIndexes ?? []).flatMap((index) => index.KeySchema),
      ].map((element) => element.AttributeName);

      // Declared exactly once, and nothing declared that no key uses (DynamoDB rejects both).
      expect(new Set(declared).size).toBe(declared.length);
      expect([...new Set(usedInKeys)].sort()).toEqual([...declared].sort());

      const indexNames = (input.GlobalSecondaryIndexes ?? []).map((index) => index.IndexName);
      expect(new Set(indexNames).size).toBe(indexNames.length);

      for (const schema of [
        input.KeySchema,
        ...(input.GlobalSecondaryIndexes ?? []).map((i) => i.KeySchema),
      ]) {
        expect(schema[0]?.KeyType).toBe('HASH');
        expect(schema.slice(1).map((element) => element.KeyType)).toEqual(
          schema.length === 2 ? ['RANGE'] : [],
        );
      }
    },
  );
});

describe('toCreateTableInput', () => {
  it('describes sessions as an on-demand table with the byOwner index', () => {
    expect(toCreateTableInput(TABLES.sessions, 'lgm-local-sessions')).toEqual({
      TableName: 'lgm-local-sessions',
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
        { AttributeName: 'ownerId', AttributeType: 'S' },
        { AttributeName: 'updatedAt', AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: [
        {
          IndexName: 'byOwner',
          KeySchema: [
            { AttributeName: 'ownerId', KeyType: 'HASH' },
            { AttributeName: 'updatedAt', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
      BillingMode: 'PAY_PER_REQUEST',
    });
  });

  it('names the table by its logical name unless told otherwise', () => {
    expect(toCreateTableInput(TABLES.connections).TableName).toBe('connections');
  });

  it('leaves GlobalSecondaryIndexes out when a table has none', () => {
    expect(toCreateTableInput(TABLES['mcp-tools'])).not.toHaveProperty('GlobalSecondaryIndexes');
  });

  it('returns fresh objects, so a caller mutating one request cannot corrupt the next', () => {
    const first = toCreateTableInput(TABLES.sessions);
    first.AttributeDefinitions.pop();
    expect(toCreateTableInput(TABLES.sessions).AttributeDefinitions).toHaveLength(4);
  });

  it('refuses an inconsistent definition and names every problem', () => {
    const broken: TableDefinition = {
      name: 'sessions',
      description: 'broken on purpose',
      partitionKey: { name: 'pk', type: 'S' },
      sortKey: { name: 'pk', type: 'S' },
      globalSecondaryIndexes: [
        {
          indexName: 'byOwner',
          partitionKey: { name: 'pk', type: 'N' },
          projection: 'ALL',
        },
        {
          indexName: 'byOwner',
          partitionKey: { name: 'ownerId', type: 'S' },
          projection: 'ALL',
        },
        {
          indexName: 'x',
          partitionKey: { name: 'ttl', type: 'N' },
          projection: 'KEYS_ONLY',
        },
      ],
      timeToLiveAttribute: 'ttl',
    };

    const problems = describeTableDefinitionProblems(broken);

    expect(problems).toEqual([
      "index name 'byOwner' is used twice",
      "index name 'x' must match ^[a-zA-Z0-9_.-]{3,255}$",
      "table 'sessions' uses 'pk' as both partition and sort key",
      "attribute 'pk' is S in one key and N in index 'byOwner'",
      "TTL attribute 'ttl' must not be a key attribute (it holds a Number)",
    ]);
    expect(() => toCreateTableInput(broken)).toThrow(
      /Invalid DynamoDB table definition 'sessions'/,
    );
  });
});

describe('toUpdateTimeToLiveInput', () => {
  it('enables the ttl attribute of every table that declares one', () => {
    expect(toUpdateTimeToLiveInput(TABLES.sessions, 'lgm-local-sessions')).toEqual({
      TableName: 'lgm-local-sessions',
      TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
    });
  });

  it('is undefined for a table without TTL', () => {
    const { timeToLiveAttribute: _ignored, ...withoutTtl } = TABLES['mcp-tools'];
    expect(toUpdateTimeToLiveInput(withoutTtl)).toBeUndefined();
  });
});
