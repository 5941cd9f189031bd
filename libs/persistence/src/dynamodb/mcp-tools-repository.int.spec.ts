import { AppError, createIdGenerator, createManualClock } from '@lgm/core';

import { encodeCursor } from '../shared/cursor';
import { McpToolsRepository, type McpToolsRepositoryDeps } from './mcp-tools-repository';
import { type LocalTables, newOwnerId, startLocalTables } from './test/local-tables';

let local: LocalTables;

beforeAll(async () => {
  local = await startLocalTables('mcp-tools-int');
});

afterAll(async () => {
  await local.stop();
});

function setup(overrides: Partial<McpToolsRepositoryDeps> = {}) {
  const clock = createManualClock('2026-03-01T09:00:00.000Z');
  const deps: McpToolsRepositoryDeps = {
    documents: local.documents,
    tableName: local.tableNames['mcp-tools'],
    clock,
    nextId: createIdGenerator(clock),
    ...overrides,
  };
  return { clock, toolsOf: (ownerId: string) => new McpToolsRepository(deps, ownerId) };
}

async function expectAppError(promise: Promise<unknown>, code: string, status: number) {
  const error: unknown = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(AppError);
  expect(error).toMatchObject({ code, status });
}

const weatherTools = [
  {
    name: 'get_forecast',
    description: 'Forecast for a city',
    inputSchema: { type: 'object', properties: { city: { type: 'string' } } },
  },
];

describe('McpToolsRepository on the local DynamoDB', () => {
  it('registers, lists in pages of 2, gets and unregisters servers', async () => {
    const { clock, toolsOf } = setup();
    const tools = toolsOf(newOwnerId());
    const ids: string[] = [];
    for (let index = 0; index < 5; index += 1) {
      clock.advance(1_000);
      const server = await tools.register({
        name: ` Server ${index} `,
        url: `https://mcp${index}.example.com/mcp`,
      });
      ids.push(server.id);
    }
    expect(await tools.get(ids[0] ?? '')).toEqual({
      id: ids[0],
      ownerId: tools.ownerId,
      name: 'Server 0',
      url: 'https://mcp0.example.com/mcp',
      createdAt: '2026-03-01T09:00:01.000Z',
    });

    const pages: string[][] = [];
    let cursor: string | undefined;
    do {
      const page = await tools.list({ limit: 2, ...(cursor ? { cursor } : {}) });
      pages.push(page.items.map((server) => server.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(pages.map((page) => page.length)).toEqual([2, 2, 1]);
    expect(pages.flat()).toEqual(ids);

    await tools.putToolListing(ids[1] ?? '', weatherTools, 3_600);
    await tools.unregister(ids[1] ?? '');
    await expectAppError(tools.get(ids[1] ?? ''), 'MCP_SERVER_NOT_FOUND', 404);
    await expectAppError(tools.unregister(ids[1] ?? ''), 'MCP_SERVER_NOT_FOUND', 404);
    expect(await tools.getToolListing(ids[1] ?? '')).toBeUndefined();
    expect((await tools.list()).items).toHaveLength(4);
  });

  it('caches a tool listing until its ttl passes', async () => {
    const { clock, toolsOf } = setup();
    const tools = toolsOf(newOwnerId());
    const server = await tools.register({ name: 'Weather', url: 'https://weather.example/mcp' });
    expect(await tools.getToolListing(server.id)).toBeUndefined();

    const listing = await tools.putToolListing(server.id, weatherTools, 600);
    expect(listing).toEqual({
      serverId: server.id,
      tools: weatherTools,
      fetchedAt: '2026-03-01T09:00:00.000Z',
      expiresAt: '2026-03-01T09:10:00.000Z',
    });
    expect(await tools.getToolListing(server.id)).toEqual(listing);

    clock.advance(600_000);
    expect(await tools.getToolListing(server.id)).toBeUndefined();
    expect(await tools.get(server.id)).toEqual(server); // registrations do not expire
  });

  it('validates names, URLs, ids, listings and cursors', async () => {
    const tools = setup().toolsOf(newOwnerId());
    const url = (value: string) =>
      expectAppError(tools.register({ name: 'x', url: value }), 'INVALID_MCP_SERVER_URL', 400);
    await url('http://mcp.example.com/mcp');
    await url('http://localhost:3001/mcp'); // loopback http only when the dev stack allows it
    await url('ftp://example.com');
    await url('not a url');
    await url('https://user:secret@example.com/mcp');
    await url(`https://example.com/${'a'.repeat(2_048)}`);
    await expectAppError(
      tools.register({ name: ' ', url: 'https://example.com' }),
      'INVALID_MCP_SERVER_NAME',
      400,
    );
    await expectAppError(
      tools.register({ name: 'n'.repeat(101), url: 'https://example.com' }),
      'INVALID_MCP_SERVER_NAME',
      400,
    );
    await expectAppError(tools.get('123'), 'INVALID_MCP_SERVER_ID', 400);
    await expectAppError(tools.list({ cursor: '%%%' }), 'INVALID_CURSOR', 400);

    const server = await tools.register({ name: 'Weather', url: 'https://weather.example/mcp' });
    await expectAppError(
      tools.putToolListing(server.id, [{ name: 'bad name with spaces' }], 60),
      'INVALID_TOOL_LISTING',
      400,
    );
    await expectAppError(
      tools.putToolListing(server.id, [{ name: 'big', description: 'x'.repeat(300 * 1024) }], 60),
      'TOOL_LISTING_TOO_LARGE',
      413,
    );
    await expectAppError(
      tools.putToolListing(server.id, weatherTools, 0),
      'INVALID_TOOL_LISTING_TTL',
      400,
    );
    await expectAppError(
      tools.putToolListing(createIdGenerator()(), weatherTools, 60),
      'MCP_SERVER_NOT_FOUND',
      404,
    );

    const local = setup({ allowLoopbackHttp: true }).toolsOf(newOwnerId());
    expect((await local.register({ name: 'Dev', url: 'http://localhost:3001/mcp' })).url).toBe(
      'http://localhost:3001/mcp',
    );
    expect((await local.register({ name: 'Dev6', url: 'http://[::1]:3001/mcp' })).url).toBe(
      'http://[::1]:3001/mcp',
    );
  });

  it("keeps owner A's servers out of owner B's reach", async () => {
    const { toolsOf } = setup();
    const alice = toolsOf(newOwnerId('alice'));
    const bob = toolsOf(newOwnerId('bob'));
    const first = await alice.register({ name: 'Private', url: 'https://a.example/mcp' });
    await alice.register({ name: 'Second', url: 'https://b.example/mcp' });
    await alice.putToolListing(first.id, weatherTools, 600);

    await expectAppError(bob.get(first.id), 'MCP_SERVER_NOT_FOUND', 404);
    await expectAppError(bob.unregister(first.id), 'MCP_SERVER_NOT_FOUND', 404);
    await expectAppError(
      bob.putToolListing(first.id, [{ name: 'evil' }], 600),
      'MCP_SERVER_NOT_FOUND',
      404,
    );
    expect(await bob.getToolListing(first.id)).toBeUndefined();
    expect(await bob.list()).toEqual({ items: [] });
    const aliceCursor = (await alice.list({ limit: 1 })).nextCursor ?? '';
    await expectAppError(bob.list({ cursor: aliceCursor }), 'INVALID_CURSOR', 400);
    await expectAppError(
      bob.list({
        cursor: encodeCursor({ pk: `OWNER#${alice.ownerId}`, sk: `SERVER#${first.id}` }),
      }),
      'INVALID_CURSOR',
      400,
    );

    expect(await alice.get(first.id)).toEqual(first);
    expect(await alice.getToolListing(first.id)).toMatchObject({ tools: weatherTools });
    expect((await alice.list()).items).toHaveLength(2);
  });
});
