import type { ToolCallResult } from '../ports';

/** Shape of an MCP `tools/call` result, as loosely as the SDK's compatibility schema allows. */
export interface McpCallResultLike {
  readonly content?: unknown;
  readonly structuredContent?: unknown;
  readonly isError?: unknown;
  /** Protocol 2024-10-07 servers answered `{ toolResult }`. */
  readonly toolResult?: unknown;
}

const EMPTY_OUTPUT = '(the tool returned no content)';

type Block = Record<string, unknown>;

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function base64Bytes(data: unknown): number {
  const text = str(data) ?? '';
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  return Math.max(0, Math.floor((text.length * 3) / 4) - padding);
}

/**
 * One content block as text. Binary content (images, audio, blobs) is described, not inlined:
 * the model cannot read base64 usefully and it would eat the size budget.
 */
function describeBlock(block: Block): string {
  const type = str(block['type']);
  switch (type) {
    case 'text':
      return str(block['text']) ?? '';
    case 'image':
    case 'audio':
      return `[${type}: ${str(block['mimeType']) ?? 'unknown type'}, ${base64Bytes(block['data'])} bytes, not shown]`;
    case 'resource': {
      const resource = (block['resource'] ?? {}) as Block;
      const uri = str(resource['uri']) ?? '(no uri)';
      const mimeType = str(resource['mimeType']);
      const label = `[resource ${uri}${mimeType ? ` (${mimeType})` : ''}]`;
      const text = str(resource['text']);
      if (text !== undefined) return `${label}\n${text}`;
      return `${label} ${base64Bytes(resource['blob'])} bytes of binary content, not shown`;
    }
    case 'resource_link':
      return `[resource link: ${str(block['name']) ?? ''} ${str(block['uri']) ?? ''}]`.trim();
    default:
      return `[content of type ${JSON.stringify(type ?? null)}, not shown]`;
  }
}

function sameJson(text: string, value: unknown): boolean {
  try {
    return JSON.stringify(JSON.parse(text)) === JSON.stringify(value);
  } catch {
    return false;
  }
}

/**
 * An MCP tool result as the text the model will read. The text is the server's, unaltered and
 * uninterpreted (the engine fences it as untrusted data); only binary content is summarised.
 * `structuredContent` is added as JSON unless a text block already carries the same JSON (the
 * spec asks servers to send both).
 */
export function renderCallResult(result: McpCallResultLike): string {
  if (result.content === undefined && result.toolResult !== undefined) {
    return typeof result.toolResult === 'string'
      ? result.toolResult
      : (JSON.stringify(result.toolResult) ?? '');
  }
  const blocks = Array.isArray(result.content)
    ? result.content.filter((block): block is Block => typeof block === 'object' && block !== null)
    : [];
  const parts = blocks.map(describeBlock);
  const structured = result.structuredContent;
  if (structured !== undefined && structured !== null) {
    const texts = blocks.filter((block) => block['type'] === 'text').map((b) => str(b['text']));
    if (!texts.some((text) => text !== undefined && sameJson(text, structured))) {
      parts.push(JSON.stringify(structured));
    }
  }
  const output = parts.join('\n');
  return output === '' ? EMPTY_OUTPUT : output;
}

/**
 * `text` cut to at most `maxBytes` UTF-8 bytes, at a character boundary, with a visible note of
 * how much was left out: truncation is never silent, to the model or to the user.
 */
export function capOutput(text: string, maxBytes: number): { output: string; truncated: boolean } {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.byteLength <= maxBytes) return { output: text, truncated: false };
  const note = (kept: number) =>
    `\n[output truncated: showing ${kept} of ${bytes.byteLength} bytes]`;
  // The note's own length depends on `kept`; the longest form bounds it.
  const room = Math.max(0, maxBytes - Buffer.byteLength(note(bytes.byteLength)));
  let end = Math.min(room, bytes.byteLength);
  // Never split a multi-byte character: back off over continuation bytes (10xxxxxx).
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end -= 1;
  const kept = bytes.subarray(0, end).toString('utf8');
  return { output: `${kept}${note(end)}`.slice(0, maxBytes), truncated: true };
}

/** A successful or failed result from the server's own answer. */
export function toToolCallResult(result: McpCallResultLike, maxBytes: number): ToolCallResult {
  const { output, truncated } = capOutput(renderCallResult(result), maxBytes);
  return { status: result.isError === true ? 'error' : 'success', output, truncated };
}

/** A failure of ours or of the transport, as a result the model can read. */
export function errorResult(code: string, message: string, maxBytes: number): ToolCallResult {
  const { output, truncated } = capOutput(`${code}: ${message}`, maxBytes);
  return { status: 'error', output, truncated };
}
