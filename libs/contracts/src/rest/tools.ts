import * as z from 'zod';

import { ulidSchema } from '../chat';
import { timestampSchema } from './common';

/**
 * A registered MCP server's name: short and plain, because it prefixes the names of its tools as
 * the model sees them (`weather__forecast`), and Bedrock allows only `[a-zA-Z0-9_-]{1,64}` there.
 */
export const mcpServerNameSchema = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/,
    'must be 1 to 32 letters, digits, _ or -, starting with a letter or digit',
  );

/** Longest MCP server URL. */
export const MAX_MCP_SERVER_URL_CHARACTERS = 2048;

/** One tool as its server lists it. */
export const mcpToolSchema = z.strictObject({
  name: z.string(),
  description: z.string().optional(),
});

/** A registered server and its cached tools (`tools` is null until they were fetched). */
export const mcpServerSchema = z.strictObject({
  id: ulidSchema,
  name: z.string(),
  url: z.string(),
  createdAt: timestampSchema,
  tools: z.array(mcpToolSchema).nullable(),
  toolsFetchedAt: timestampSchema.nullable(),
});
export type McpServerView = z.infer<typeof mcpServerSchema>;

/** `GET /tools`. */
export const toolsResponseSchema = z.strictObject({ servers: z.array(mcpServerSchema) });
export type ToolsResponse = z.infer<typeof toolsResponseSchema>;

/** `POST /tools/servers`: an MCP server (Streamable HTTP, https) the turn engine may call. */
export const registerMcpServerRequestSchema = z.strictObject({
  name: mcpServerNameSchema,
  url: z.string().min(1).max(MAX_MCP_SERVER_URL_CHARACTERS),
});
export type RegisterMcpServerRequest = z.infer<typeof registerMcpServerRequestSchema>;

export const mcpServerParamsSchema = z.strictObject({ name: mcpServerNameSchema });
