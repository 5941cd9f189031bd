import { createHash } from 'node:crypto';

/**
 * Tool names as Bedrock's Converse API accepts them (`ToolSpecification.name`):
 * https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ToolSpecification.html
 * OpenAI-compatible servers use the same rule for function names.
 */
export const BEDROCK_TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;
export const MAX_BEDROCK_TOOL_NAME_LENGTH = 64;

/** Between the server part and the tool part of a namespaced name. */
const SEPARATOR = '__';
const HASH_LENGTH = 8;

function sanitize(text: string, fallback: string): string {
  const cleaned = text.replace(/[^a-zA-Z0-9_-]+/g, '_').replace(/^[_-]+|[_-]+$/g, '');
  return cleaned === '' ? fallback : cleaned;
}

/** `<server>__<tool>` with every character Bedrock refuses replaced by `_` (may be too long). */
export function plainToolName(serverName: string, toolName: string): string {
  return `${sanitize(serverName, 'mcp')}${SEPARATOR}${sanitize(toolName, 'tool')}`;
}

/**
 * The plain name cut to fit, followed by a short hash of the server id and the original tool
 * name: unique per (server, tool) whatever the names look like, and stable across listings.
 */
export function hashedToolName(serverId: string, serverName: string, toolName: string): string {
  const hash = createHash('sha256')
    .update(`${serverId}\u0000${toolName}`)
    .digest('hex')
    .slice(0, HASH_LENGTH);
  const room = MAX_BEDROCK_TOOL_NAME_LENGTH - HASH_LENGTH - 1;
  return `${plainToolName(serverName, toolName).slice(0, room)}_${hash}`;
}

/** One tool of one server, before naming. */
export interface ToolToName {
  readonly serverId: string;
  readonly serverName: string;
  readonly toolName: string;
}

/**
 * Names every tool for the model. A tool keeps its plain `<server>__<tool>` name when that name is
 * valid and no other tool would get it; otherwise (two servers with the same display name, names
 * that sanitise alike, names over 64 characters) it gets the hashed form. The result is in input
 * order; a tool that would still collide (a server listing one tool twice) gets undefined.
 */
export function assignToolNames(tools: readonly ToolToName[]): (string | undefined)[] {
  const plain = tools.map((tool) => plainToolName(tool.serverName, tool.toolName));
  const counts = new Map<string, number>();
  for (const name of plain) counts.set(name, (counts.get(name) ?? 0) + 1);
  const taken = new Set<string>();
  return tools.map((tool, index) => {
    const candidate = plain[index] ?? '';
    const name =
      candidate.length <= MAX_BEDROCK_TOOL_NAME_LENGTH && counts.get(candidate) === 1
        ? candidate
        : hashedToolName(tool.serverId, tool.serverName, tool.toolName);
    if (taken.has(name)) return undefined;
    taken.add(name);
    return name;
  });
}
