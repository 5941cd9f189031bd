/**
 * The OpenAI Chat Completions wire format as Ollama, vLLM and llama.cpp serve it: our messages and
 * tools to request JSON, and zod schemas of what comes back. Schemas are lenient on purpose: the
 * servers differ in which fields they fill, and unknown fields are ignored.
 */
import * as z from 'zod';

import type { ChatMessage, ChatRequest, ContentBlock, StopReason } from './ports';

/** How images are sent: as `image_url` data URLs (Ollama, vLLM and llama.cpp with a vision model) or left out. */
export type OpenAiImageMode = 'data-url' | 'omit';

type OpenAiContentPart =
  { type: 'text'; text: string } | { type: 'image_url'; image_url: { url: string } };

export type OpenAiMessage =
  | { role: 'system'; content: string }
  | { role: 'user'; content: string | OpenAiContentPart[] }
  | {
      role: 'assistant';
      content: string;
      tool_calls?: {
        id: string;
        type: 'function';
        function: { name: string; arguments: string };
      }[];
    }
  | { role: 'tool'; tool_call_id: string; content: string };

const textDocumentFormats = new Set(['csv', 'html', 'txt', 'md']);

/** Converts the request's system prompt and messages to OpenAI messages. */
export function toOpenAiMessages(request: ChatRequest, images: OpenAiImageMode): OpenAiMessage[] {
  const out: OpenAiMessage[] = [];
  if (request.system !== undefined && request.system.length > 0) {
    out.push({ role: 'system', content: request.system });
  }
  for (const message of request.messages) {
    if (message.role === 'assistant') out.push(assistantMessage(message));
    else out.push(...userMessages(message, images));
  }
  return out;
}

function assistantMessage(message: ChatMessage): OpenAiMessage {
  const text: string[] = [];
  const calls: NonNullable<Extract<OpenAiMessage, { role: 'assistant' }>['tool_calls']> = [];
  for (const block of message.content) {
    if (block.type === 'text') text.push(block.text);
    else if (block.type === 'tool_use') {
      calls.push({
        id: block.toolUseId,
        type: 'function',
        function: { name: block.name, arguments: JSON.stringify(block.input ?? {}) },
      });
    }
  }
  // Empty string, not null: Ollama's compatibility layer has rejected `content: null`
  // ("invalid message content type: <nil>"); OpenAI, vLLM and llama.cpp accept either.
  const result: OpenAiMessage = { role: 'assistant', content: text.join('') };
  if (calls.length > 0) result.tool_calls = calls;
  return result;
}

/**
 * A user turn becomes `role: tool` messages first (they must directly follow the assistant's
 * `tool_calls`) and then one user message with whatever else it holds.
 */
function userMessages(message: ChatMessage, images: OpenAiImageMode): OpenAiMessage[] {
  const tools: OpenAiMessage[] = [];
  const parts: OpenAiContentPart[] = [];
  for (const block of message.content) {
    if (block.type === 'tool_result') {
      tools.push({
        role: 'tool',
        tool_call_id: block.toolUseId,
        content: toolResultText(block),
      });
    } else {
      const part = userPart(block, images);
      if (part !== undefined) parts.push(part);
    }
  }
  if (parts.length === 0) return tools;
  // Plain string content when there is no image: the widest-supported shape (older llama.cpp
  // and some chat templates reject content arrays).
  const hasImage = parts.some((part) => part.type === 'image_url');
  const content = hasImage
    ? parts
    : parts.map((part) => (part.type === 'text' ? part.text : '')).join('\n\n');
  return [...tools, { role: 'user', content }];
}

function userPart(block: ContentBlock, images: OpenAiImageMode): OpenAiContentPart | undefined {
  switch (block.type) {
    case 'text':
      return { type: 'text', text: block.text };
    case 'image':
      if (images === 'omit') {
        return { type: 'text', text: '[An image was attached; this model cannot view images.]' };
      }
      return {
        type: 'image_url',
        image_url: {
          url: `data:image/${block.format};base64,${Buffer.from(block.bytes).toString('base64')}`,
        },
      };
    case 'document':
      // Chat Completions servers take no files: text formats travel as fenced text, marked as a
      // document so the model reads them as data; binary formats are named but not sent.
      if (textDocumentFormats.has(block.format)) {
        const text = new TextDecoder('utf-8').decode(block.bytes);
        return {
          type: 'text',
          text: `<document name="${block.name}" format="${block.format}">\n${text}\n</document>`,
        };
      }
      return {
        type: 'text',
        text: `[A ${block.format} document named "${block.name}" was attached; this model cannot read it.]`,
      };
    default:
      // tool_use in a user turn is not meaningful in this protocol.
      return undefined;
  }
}

/**
 * Tool output is data: JSON parts are serialised as JSON, and a failure is labelled so the model
 * does not take error text for a result.
 */
function toolResultText(block: Extract<ContentBlock, { type: 'tool_result' }>): string {
  const body = block.content
    .map((part) => (part.type === 'text' ? part.text : JSON.stringify(part.json)))
    .join('\n');
  return block.status === 'error' ? `[tool error]\n${body}` : body;
}

/** Our finish mapping. Some servers (older Ollama, llama.cpp) say `stop` after tool calls. */
export function mapFinishReason(
  finishReason: string | undefined,
  sawToolCalls: boolean,
  matchedStopSequence: boolean,
): StopReason {
  switch (finishReason) {
    case 'tool_calls':
    case 'function_call':
      return 'tool_use';
    case 'length':
      return 'max_tokens';
    case 'content_filter':
      return 'content_filtered';
    default:
      if (sawToolCalls) return 'tool_use';
      return matchedStopSequence ? 'stop_sequence' : 'end_turn';
  }
}

/** Some servers send arguments as an object instead of the JSON string OpenAI specifies. */
const argumentsSchema = z
  .union([z.string(), z.record(z.string(), z.unknown())])
  .nullish()
  .transform((value) =>
    value === null || value === undefined
      ? undefined
      : typeof value === 'string'
        ? value
        : JSON.stringify(value),
  );

export const usageSchema = z.object({
  prompt_tokens: z.number().nonnegative().default(0),
  completion_tokens: z.number().nonnegative().default(0),
});

const toolCallDeltaSchema = z.object({
  index: z.number().int().nonnegative().optional(),
  id: z.string().nullish(),
  function: z.object({ name: z.string().nullish(), arguments: argumentsSchema }).nullish(),
});

export type ToolCallDelta = z.infer<typeof toolCallDeltaSchema>;

export const chunkSchema = z.object({
  choices: z
    .array(
      z.object({
        index: z.number().optional(),
        delta: z
          .object({
            content: z.string().nullish(),
            tool_calls: z.array(toolCallDeltaSchema).nullish(),
          })
          .nullish(),
        finish_reason: z.string().nullish(),
        // vLLM names the stop string that ended generation here (or a token id).
        stop_reason: z.union([z.string(), z.number()]).nullish(),
      }),
    )
    .nullish(),
  usage: usageSchema.nullish(),
  error: z.unknown().optional(),
});

export const completionSchema = z.object({
  choices: z
    .array(
      z.object({
        message: z.object({
          content: z.string().nullish(),
          tool_calls: z
            .array(
              z.object({
                id: z.string().nullish(),
                function: z.object({ name: z.string(), arguments: argumentsSchema }),
              }),
            )
            .nullish(),
        }),
        finish_reason: z.string().nullish(),
        stop_reason: z.union([z.string(), z.number()]).nullish(),
      }),
    )
    .min(1),
  usage: usageSchema.nullish(),
});
