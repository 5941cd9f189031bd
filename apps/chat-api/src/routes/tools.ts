import {
  mcpServerParamsSchema,
  mcpServerSchema,
  type McpServerView,
  registerMcpServerRequestSchema,
  toolsResponseSchema,
} from '@lgm/contracts';
import { ConflictError, NotFoundError } from '@lgm/core';
import type { McpServerRegistration } from '@lgm/persistence';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';

import type { AppDeps, McpServerStore } from '../deps';
import { errorResponses, noQuerySchema, storesOf } from './common';

const tags = ['tools'];

/** A user registers few servers; more than this is refused rather than slowing every turn. */
export const MAX_MCP_SERVERS_PER_USER = 20;

/** The caller's MCP servers: the tools the turn engine may offer the model. */
export function registerToolRoutes(app: FastifyInstance, deps: AppDeps): void {
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.get(
    '/tools',
    {
      schema: {
        tags,
        summary: 'The registered MCP servers and their tools (as last fetched)',
        response: { 200: toolsResponseSchema, ...errorResponses },
        querystring: noQuerySchema,
      },
    },
    async (request) => {
      const store = storesOf(deps, request).mcpServers;
      const servers = await allServers(store);
      return { servers: await Promise.all(servers.map((server) => serverView(store, server))) };
    },
  );

  api.post(
    '/tools/servers',
    {
      schema: {
        tags,
        summary: 'Register an MCP server (Streamable HTTP over https) by name',
        body: registerMcpServerRequestSchema,
        response: { 201: mcpServerSchema, ...errorResponses },
        querystring: noQuerySchema,
      },
    },
    async (request, reply) => {
      const { name } = request.body;
      const url = await deps.checkMcpServerUrl(request.body.url);
      const store = storesOf(deps, request).mcpServers;
      const existing = await allServers(store);
      const clash = existing.find(
        (server) => server.name.toLowerCase() === name.toLowerCase() || server.url === url,
      );
      if (clash !== undefined) {
        throw new ConflictError(
          clash.url === url
            ? `This MCP server is registered already, as '${clash.name}'.`
            : `An MCP server named '${clash.name}' is registered already.`,
          { code: 'MCP_SERVER_EXISTS', details: { name: clash.name } },
        );
      }
      if (existing.length >= MAX_MCP_SERVERS_PER_USER) {
        throw new ConflictError(
          `At most ${MAX_MCP_SERVERS_PER_USER} MCP servers can be registered; remove one first.`,
          { code: 'TOO_MANY_MCP_SERVERS' },
        );
      }
      const server = await store.register({ name, url });
      return reply.code(201).send(await serverView(store, server));
    },
  );

  api.delete(
    '/tools/servers/:name',
    {
      schema: {
        tags,
        summary: 'Unregister an MCP server by name',
        params: mcpServerParamsSchema,
        querystring: noQuerySchema,
      },
    },
    async (request, reply) => {
      const { name } = request.params;
      const store = storesOf(deps, request).mcpServers;
      const server = (await allServers(store)).find(
        (candidate) => candidate.name.toLowerCase() === name.toLowerCase(),
      );
      if (server === undefined) throw new NotFoundError('MCP server', name);
      await store.unregister(server.id);
      return reply.code(204).send();
    },
  );
}

async function allServers(store: McpServerStore): Promise<McpServerRegistration[]> {
  const servers: McpServerRegistration[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.list({ limit: 100, ...(cursor === undefined ? {} : { cursor }) });
    servers.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  return servers;
}

async function serverView(
  store: McpServerStore,
  server: McpServerRegistration,
): Promise<McpServerView> {
  const listing = await store.getToolListing(server.id);
  return {
    id: server.id,
    name: server.name,
    url: server.url,
    createdAt: server.createdAt,
    tools:
      listing === undefined
        ? null
        : listing.tools.map((tool) => ({
            name: tool.name,
            ...(tool.description === undefined ? {} : { description: tool.description }),
          })),
    toolsFetchedAt: listing?.fetchedAt ?? null,
  };
}
