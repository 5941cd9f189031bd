/**
 * A local fake of the OpenAI-compatible Chat Completions and Embeddings protocol (as Ollama, vLLM
 * and llama.cpp serve it), on 127.0.0.1 with an ephemeral port. Scripted like a test double:
 * enqueue replies, make calls through real HTTP, then assert on the recorded requests.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** How a streamed reply is cut and sent. */
export interface OpenAiFakeStreamOptions {
  /** Characters per content delta. Default: one word (with its trailing space) per delta. */
  readonly chunkSize?: number;
  /** Cut every SSE event's bytes into TCP writes of this size, so events split across reads. */
  readonly writeSize?: number;
  /** Pause between writes, for slow-token and cancellation tests. */
  readonly delayMs?: number;
  /** End lines with CRLF instead of LF. */
  readonly crlf?: boolean;
  /** Send a `: keep-alive` comment before each event. */
  readonly keepAlive?: boolean;
  /** Token counts; `null` sends no usage. Default computed from the text. */
  readonly usage?: { readonly prompt_tokens: number; readonly completion_tokens: number } | null;
  /** Put usage on the finish chunk (Ollama, llama.cpp) instead of a separate final chunk (vLLM). */
  readonly usageOnFinishChunk?: boolean;
  /** Close the connection after this many SSE events, without finish or `[DONE]`. */
  readonly breakAfterEvents?: number;
  /** Overrides the finish reason. */
  readonly finishReason?: string;
}

export interface OpenAiFakeToolCall {
  readonly id: string;
  readonly name: string;
  /** The arguments' JSON text, sent as is (so a test can send broken JSON). */
  readonly arguments: string;
}

export type OpenAiFakeReply =
  | ({ readonly type: 'text'; readonly text: string } & OpenAiFakeStreamOptions)
  | ({
      readonly type: 'tool_calls';
      readonly text?: string;
      readonly calls: readonly OpenAiFakeToolCall[];
      /** Characters per argument fragment. Default 8. */
      readonly argumentChunkSize?: number;
    } & OpenAiFakeStreamOptions)
  | {
      readonly type: 'error';
      readonly status: number;
      /** The JSON body; defaults to OpenAI's shape `{error: {message, type, param, code}}`. */
      readonly body: unknown;
      readonly retryAfterSeconds?: number;
    };

/** OpenAI-shaped error replies. */
export const openAiFakeErrors = {
  throttled(retryAfterSeconds?: number): OpenAiFakeReply {
    return {
      type: 'error',
      status: 429,
      body: openAiErrorBody('Rate limit reached.', 'rate_limit_exceeded', 'rate_limit_exceeded'),
      ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
    };
  },
  unauthorized(): OpenAiFakeReply {
    return {
      type: 'error',
      status: 401,
      body: openAiErrorBody(
        'Incorrect API key provided.',
        'invalid_request_error',
        'invalid_api_key',
      ),
    };
  },
  modelNotFound(model: string): OpenAiFakeReply {
    return {
      type: 'error',
      status: 404,
      body: openAiErrorBody(
        `The model \`${model}\` does not exist.`,
        'invalid_request_error',
        'model_not_found',
      ),
    };
  },
  contextLengthExceeded(): OpenAiFakeReply {
    return {
      type: 'error',
      status: 400,
      body: openAiErrorBody(
        "This model's maximum context length is 4096 tokens. However, your messages resulted in 5000 tokens.",
        'invalid_request_error',
        'context_length_exceeded',
      ),
    };
  },
  badRequest(message: string): OpenAiFakeReply {
    return {
      type: 'error',
      status: 400,
      body: openAiErrorBody(message, 'invalid_request_error', null),
    };
  },
  serverError(status = 500): OpenAiFakeReply {
    return {
      type: 'error',
      status,
      body: openAiErrorBody('Internal error.', 'server_error', null),
    };
  },
};

function openAiErrorBody(message: string, type: string, code: string | null): unknown {
  return { error: { message, type, param: null, code } };
}

/** What the fake received. */
export interface OpenAiFakeRequest {
  readonly path: string;
  readonly authorization: string | undefined;
  readonly body: unknown;
  /** True when the client closed the connection before the reply finished. */
  closedEarly: boolean;
}

export interface OpenAiFakeEmbeddingOptions {
  /** Length of the vectors returned. Default 8. */
  dimensions: number;
  /** Return unit vectors (most servers) or raw ones (to test client-side normalising). */
  normalized: boolean;
}

export interface OpenAiFake {
  /** `http://127.0.0.1:<port>/v1`. */
  readonly baseUrl: string;
  readonly requests: OpenAiFakeRequest[];
  readonly embeddingOptions: OpenAiFakeEmbeddingOptions;
  /** Queues chat replies, consumed one per `/chat/completions` request; `times` repeats one. */
  enqueue(reply: OpenAiFakeReply, times?: number): void;
  /** Queues error replies for `/embeddings` (successes need no script; other replies are ignored). */
  enqueueEmbeddingError(reply: OpenAiFakeReply, times?: number): void;
  /** The requests to one path (`/chat/completions` or `/embeddings`). */
  requestsTo(path: string): OpenAiFakeRequest[];
  close(): Promise<void>;
}

/**
 * A deterministic, non-normalised vector for a text: the same text always gets the same vector.
 */
export function openAiFakeEmbedding(text: string, dimensions: number): number[] {
  const vector: number[] = [];
  let counter = 0;
  while (vector.length < dimensions) {
    const digest = createHash('sha256').update(`${counter}:${text}`).digest();
    for (let offset = 0; offset + 2 <= digest.length && vector.length < dimensions; offset += 2) {
      vector.push((digest.readUInt16BE(offset) / 65535) * 2 - 1);
    }
    counter += 1;
  }
  return vector;
}

/**
 * Starts the fake.
 *
 * @example
 * const fake = await startOpenAiFake();
 * fake.enqueue({ type: 'text', text: 'Hello there' });
 * const model = new OpenAiChatModel({ baseUrl: fake.baseUrl });
 */
export async function startOpenAiFake(): Promise<OpenAiFake> {
  const chatQueue: OpenAiFakeReply[] = [];
  const embeddingErrors: OpenAiFakeReply[] = [];
  const requests: OpenAiFakeRequest[] = [];
  const embeddingOptions: OpenAiFakeEmbeddingOptions = { dimensions: 8, normalized: false };

  const server = createServer((req, res) => {
    void handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').replace(/^\/v1/, '').split('?')[0] ?? '/';
    const raw = await readBody(req);
    let body: unknown;
    try {
      body = raw.length > 0 ? (JSON.parse(raw) as unknown) : undefined;
    } catch {
      body = raw;
    }
    const record: OpenAiFakeRequest = {
      path,
      authorization: req.headers.authorization,
      body,
      closedEarly: false,
    };
    requests.push(record);
    res.on('close', () => {
      if (!res.writableFinished) record.closedEarly = true;
    });

    if (req.method === 'GET' && path === '/models') {
      return sendJson(res, 200, { object: 'list', data: [{ id: 'fake-model', object: 'model' }] });
    }
    if (req.method === 'POST' && path === '/embeddings') {
      const error = embeddingErrors.shift();
      if (error !== undefined && error.type === 'error') return sendError(res, error);
      return sendEmbeddings(res, body, embeddingOptions);
    }
    if (req.method === 'POST' && path === '/chat/completions') {
      const reply = chatQueue.shift() ?? {
        type: 'error',
        status: 500,
        body: openAiErrorBody('The fake has no scripted reply.', 'server_error', null),
      };
      if (reply.type === 'error') return sendError(res, reply);
      const stream = (body as { stream?: unknown } | undefined)?.stream === true;
      if (!stream) return sendCompletion(res, reply);
      return sendStream(res, reply);
    }
    return sendJson(res, 404, openAiErrorBody('Not found.', 'invalid_request_error', null));
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    embeddingOptions,
    enqueue(reply, times = 1) {
      for (let i = 0; i < times; i += 1) chatQueue.push(reply);
    },
    enqueueEmbeddingError(reply, times = 1) {
      for (let i = 0; i < times; i += 1) embeddingErrors.push(reply);
    },
    requestsTo(path) {
      return requests.filter((request) => request.path === path);
    },
    close() {
      return new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
    },
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

function sendError(res: ServerResponse, reply: Extract<OpenAiFakeReply, { type: 'error' }>): void {
  if (reply.retryAfterSeconds !== undefined) {
    res.setHeader('retry-after', String(reply.retryAfterSeconds));
  }
  sendJson(res, reply.status, reply.body);
}

function sendEmbeddings(
  res: ServerResponse,
  body: unknown,
  options: OpenAiFakeEmbeddingOptions,
): void {
  const input = (body as { input?: unknown } | undefined)?.input;
  const texts = typeof input === 'string' ? [input] : Array.isArray(input) ? input.map(String) : [];
  const data = texts.map((text, index) => {
    let embedding = openAiFakeEmbedding(text, options.dimensions);
    if (options.normalized) {
      const norm = Math.sqrt(embedding.reduce((sum, value) => sum + value * value, 0));
      embedding = embedding.map((value) => value / norm);
    }
    return { object: 'embedding', index, embedding };
  });
  const tokens = texts.reduce((sum, text) => sum + countTokens(text), 0);
  sendJson(res, 200, {
    object: 'list',
    model: (body as { model?: unknown } | undefined)?.model ?? 'fake-embedding',
    data,
    usage: { prompt_tokens: tokens, total_tokens: tokens },
  });
}

function countTokens(text: string): number {
  return text.split(/\s+/).filter((word) => word.length > 0).length;
}

type StreamReply = Exclude<OpenAiFakeReply, { type: 'error' }>;

function defaultUsage(reply: StreamReply): { prompt_tokens: number; completion_tokens: number } {
  const text = reply.text ?? '';
  return { prompt_tokens: 10, completion_tokens: Math.max(1, countTokens(text)) };
}

function finishReasonOf(reply: StreamReply): string {
  return reply.finishReason ?? (reply.type === 'tool_calls' ? 'tool_calls' : 'stop');
}

function sendCompletion(res: ServerResponse, reply: StreamReply): void {
  const usage = reply.usage === null ? undefined : (reply.usage ?? defaultUsage(reply));
  const toolCalls =
    reply.type === 'tool_calls'
      ? reply.calls.map((call) => ({
          id: call.id,
          type: 'function',
          function: { name: call.name, arguments: call.arguments },
        }))
      : undefined;
  sendJson(res, 200, {
    id: 'chatcmpl-fake',
    object: 'chat.completion',
    created: 0,
    model: 'fake-model',
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: reply.text ?? null,
          ...(toolCalls === undefined ? {} : { tool_calls: toolCalls }),
        },
        finish_reason: finishReasonOf(reply),
      },
    ],
    ...(usage === undefined ? {} : { usage }),
  });
}

function splitText(text: string, chunkSize: number | undefined): string[] {
  if (chunkSize !== undefined) {
    const pieces: string[] = [];
    for (let i = 0; i < text.length; i += chunkSize) pieces.push(text.slice(i, i + chunkSize));
    return pieces;
  }
  return text.match(/\S+\s*|\s+/g) ?? [];
}

/** The SSE events (their JSON payloads, and the final `[DONE]`) a server would stream. */
function streamEvents(reply: StreamReply): string[] {
  const base = {
    id: 'chatcmpl-fake',
    object: 'chat.completion.chunk',
    created: 0,
    model: 'fake-model',
  };
  const chunk = (delta: unknown, finishReason: string | null = null, extra: object = {}): string =>
    JSON.stringify({
      ...base,
      choices: [{ index: 0, delta, finish_reason: finishReason, logprobs: null }],
      ...extra,
    });
  const events = [chunk({ role: 'assistant', content: '' })];
  for (const piece of splitText(reply.text ?? '', reply.chunkSize)) {
    events.push(chunk({ content: piece }));
  }
  if (reply.type === 'tool_calls') {
    const size = reply.argumentChunkSize ?? 8;
    reply.calls.forEach((call, index) => {
      // As OpenAI and vLLM do: index, id, type and name first with empty arguments, then fragments.
      events.push(
        chunk({
          tool_calls: [
            { index, id: call.id, type: 'function', function: { name: call.name, arguments: '' } },
          ],
        }),
      );
      for (let i = 0; i < call.arguments.length; i += size) {
        events.push(
          chunk({
            tool_calls: [{ index, function: { arguments: call.arguments.slice(i, i + size) } }],
          }),
        );
      }
    });
  }
  const usage = reply.usage === null ? undefined : (reply.usage ?? defaultUsage(reply));
  if (reply.usageOnFinishChunk === true && usage !== undefined) {
    events.push(chunk({}, finishReasonOf(reply), { usage }));
  } else {
    events.push(chunk({}, finishReasonOf(reply)));
    if (usage !== undefined) events.push(JSON.stringify({ ...base, choices: [], usage }));
  }
  events.push('[DONE]');
  return events;
}

async function sendStream(res: ServerResponse, reply: StreamReply): Promise<void> {
  res.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
  });
  res.flushHeaders();
  const eol = reply.crlf === true ? '\r\n' : '\n';
  const events = streamEvents(reply);
  let sent = 0;
  for (const data of events) {
    if (res.destroyed) return;
    if (reply.breakAfterEvents !== undefined && sent >= reply.breakAfterEvents) {
      // Let what was written reach the client first: destroy() drops unflushed writes.
      await delay(20);
      res.socket?.destroy();
      return;
    }
    const text = `${reply.keepAlive === true ? `: keep-alive${eol}${eol}` : ''}data: ${data}${eol}${eol}`;
    const bytes = Buffer.from(text, 'utf8');
    const size = reply.writeSize ?? bytes.length;
    for (let offset = 0; offset < bytes.length; offset += size) {
      if (res.destroyed) return;
      res.write(bytes.subarray(offset, offset + size));
      if (reply.delayMs !== undefined) await delay(reply.delayMs);
      else if (reply.writeSize !== undefined) await delay(1);
    }
    sent += 1;
  }
  res.end();
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
