import { randomUUID } from 'node:crypto';

import { createIdGenerator, createLogger, createManualClock, type ManualClock } from '@lgm/core';
import { type LocalDynamoDb, startLocalDynamoDb } from '@lgm/local-stack';
import {
  createDynamoDbClients,
  type DynamoDbClients,
  ensureTables,
  McpToolsRepository,
  physicalTableNames,
} from '@lgm/persistence';
import {
  type BrokenMcpServer,
  MCP_INJECTION_TEXT,
  type McpTestServer,
  startBrokenMcpServer,
  startMcpTestServer,
} from '@lgm/testing';

import {
  type McpServerEntry,
  type McpServerRegistry,
  McpToolExecutor,
  type McpToolExecutorOptions,
  type McpToolListingEntry,
} from './mcp-tool-executor';
import { BEDROCK_TOOL_NAME, hashedToolName } from './tool-names';
import type { HostResolver } from './url-validation';

let dynamo: LocalDynamoDb;
let clients: DynamoDbClients;
let tableName: string;
let mcp: McpTestServer;
let other: McpTestServer;
let failing: BrokenMcpServer;
let garbage: BrokenMcpServer;
let hanging: BrokenMcpServer;

beforeAll(async () => {
  dynamo = await startLocalDynamoDb();
  clients = createDynamoDbClients({
    region: dynamo.region,
    endpoint: dynamo.endpoint,
    credentials: dynamo.credentials,
  });
  const tableNames = physicalTableNames(`mcp-executor-${randomUUID().slice(0, 8)}`);
  await ensureTables(clients.client, tableNames);
  tableName = tableNames['mcp-tools'];
  // Two tools per page: listing must follow nextCursor.
  mcp = await startMcpTestServer({ pageSize: 2 });
  other = await startMcpTestServer({
    defaultTools: false,
    tools: [
      {
        name: 'echo',
        description: 'Echo from the other server.',
        handler: (args) => ({
          content: [{ type: 'text', text: `other: ${String(args['text'])}` }],
        }),
      },
      {
        name: 'files/read.v2',
        // A schema without `type` and a very long description.
        inputSchema: { properties: { path: { type: 'string' } } },
        description: 'Reads a file. '.repeat(200),
        handler: () => ({
          content: [
            { type: 'text', text: 'contents' },
            { type: 'image', data: 'aGVsbG8=', mimeType: 'image/png' },
          ],
        }),
      },
    ],
  });
  failing = await startBrokenMcpServer('status-500');
  garbage = await startBrokenMcpServer('garbage');
  hanging = await startBrokenMcpServer('hang');
});

afterAll(async () => {
  await Promise.all([mcp, other, failing, garbage, hanging].map((server) => server?.close()));
  clients?.client.destroy();
  await dynamo?.stop();
});

interface Harness {
  readonly clock: ManualClock;
  readonly executor: McpToolExecutor;
  readonly logs: string[];
  /** The real repository of one owner, on the local DynamoDB. */
  readonly repository: (ownerId: string) => McpToolsRepository;
  readonly newExecutor: (options?: McpToolExecutorOptions) => McpToolExecutor;
}

function harness(options: McpToolExecutorOptions = {}): Harness {
  const clock = createManualClock('2026-03-01T09:00:00.000Z');
  const logs: string[] = [];
  const logger = createLogger({
    service: 'mcp-test',
    level: 'debug',
    destination: { write: (line: string) => void logs.push(line) },
  });
  const repository = (ownerId: string) =>
    new McpToolsRepository(
      {
        documents: clients.documents,
        tableName,
        clock,
        nextId: createIdGenerator(clock),
        allowLoopbackHttp: true,
      },
      ownerId,
    );
  const newExecutor = (extra: McpToolExecutorOptions = {}) =>
    new McpToolExecutor({
      registry: repository,
      clock,
      logger,
      options: { allowPrivateNetworks: true, ...options, ...extra },
    });
  return { clock, executor: newExecutor(), logs, repository, newExecutor };
}

/** A registry in memory, for registrations the repository cannot hold (headers, bad URLs). */
class MemoryRegistry implements McpServerRegistry {
  readonly listings = new Map<string, McpToolListingEntry>();
  constructor(private readonly servers: readonly McpServerEntry[]) {}
  async list() {
    return { items: this.servers };
  }
  async getToolListing(serverId: string) {
    return this.listings.get(serverId);
  }
  async putToolListing(serverId: string, tools: McpToolListingEntry['tools']) {
    this.listings.set(serverId, { tools, fetchedAt: '2026-03-01T09:00:00.000Z' });
  }
}

function memoryExecutor(
  registry: McpServerRegistry,
  options: McpToolExecutorOptions & { resolve?: HostResolver } = {},
) {
  const logs: string[] = [];
  const { resolve, ...rest } = options;
  const executor = new McpToolExecutor({
    registry: () => registry,
    clock: createManualClock('2026-03-01T09:00:00.000Z'),
    logger: createLogger({
      service: 'mcp-test',
      level: 'debug',
      destination: { write: (line: string) => void logs.push(line) },
    }),
    ...(resolve ? { resolve } : {}),
    options: { allowPrivateNetworks: true, ...rest },
  });
  return { executor, logs };
}

const owner = (label = 'user') => `${label}-${randomUUID()}`;

async function eventually(check: () => boolean): Promise<void> {
  for (let attempt = 0; attempt < 200 && !check(); attempt += 1) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  expect(check()).toBe(true);
}

const DEFAULT_TOOLS = ['echo', 'add', 'slow', 'fail', 'huge', 'inject'];

describe('McpToolExecutor over Streamable HTTP, with the DynamoDB registry', () => {
  it('lists tools with namespaced Bedrock names, following pagination', async () => {
    const { executor, repository } = harness();
    const alice = owner('alice');
    const server = await repository(alice).register({ name: 'Test Tools', url: mcp.url });

    const tools = await executor.listTools(alice);

    expect(tools.map((tool) => tool.spec.name)).toEqual(
      DEFAULT_TOOLS.map((name) => `Test_Tools__${name}`),
    );
    expect(tools.every((tool) => tool.server === 'Test Tools')).toBe(true);
    expect(tools[0]?.spec).toEqual({
      name: 'Test_Tools__echo',
      description: 'Returns its text argument unchanged.',
      inputSchema: {
        type: 'object',
        properties: { text: { type: 'string', description: 'What to echo.' } },
        required: ['text'],
      },
    });
    // The listing is cached in the registry, under this owner.
    const cached = await repository(alice).getToolListing(server.id);
    expect(cached?.tools.map((tool) => tool.name)).toEqual(DEFAULT_TOOLS);
    expect(cached?.expiresAt).toBe('2026-03-01T09:01:00.000Z');
  });

  it('reuses the cached listing within the TTL and fetches it again after', async () => {
    const { clock, executor, repository } = harness();
    const alice = owner('alice');
    await repository(alice).register({ name: 'Test Tools', url: mcp.url });
    const pages = 3; // six tools, two per page

    const start = mcp.listRequests();
    await executor.listTools(alice);
    expect(mcp.listRequests() - start).toBe(pages);

    clock.advance(59_999);
    const again = await executor.listTools(alice);
    expect(again).toHaveLength(6);
    expect(mcp.listRequests() - start).toBe(pages);

    // Another process (a worker) reads the same cache.
    await harness().newExecutor().listTools(alice);
    expect(mcp.listRequests() - start).toBe(pages);

    clock.advance(1);
    expect(await executor.listTools(alice)).toHaveLength(6);
    expect(mcp.listRequests() - start).toBe(2 * pages);
  });

  it('calls tools and returns their output', async () => {
    const { executor, repository } = harness();
    const alice = owner('alice');
    await repository(alice).register({ name: 'Test Tools', url: mcp.url });
    await executor.listTools(alice);

    expect(await executor.callTool(alice, 'Test_Tools__echo', { text: 'hello' })).toEqual({
      status: 'success',
      output: 'hello',
      truncated: false,
    });
    // Structured content and its JSON text are not duplicated.
    expect(await executor.callTool(alice, 'Test_Tools__add', { a: 2, b: 3 })).toEqual({
      status: 'success',
      output: '{"sum":5}',
      truncated: false,
    });
    expect(mcp.calls.slice(-2).map(({ tool, arguments: args }) => ({ tool, args }))).toEqual([
      { tool: 'echo', args: { text: 'hello' } },
      { tool: 'add', args: { a: 2, b: 3 } },
    ]);
  });

  it('calls a tool listed by another process, from the cached listing', async () => {
    const { repository, newExecutor } = harness();
    const alice = owner('alice');
    await repository(alice).register({ name: 'Test Tools', url: mcp.url });
    await newExecutor().listTools(alice);
    const listed = mcp.listRequests();

    const worker = newExecutor();
    const result = await worker.callTool(alice, 'Test_Tools__echo', { text: 'from the worker' });

    expect(result).toMatchObject({ status: 'success', output: 'from the worker' });
    expect(mcp.listRequests()).toBe(listed);
  });

  it('turns a timeout into an error result and the server sees the call abandoned', async () => {
    const { executor, repository } = harness({ callTimeoutMs: 300 });
    const alice = owner('alice');
    await repository(alice).register({ name: 'Test Tools', url: mcp.url });
    await executor.listTools(alice);

    const result = await executor.callTool(alice, 'Test_Tools__slow', { ms: 60_000 });

    expect(result.status).toBe('error');
    expect(result.truncated).toBe(false);
    expect(result.output).toBe(
      'TOOL_TIMEOUT: The tool "slow" of the MCP server "Test Tools" did not answer within 300 ms.',
    );
    const call = mcp.calls.filter((entry) => entry.tool === 'slow').at(-1);
    await eventually(() => call?.aborted === true);
  });

  it('stops a call when the turn is cancelled', async () => {
    const { executor, repository } = harness();
    const alice = owner('alice');
    await repository(alice).register({ name: 'Test Tools', url: mcp.url });
    await executor.listTools(alice);
    const controller = new AbortController();
    const before = mcp.calls.length;

    const pending = executor.callTool(
      alice,
      'Test_Tools__slow',
      { ms: 60_000 },
      { signal: controller.signal },
    );
    await eventually(() => mcp.calls.length > before);
    controller.abort();

    expect(await pending).toMatchObject({
      status: 'error',
      output: expect.stringMatching(/^TOOL_CANCELLED: /),
    });
    await eventually(() => mcp.calls[before]?.aborted === true);
  });

  it('reports isError as an error result carrying the tool’s own message', async () => {
    const { executor, repository } = harness();
    const alice = owner('alice');
    await repository(alice).register({ name: 'Test Tools', url: mcp.url });

    expect(await executor.callTool(alice, 'Test_Tools__fail', {})).toEqual({
      status: 'error',
      output: 'The upstream service refused the request (quota exceeded).',
      truncated: false,
    });
  });

  it('caps a huge result at maxResultBytes and marks it truncated', async () => {
    const { executor, repository } = harness();
    const alice = owner('alice');
    await repository(alice).register({ name: 'Test Tools', url: mcp.url });

    const result = await executor.callTool(alice, 'Test_Tools__huge', { bytes: 100_000 });

    expect(result.status).toBe('success');
    expect(result.truncated).toBe(true);
    expect(Buffer.byteLength(result.output)).toBeLessThanOrEqual(16 * 1024);
    expect(Buffer.byteLength(result.output)).toBeGreaterThan(16 * 1024 - 100);
    expect(result.output.startsWith('The quick brown fox jumps over the lazy dog. ')).toBe(true);
    expect(result.output).toMatch(/\n\[output truncated: showing \d+ of 100000 bytes\]$/);
  });

  it('returns text that looks like instructions verbatim, as data, and does nothing else', async () => {
    const { executor, repository } = harness();
    const alice = owner('alice');
    await repository(alice).register({ name: 'Test Tools', url: mcp.url });
    await executor.listTools(alice);
    const before = mcp.calls.length;

    const result = await executor.callTool(alice, 'Test_Tools__inject', {});

    expect(result).toEqual({ status: 'success', output: MCP_INJECTION_TEXT, truncated: false });
    expect(mcp.calls.slice(before).map((call) => call.tool)).toEqual(['inject']);
  });

  it('leaves out broken and slow servers while the others still list', async () => {
    const { clock, executor, logs, repository } = harness({ listTimeoutMs: 500 });
    const alice = owner('alice');
    const tools = repository(alice);
    await tools.register({ name: 'Broken', url: failing.url });
    await tools.register({ name: 'Test Tools', url: mcp.url });
    await tools.register({ name: 'Garbage', url: garbage.url });
    await tools.register({ name: 'Hanging', url: hanging.url });

    const listed = await executor.listTools(alice);

    expect(listed.map((tool) => tool.server)).toEqual(Array(6).fill('Test Tools'));
    const warnings = logs.filter((line) => line.includes('could not list its tools'));
    expect(warnings.map((line) => (JSON.parse(line) as { server: string }).server).sort()).toEqual([
      'Broken',
      'Garbage',
      'Hanging',
    ]);

    // Failed servers are not tried again on every turn…
    const counts = () => [failing, garbage, hanging].map((server) => server.requestCount());
    const seen = counts();
    clock.advance(29_000);
    expect(await executor.listTools(alice)).toHaveLength(6);
    expect(counts()).toEqual(seen);
    // …but after the back-off they are.
    clock.advance(61_000);
    expect(await executor.listTools(alice)).toHaveLength(6);
    expect(counts().every((count, index) => count > (seen[index] ?? 0))).toBe(true);
  });

  it("keeps each owner's tools to that owner", async () => {
    const { executor, repository } = harness();
    const alice = owner('alice');
    const bob = owner('bob');
    await repository(alice).register({ name: 'Test Tools', url: mcp.url });
    expect(await executor.listTools(alice)).toHaveLength(6);
    const before = mcp.calls.length;

    expect(await executor.listTools(bob)).toEqual([]);
    const result = await executor.callTool(bob, 'Test_Tools__echo', { text: 'steal' });

    expect(result).toEqual({
      status: 'error',
      output: 'TOOL_NOT_FOUND: No tool named "Test_Tools__echo" is available.',
      truncated: false,
    });
    expect(mcp.calls.length).toBe(before);
    expect(await executor.callTool(alice, 'Test_Tools__echo', { text: 'mine' })).toMatchObject({
      status: 'success',
      output: 'mine',
    });
  });

  it('names tools of same-named servers apart and routes each call to its server', async () => {
    const { executor, repository } = harness();
    const alice = owner('alice');
    const first = await repository(alice).register({ name: 'Tools', url: mcp.url });
    const second = await repository(alice).register({ name: 'Tools', url: other.url });

    const listed = await executor.listTools(alice);
    const names = listed.map((tool) => tool.spec.name);

    expect(new Set(names).size).toBe(names.length);
    expect(names.every((name) => BEDROCK_TOOL_NAME.test(name))).toBe(true);
    expect(names).toContain('Tools__add'); // unique: stays plain
    const firstEcho = hashedToolName(first.id, 'Tools', 'echo');
    const secondEcho = hashedToolName(second.id, 'Tools', 'echo');
    expect(names).toEqual(expect.arrayContaining([firstEcho, secondEcho, 'Tools__files_read_v2']));
    const reader = listed.find((tool) => tool.spec.name === 'Tools__files_read_v2')?.spec;
    expect(reader?.inputSchema).toEqual({
      type: 'object',
      properties: { path: { type: 'string' } },
    });
    expect(reader?.description.length).toBe(1_024);

    expect(await executor.callTool(alice, secondEcho, { text: 'hi' })).toMatchObject({
      output: 'other: hi',
    });
    expect(await executor.callTool(alice, firstEcho, { text: 'hi' })).toMatchObject({
      output: 'hi',
    });
    expect(await executor.callTool(alice, 'Tools__files_read_v2', { path: '/a' })).toEqual({
      status: 'success',
      output: 'contents\n[image: image/png, 5 bytes, not shown]',
      truncated: false,
    });
  });

  it('keeps at most maxToolsPerServer tools of a server', async () => {
    const { executor, logs, repository } = harness({ maxToolsPerServer: 3 });
    const alice = owner('alice');
    await repository(alice).register({ name: 'Test Tools', url: mcp.url });

    const listed = await executor.listTools(alice);

    expect(listed.map((tool) => tool.spec.name)).toEqual([
      'Test_Tools__echo',
      'Test_Tools__add',
      'Test_Tools__slow',
    ]);
    expect(logs.some((line) => line.includes('more tools than allowed'))).toBe(true);
  });

  it('answers unknown names and non-object input with error results', async () => {
    const { executor, repository } = harness();
    const alice = owner('alice');
    await repository(alice).register({ name: 'Test Tools', url: mcp.url });

    expect(await executor.callTool(alice, 'nope', {})).toMatchObject({
      status: 'error',
      output: 'TOOL_NOT_FOUND: No tool named "nope" is available.',
    });
    expect(await executor.callTool(alice, 'Test_Tools__echo', ['a'])).toMatchObject({
      status: 'error',
      output: 'INVALID_TOOL_INPUT: The tool input must be a JSON object.',
    });
  });
});

describe('McpToolExecutor network policy and secrets', () => {
  it('refuses loopback servers at connect time when private networks are not allowed', async () => {
    const registry = new MemoryRegistry([
      { id: 'plain-http', name: 'Local', url: mcp.url },
      { id: 'https-loopback', name: 'Loopback', url: mcp.url.replace('http:', 'https:') },
    ]);
    const { executor, logs } = memoryExecutor(registry, { allowPrivateNetworks: false });
    const before = mcp.requests.length;

    expect(await executor.listTools('alice')).toEqual([]);

    expect(mcp.requests.length).toBe(before);
    const warnings = logs.filter((line) => line.includes('could not list its tools'));
    expect(warnings).toHaveLength(2);
    expect(warnings.join('\n')).toContain('INVALID_MCP_SERVER_URL');
    expect(warnings.join('\n')).toContain('MCP_SERVER_URL_NOT_ALLOWED');
  });

  it('refuses a host whose DNS answer turns private after registration (rebinding)', async () => {
    const port = new URL(mcp.url).port;
    let lookups = 0;
    // Public for the first answer (as at registration), loopback from then on.
    const resolve: HostResolver = async () => (lookups++ === 0 ? ['93.184.216.34'] : ['127.0.0.1']);
    const registry = new MemoryRegistry([
      { id: 'rebind', name: 'Rebind', url: `https://rebind.example.com:${port}/mcp` },
    ]);
    const { executor, logs } = memoryExecutor(registry, { allowPrivateNetworks: false, resolve });
    const before = mcp.requests.length;

    expect(await executor.listTools('alice')).toEqual([]);

    expect(lookups).toBeGreaterThanOrEqual(2);
    expect(mcp.requests.length).toBe(before);
    expect(logs.join('\n')).toContain('MCP_SERVER_ADDRESS_NOT_ALLOWED');
  });

  it('sends registered headers to the server and never logs them', async () => {
    const secret = `Bearer s3cr3t-${randomUUID()}`;
    const registry = new MemoryRegistry([
      { id: 'auth', name: 'Authed', url: mcp.url, headers: { Authorization: secret } },
      { id: 'broken', name: 'Broken', url: failing.url, headers: { Authorization: secret } },
    ]);
    const { executor, logs } = memoryExecutor(registry, { callTimeoutMs: 200 });

    const listed = await executor.listTools('alice');
    expect(listed.map((tool) => tool.server)).toEqual(Array(6).fill('Authed'));
    const echo = await executor.callTool('alice', 'Authed__echo', { text: 'x' });
    await executor.callTool('alice', 'Authed__fail', {});
    await executor.callTool('alice', 'Authed__slow', { ms: 60_000 });

    expect(echo.status).toBe('success');
    expect(mcp.calls.at(-3)?.headers['authorization']).toBe(secret);
    expect(logs.length).toBeGreaterThan(0);
    expect(logs.join('\n')).not.toContain('s3cr3t');
  });
});
