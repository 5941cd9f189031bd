import type { ToolSpec } from '@lgm/bedrock';
import { type Clock, isAppError, type Logger } from '@lgm/core';
import type { JsonValue, McpToolDescriptor } from '@lgm/persistence';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpError } from '@modelcontextprotocol/sdk/types.js';

import type { AvailableTool, ToolCallResult, ToolExecutor } from '../ports';
import { ADDRESS_NOT_ALLOWED, createGuardedFetch, type McpFetch } from './guarded-fetch';
import { assignToolNames } from './tool-names';
import { errorResult, toToolCallResult } from './tool-result';
import { type HostResolver, validateMcpServerUrl } from './url-validation';

/** One MCP server a user registered, as the executor needs it. */
export interface McpServerEntry {
  readonly id: string;
  /** Display name; the prefix of its tools' names. */
  readonly name: string;
  readonly url: string;
  /**
   * Headers sent with every request to the server (e.g. `Authorization`). Secrets: they are
   * never logged. The persistence repository stores none yet; other registries may.
   */
  readonly headers?: Readonly<Record<string, string>>;
}

/** A cached `tools/list` result. */
export interface McpToolListingEntry {
  readonly tools: readonly McpToolDescriptor[];
  readonly fetchedAt: string;
}

/**
 * One owner's MCP servers and cached tool listings. `McpToolsRepository` from `@lgm/persistence`
 * is one (`registry: (ownerId) => new McpToolsRepository(deps, ownerId)`).
 */
export interface McpServerRegistry {
  list(options?: {
    readonly limit?: number;
    readonly cursor?: string;
  }): Promise<{ readonly items: readonly McpServerEntry[]; readonly nextCursor?: string }>;
  getToolListing(serverId: string): Promise<McpToolListingEntry | undefined>;
  putToolListing(
    serverId: string,
    tools: readonly McpToolDescriptor[],
    ttlSeconds: number,
  ): Promise<unknown>;
}

export interface McpToolExecutorOptions {
  /** How long a server's tool listing is reused before it is fetched again. Default 60 s. */
  readonly listTtlMs?: number;
  /** Connect + `tools/call` budget of one call. Default 30 s. */
  readonly callTimeoutMs?: number;
  /** Connect + `tools/list` budget of one server; a slower server is left out. Default 5 s. */
  readonly listTimeoutMs?: number;
  /** Largest tool output handed to the model, in UTF-8 bytes. Default 16 KiB. */
  readonly maxResultBytes?: number;
  /** Tools kept per server (the rest are left out, with a warning). Default 64. */
  readonly maxToolsPerServer?: number;
  /** Servers of one owner that are consulted. Default 20. */
  readonly maxServers?: number;
  /** Longest tool description given to the model. Default 1,024 characters. */
  readonly maxDescriptionChars?: number;
  /** Largest HTTP response body read from a server (default-fetch only). Default 4 MiB. */
  readonly maxResponseBytes?: number;
  /** After a server fails to list, it is not tried again for this long. Default 30 s. */
  readonly failureBackoffMs?: number;
  /** See {@link validateMcpServerUrl}. Default false. */
  readonly allowPrivateNetworks?: boolean;
}

export interface McpToolExecutorDeps {
  /** The registry of one owner: every read the executor makes goes through this owner's view. */
  readonly registry: (ownerId: string) => McpServerRegistry;
  readonly clock: Clock;
  readonly logger: Logger;
  /**
   * HTTP for the MCP transport. By default a fetch that checks the address of every connection
   * it opens (see `createGuardedFetch`); an injected one gets only the per-connection URL check.
   */
  readonly fetch?: McpFetch;
  /** DNS for the URL checks (and the default fetch); the system resolver by default. */
  readonly resolve?: HostResolver;
  readonly options?: McpToolExecutorOptions;
}

/** Where a namespaced tool name leads. */
interface ToolTarget {
  readonly server: McpServerEntry;
  readonly toolName: string;
}

interface OwnerTools {
  readonly expiresAt: number;
  readonly byName: ReadonlyMap<string, ToolTarget>;
}

const CLIENT_INFO = { name: 'lgm-chat', version: '1.0.0' };
/** Tool names MCP servers may use (MCP 2025-11-25 §tools) and the registry can store. */
const MCP_TOOL_NAME = /^[A-Za-z0-9_.:/-]{1,128}$/;
/** The registry refuses longer descriptions in a cached listing. */
const MAX_STORED_DESCRIPTION_CHARS = 8_192;
const MAX_LIST_PAGES = 50;
const MAX_REMEMBERED_OWNERS = 1_000;
const MAX_REMEMBERED_FAILURES = 10_000;
const MAX_ERROR_CHARS = 300;

const DEFAULTS = {
  listTtlMs: 60_000,
  callTimeoutMs: 30_000,
  listTimeoutMs: 5_000,
  maxResultBytes: 16 * 1024,
  maxToolsPerServer: 64,
  maxServers: 20,
  maxDescriptionChars: 1_024,
  maxResponseBytes: 4 * 1024 * 1024,
  failureBackoffMs: 30_000,
  allowPrivateNetworks: false,
} satisfies Required<McpToolExecutorOptions>;

/** Why a connection ended early. */
type Interruption = 'timeout' | 'cancelled';

class Interrupted extends Error {
  readonly reason: Interruption;
  constructor(reason: Interruption) {
    super(reason === 'timeout' ? 'timed out' : 'cancelled');
    this.reason = reason;
  }
}

/**
 * The turn engine's tools: the MCP servers each user registered, reached over Streamable HTTP
 * with the official SDK client.
 *
 * - `listTools` reads each server's cached listing (fresh for `listTtlMs`) or fetches it (with
 *   pagination, within `listTimeoutMs`) and caches it; a failing or slow server is left out with
 *   a warning and not retried for `failureBackoffMs`. Tools get Bedrock-valid namespaced names
 *   (`<server>__<tool>`, hashed when needed to stay unique).
 * - `callTool` resolves a name among THIS owner's tools only, calls it within `callTimeoutMs`,
 *   and returns the output as text capped at `maxResultBytes`. Failures are results of status
 *   `error` with a code and a message, never throws. Output is the server's data, uninterpreted.
 * - Every connection re-validates the server URL (SSRF, DNS rebinding) unless private networks
 *   are allowed; the default fetch also checks each socket's address.
 *
 * @example
 * const tools = new McpToolExecutor({
 *   registry: (ownerId) => new McpToolsRepository(repositoryDeps, ownerId),
 *   clock: systemClock,
 *   logger,
 *   options: { allowPrivateNetworks: config.MCP_ALLOW_PRIVATE_NETWORKS },
 * });
 */
export class McpToolExecutor implements ToolExecutor {
  private readonly deps: McpToolExecutorDeps;
  private readonly settings: Required<McpToolExecutorOptions>;
  private readonly fetch: McpFetch;
  private readonly owners = new Map<string, OwnerTools>();
  /** `<ownerId>\u0000<serverId>` → instant before which the server is not tried again. */
  private readonly failedUntil = new Map<string, number>();

  constructor(deps: McpToolExecutorDeps) {
    this.deps = deps;
    const options = deps.options ?? {};
    this.settings = {
      listTtlMs: options.listTtlMs ?? DEFAULTS.listTtlMs,
      callTimeoutMs: options.callTimeoutMs ?? DEFAULTS.callTimeoutMs,
      listTimeoutMs: options.listTimeoutMs ?? DEFAULTS.listTimeoutMs,
      maxResultBytes: options.maxResultBytes ?? DEFAULTS.maxResultBytes,
      maxToolsPerServer: options.maxToolsPerServer ?? DEFAULTS.maxToolsPerServer,
      maxServers: options.maxServers ?? DEFAULTS.maxServers,
      maxDescriptionChars: options.maxDescriptionChars ?? DEFAULTS.maxDescriptionChars,
      maxResponseBytes: options.maxResponseBytes ?? DEFAULTS.maxResponseBytes,
      failureBackoffMs: options.failureBackoffMs ?? DEFAULTS.failureBackoffMs,
      allowPrivateNetworks: options.allowPrivateNetworks ?? DEFAULTS.allowPrivateNetworks,
    };
    this.fetch =
      deps.fetch ??
      createGuardedFetch({
        allowPrivateNetworks: this.settings.allowPrivateNetworks,
        maxResponseBytes: this.settings.maxResponseBytes,
        ...(deps.resolve ? { resolve: deps.resolve } : {}),
      });
  }

  async listTools(
    ownerId: string,
    options: { signal?: AbortSignal } = {},
  ): Promise<AvailableTool[]> {
    const registry = this.deps.registry(ownerId);
    let servers: McpServerEntry[];
    try {
      servers = await this.listServers(registry);
    } catch (error) {
      // The turn can still be answered without tools.
      this.deps.logger.error(
        { ownerId, error: describeError(error) },
        'The MCP server registry could not be read; continuing without tools.',
      );
      return [];
    }
    const listings = await Promise.all(
      servers.map((server) => this.toolsOf(ownerId, registry, server, options.signal)),
    );

    const entries = servers.flatMap((server, index) =>
      (listings[index] ?? []).map((tool) => ({ server, tool })),
    );
    const names = assignToolNames(
      entries.map(({ server, tool }) => ({
        serverId: server.id,
        serverName: server.name,
        toolName: tool.name,
      })),
    );
    const byName = new Map<string, ToolTarget>();
    const available: AvailableTool[] = [];
    entries.forEach(({ server, tool }, index) => {
      const name = names[index];
      if (name === undefined) {
        this.deps.logger.warn(
          { ownerId, serverId: server.id, tool: tool.name },
          'An MCP server lists the same tool twice; the repeat is left out.',
        );
        return;
      }
      byName.set(name, { server, toolName: tool.name });
      available.push({ spec: this.toSpec(name, server, tool), server: server.name });
    });
    this.remember(ownerId, byName);
    return available;
  }

  async callTool(
    ownerId: string,
    name: string,
    input: unknown,
    options: { signal?: AbortSignal } = {},
  ): Promise<ToolCallResult> {
    const max = this.settings.maxResultBytes;
    const target = await this.resolve(ownerId, name, options.signal);
    if (!target) {
      return errorResult(
        'TOOL_NOT_FOUND',
        `No tool named ${JSON.stringify(name.slice(0, 100))} is available.`,
        max,
      );
    }
    const args = input === undefined || input === null ? {} : input;
    if (typeof args !== 'object' || Array.isArray(args)) {
      return errorResult('INVALID_TOOL_INPUT', 'The tool input must be a JSON object.', max);
    }
    const { server, toolName } = target;
    try {
      const result = await this.connected(
        server,
        this.settings.callTimeoutMs,
        options.signal,
        (client, requestOptions) =>
          client.callTool(
            { name: toolName, arguments: args as Record<string, unknown> },
            undefined,
            requestOptions,
          ),
      );
      return toToolCallResult(result, max);
    } catch (error) {
      const failure = classifyFailure(error);
      this.deps.logger.warn(
        { ownerId, serverId: server.id, tool: toolName, error: failure.log },
        'An MCP tool call failed.',
      );
      const where = `The tool ${JSON.stringify(toolName)} of the MCP server ${JSON.stringify(server.name)}`;
      switch (failure.code) {
        case 'TOOL_TIMEOUT':
          return errorResult(
            failure.code,
            `${where} did not answer within ${this.settings.callTimeoutMs} ms.`,
            max,
          );
        case 'TOOL_CANCELLED':
          return errorResult(failure.code, `${where} was cancelled.`, max);
        default:
          return errorResult(failure.code, `${where} failed: ${failure.message}`, max);
      }
    }
  }

  /** The namespaced name's target among this owner's tools, listing them again if needed. */
  private async resolve(
    ownerId: string,
    name: string,
    signal: AbortSignal | undefined,
  ): Promise<ToolTarget | undefined> {
    const remembered = this.owners.get(ownerId);
    const found =
      remembered && remembered.expiresAt > this.now() ? remembered.byName.get(name) : undefined;
    if (found) return found;
    // Another process may have listed these tools (the socket handler vs its worker), or the
    // memory expired: the listing comes from the registry's cache, usually without any server.
    await this.listTools(ownerId, signal ? { signal } : {});
    return this.owners.get(ownerId)?.byName.get(name);
  }

  private remember(ownerId: string, byName: ReadonlyMap<string, ToolTarget>): void {
    this.owners.delete(ownerId);
    this.owners.set(ownerId, { expiresAt: this.now() + this.settings.listTtlMs, byName });
    // Oldest first in a Map: a bounded memory, not a cache of every user ever seen.
    while (this.owners.size > MAX_REMEMBERED_OWNERS) {
      const oldest = this.owners.keys().next().value;
      if (oldest === undefined) break;
      this.owners.delete(oldest);
    }
  }

  private backOff(failureKey: string): void {
    const now = this.now();
    if (this.failedUntil.size >= MAX_REMEMBERED_FAILURES) {
      for (const [key, until] of this.failedUntil) if (until <= now) this.failedUntil.delete(key);
    }
    if (this.failedUntil.size < MAX_REMEMBERED_FAILURES) {
      this.failedUntil.set(failureKey, now + this.settings.failureBackoffMs);
    }
  }

  private async listServers(registry: McpServerRegistry): Promise<McpServerEntry[]> {
    const servers: McpServerEntry[] = [];
    let cursor: string | undefined;
    do {
      const page = await registry.list({
        limit: Math.min(100, this.settings.maxServers),
        ...(cursor === undefined ? {} : { cursor }),
      });
      servers.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor !== undefined && servers.length < this.settings.maxServers);
    return servers.slice(0, this.settings.maxServers);
  }

  /** One server's tools, from the cache or the server; undefined when it is left out. */
  private async toolsOf(
    ownerId: string,
    registry: McpServerRegistry,
    server: McpServerEntry,
    signal: AbortSignal | undefined,
  ): Promise<readonly McpToolDescriptor[] | undefined> {
    const log = { ownerId, serverId: server.id, server: server.name };
    const failureKey = `${ownerId}\u0000${server.id}`;
    const now = this.now();
    if ((this.failedUntil.get(failureKey) ?? 0) > now) return undefined;

    try {
      const cached = await registry.getToolListing(server.id);
      const fetchedAt = cached ? Date.parse(cached.fetchedAt) : NaN;
      if (cached && now - fetchedAt < this.settings.listTtlMs) {
        return cached.tools.slice(0, this.settings.maxToolsPerServer);
      }
    } catch (error) {
      this.deps.logger.warn(
        { ...log, error: describeError(error) },
        'A cached MCP tool listing could not be read.',
      );
    }

    let tools: McpToolDescriptor[];
    try {
      tools = await this.connected(server, this.settings.listTimeoutMs, signal, (client, opts) =>
        this.fetchTools(client, opts, log),
      );
    } catch (error) {
      const failure = classifyFailure(error);
      if (failure.code !== 'TOOL_CANCELLED') this.backOff(failureKey);
      this.deps.logger.warn(
        { ...log, error: failure.log },
        'An MCP server could not list its tools; its tools are left out of this turn.',
      );
      return undefined;
    }
    this.failedUntil.delete(failureKey);
    try {
      await registry.putToolListing(
        server.id,
        tools,
        Math.max(1, Math.ceil(this.settings.listTtlMs / 1000)),
      );
    } catch (error) {
      // Too big to cache, or the table is unavailable: use the listing now, fetch it next time.
      this.deps.logger.warn(
        { ...log, error: describeError(error) },
        'An MCP tool listing could not be cached.',
      );
    }
    return tools;
  }

  private async fetchTools(
    client: Client,
    requestOptions: { signal: AbortSignal; timeout: number },
    log: Record<string, unknown>,
  ): Promise<McpToolDescriptor[]> {
    const tools: McpToolDescriptor[] = [];
    const cursors = new Set<string>();
    let cursor: string | undefined;
    for (let page = 0; page < MAX_LIST_PAGES; page += 1) {
      const result = await client.listTools(cursor === undefined ? {} : { cursor }, requestOptions);
      for (const tool of result.tools) {
        if (!MCP_TOOL_NAME.test(tool.name)) {
          this.deps.logger.warn(
            { ...log, tool: tool.name.slice(0, 200) },
            'An MCP tool with an invalid name is left out.',
          );
          continue;
        }
        tools.push({
          name: tool.name,
          ...(tool.description === undefined
            ? {}
            : { description: tool.description.slice(0, MAX_STORED_DESCRIPTION_CHARS) }),
          inputSchema: tool.inputSchema as JsonValue,
        });
      }
      if (tools.length >= this.settings.maxToolsPerServer) {
        if (tools.length > this.settings.maxToolsPerServer || result.nextCursor !== undefined) {
          this.deps.logger.warn(
            { ...log, limit: this.settings.maxToolsPerServer },
            'An MCP server offers more tools than allowed; the rest are left out.',
          );
        }
        return tools.slice(0, this.settings.maxToolsPerServer);
      }
      cursor = result.nextCursor;
      // A server that repeats a cursor would page forever.
      if (cursor === undefined || cursors.has(cursor)) return tools;
      cursors.add(cursor);
    }
    return tools;
  }

  /**
   * Runs `work` with a client connected to `server`, within `timeoutMs` and the caller's signal,
   * and always closes the connection (which also aborts any request still in flight).
   */
  private async connected<T>(
    server: McpServerEntry,
    timeoutMs: number,
    signal: AbortSignal | undefined,
    work: (client: Client, options: { signal: AbortSignal; timeout: number }) => Promise<T>,
  ): Promise<T> {
    const controller = new AbortController();
    let interruption: Interruption | undefined;
    const stop = (reason: Interruption) => {
      interruption ??= reason;
      controller.abort(new Interrupted(reason));
    };
    const timer = setTimeout(() => stop('timeout'), timeoutMs);
    const onCancel = () => stop('cancelled');
    if (signal?.aborted) onCancel();
    signal?.addEventListener('abort', onCancel, { once: true });
    const client = new Client(CLIENT_INFO);
    try {
      // The host may resolve elsewhere than when it was registered (DNS rebinding).
      const url = await raceAbort(
        validateMcpServerUrl(server.url, {
          allowPrivateNetworks: this.settings.allowPrivateNetworks,
          ...(this.deps.resolve ? { resolve: this.deps.resolve } : {}),
        }),
        controller.signal,
      );
      const transport = new StreamableHTTPClientTransport(new URL(url), {
        fetch: this.fetch,
        ...(server.headers ? { requestInit: { headers: { ...server.headers } } } : {}),
        // One connection per call: no background reconnection of the optional GET stream.
        reconnectionOptions: {
          maxRetries: 0,
          initialReconnectionDelay: 1_000,
          maxReconnectionDelay: 1_000,
          reconnectionDelayGrowFactor: 1,
        },
      });
      const requestOptions = { signal: controller.signal, timeout: timeoutMs };
      await raceAbort(client.connect(transport, requestOptions), controller.signal);
      return await raceAbort(work(client, requestOptions), controller.signal);
    } catch (error) {
      if (interruption) throw new Interrupted(interruption);
      throw error;
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onCancel);
      await client.close().catch(() => undefined);
    }
  }

  private toSpec(name: string, server: McpServerEntry, tool: McpToolDescriptor): ToolSpec {
    const limit = this.settings.maxDescriptionChars;
    const text = tool.description?.trim() ?? '';
    const description =
      text === ''
        ? `The ${tool.name} tool of the MCP server ${server.name}.`
        : text.length > limit
          ? `${text.slice(0, limit - 1)}…`
          : text;
    return { name, description, inputSchema: objectSchema(tool.inputSchema) };
  }

  private now(): number {
    return this.deps.clock.now().getTime();
  }
}

/** Bedrock (and MCP) want an object schema at the top level. */
function objectSchema(schema: JsonValue | undefined): Readonly<Record<string, unknown>> {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) {
    return { type: 'object', properties: {} };
  }
  if (schema['type'] === undefined) return { ...schema, type: 'object' };
  if (schema['type'] !== 'object') return { type: 'object', properties: {} };
  return schema;
}

/** Settles with `promise`, or rejects as soon as `signal` aborts (with its reason). */
function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    promise.catch(() => undefined);
    return Promise.reject(signal.reason as Error);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error as Error);
      },
    );
  });
}

interface Failure {
  readonly code: string;
  /** For the model: what happened, without secrets. */
  readonly message: string;
  /** For the logs. */
  readonly log: string;
}

function classifyFailure(error: unknown): Failure {
  if (error instanceof Interrupted) {
    const code = error.reason === 'timeout' ? 'TOOL_TIMEOUT' : 'TOOL_CANCELLED';
    return { code, message: error.message, log: error.message };
  }
  if (error instanceof McpError && error.code === -32001) {
    return { code: 'TOOL_TIMEOUT', message: 'timed out', log: describeError(error) };
  }
  const log = describeError(error);
  if (isAppError(error)) {
    // The URL check at connect time (the host may now point somewhere it may not).
    return { code: error.code, message: error.message, log };
  }
  const guarded = findCode(error, ADDRESS_NOT_ALLOWED);
  if (guarded) return { code: 'MCP_SERVER_URL_NOT_ALLOWED', message: guarded, log };
  if (error instanceof McpError) {
    return { code: 'TOOL_CALL_FAILED', message: `the server answered: ${error.message}`, log };
  }
  return {
    code: 'TOOL_CALL_FAILED',
    message: `the server could not be reached or answered badly (${log})`,
    log,
  };
}

/** The message of the first error in the cause chain with this `code`. */
function findCode(error: unknown, code: string): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth += 1) {
    if ((current as { code?: unknown }).code === code) return current.message;
    current = current.cause;
  }
  return undefined;
}

/**
 * A short, single-line description of an error for logs and models. Errors carry no request
 * headers (the SDK never puts them in messages), so registered secrets cannot leak through here.
 */
function describeError(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 3 && current !== undefined; depth += 1) {
    if (current instanceof Error) {
      const code = (current as { code?: unknown }).code;
      parts.push(`${code === undefined ? '' : `[${String(code)}] `}${current.message}`);
      current = current.cause;
    } else {
      parts.push(String(current));
      current = undefined;
    }
  }
  const text = parts.join(' ← ').replace(/\s+/g, ' ').trim();
  return text.length > MAX_ERROR_CHARS ? `${text.slice(0, MAX_ERROR_CHARS - 1)}…` : text;
}
