/**
 * A local server that speaks Amazon Bedrock Runtime's wire protocol, so tests and benchmarks drive
 * the real `@aws-sdk/client-bedrock-runtime` client (its serializers, event-stream decoder and error
 * parsing) without AWS. Behaviour is scripted per test: a queue of replies consumed in order.
 *
 * Wire details copied from Bedrock:
 * - restJson1 errors: status code, `x-amzn-errortype: <Type>:<namespace>` header, `{"message"}` body.
 * - `converse-stream` answers `application/vnd.amazon.eventstream`: binary frames (prelude, headers,
 *   payload, CRCs) encoded by `@smithy/eventstream-codec`, each with `:message-type`,
 *   `:event-type` (or `:exception-type`) and `:content-type` headers and a JSON payload.
 * - The SDK's default request handler for this client is HTTP/2 (h2c against an `http://`
 *   endpoint), so the server answers HTTP/2 prior-knowledge and HTTP/1.1 on one port.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer as createHttpServer, type IncomingHttpHeaders } from 'node:http';
import {
  createServer as createHttp2Server,
  type Http2ServerRequest,
  type Http2ServerResponse,
} from 'node:http2';
import { createServer as createNetServer, type Socket } from 'node:net';
import { Duplex } from 'node:stream';

import { EventStreamCodec } from '@smithy/eventstream-codec';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';

/** Token counts the emulator reports in `metadata` / `usage`. */
export interface EmulatedUsage {
  readonly inputTokens: number;
  readonly outputTokens: number;
}

/** One scripted tool call in a `tool_use` reply. */
export interface EmulatedToolUse {
  /** Defaults to a generated `tooluse_…` id. */
  readonly toolUseId?: string;
  readonly name: string;
  readonly input: unknown;
  /** The input's JSON text is sent in this many `toolUse.input` deltas (default 3). */
  readonly deltas?: number;
}

/** What the emulator does with the next request it receives. */
export type BedrockEmulatorScript =
  | {
      readonly kind: 'text';
      readonly text: string;
      /** Number of deltas; by default one per word (with its trailing whitespace). */
      readonly deltas?: number;
      /** Wait this long before each delta (slow tokens). */
      readonly tokenDelayMs?: number;
      readonly stopReason?: string;
      readonly usage?: EmulatedUsage;
    }
  | {
      readonly kind: 'tool_use';
      /** Optional text block before the tool calls. */
      readonly text?: string;
      readonly toolUses: readonly EmulatedToolUse[];
      readonly usage?: EmulatedUsage;
    }
  | {
      /** An HTTP error before any output, as Bedrock's restJson1 protocol reports it. */
      readonly kind: 'error';
      readonly status: number;
      /** Bedrock's error shape name, e.g. `ThrottlingException`. */
      readonly errorType: string;
      readonly message: string;
    }
  | {
      /** Some text, then an exception event in the stream (`converse-stream` only). */
      readonly kind: 'stream_exception';
      readonly text: string;
      readonly deltas?: number;
      readonly tokenDelayMs?: number;
      /** Event-stream member name, e.g. `modelStreamErrorException`, `throttlingException`. */
      readonly exceptionType: string;
      readonly message: string;
    };

/** A request the emulator received, with its JSON body parsed. */
export interface BedrockEmulatorRequest {
  readonly operation: 'converse' | 'converse-stream' | 'invoke';
  readonly modelId: string;
  readonly headers: IncomingHttpHeaders;
  /** The JSON body (Converse: system, messages, toolConfig, inferenceConfig, guardrailConfig). */
  readonly body: Record<string, unknown>;
  /** Settles when the reply ended: `completed`, or `disconnected` if the client went away first. */
  readonly outcome: Promise<'completed' | 'disconnected'>;
}

export interface BedrockEmulator {
  /** `http://127.0.0.1:<port>`, to pass as the client's `endpoint`. */
  readonly endpoint: string;
  /** Every request received, in order. */
  readonly requests: readonly BedrockEmulatorRequest[];
  /** Queues replies; when the queue is empty, Converse answers `OK` and embeddings are computed. */
  enqueue(...scripts: readonly (BedrockEmulatorScript | readonly BedrockEmulatorScript[])[]): void;
  /** Clears scripts and recorded requests (between tests sharing one emulator). */
  reset(): void;
  close(): Promise<void>;
}

/** Ready-made scripts for the common cases. */
export const bedrockScripts = {
  text: (
    text: string,
    options: Omit<Extract<BedrockEmulatorScript, { kind: 'text' }>, 'kind' | 'text'> = {},
  ): BedrockEmulatorScript => ({ kind: 'text', text, ...options }),
  toolUse: (
    toolUses: readonly EmulatedToolUse[],
    options: { text?: string; usage?: EmulatedUsage } = {},
  ): BedrockEmulatorScript => ({ kind: 'tool_use', toolUses, ...options }),
  /** `times` HTTP 429 ThrottlingExceptions. */
  throttle: (times = 1): BedrockEmulatorScript[] =>
    Array.from({ length: times }, () => ({
      kind: 'error' as const,
      status: 429,
      errorType: 'ThrottlingException',
      message: 'Too many requests, please wait before trying again.',
    })),
  internalError: (): BedrockEmulatorScript => ({
    kind: 'error',
    status: 500,
    errorType: 'InternalServerException',
    message: 'The server encountered an internal error while processing the request.',
  }),
  inputTooLong: (): BedrockEmulatorScript => ({
    kind: 'error',
    status: 400,
    errorType: 'ValidationException',
    message: 'Input is too long for requested model.',
  }),
  invalidModel: (): BedrockEmulatorScript => ({
    kind: 'error',
    status: 400,
    errorType: 'ValidationException',
    message: 'The provided model identifier is invalid.',
  }),
  accessDenied: (): BedrockEmulatorScript => ({
    kind: 'error',
    status: 403,
    errorType: 'AccessDeniedException',
    message: "You don't have access to the model with the specified model ID.",
  }),
  streamException: (
    text: string,
    exceptionType = 'modelStreamErrorException',
    message = 'The model stream failed.',
  ): BedrockEmulatorScript => ({ kind: 'stream_exception', text, exceptionType, message }),
} as const;

/** Bedrock's namespace suffix on `x-amzn-errortype`; the SDK strips it. */
const ERROR_NAMESPACE = 'http://internal.amazon.com/coral/com.amazon.bedrock/';
const EVENT_STREAM = 'application/vnd.amazon.eventstream';
const HTTP2_PREFACE = 'PRI * HTTP/2.0';

type AnyRequest = IncomingMessage | Http2ServerRequest;
type AnyResponse = ServerResponse | Http2ServerResponse;

/**
 * Starts an emulator on 127.0.0.1 and a free port.
 *
 * @example
 * const bedrock = await startBedrockEmulator();
 * bedrock.enqueue(bedrockScripts.throttle(2), bedrockScripts.text('Hello there'));
 * const client = new BedrockRuntimeClient({ endpoint: bedrock.endpoint, region: 'us-east-1', ... });
 */
export async function startBedrockEmulator(): Promise<BedrockEmulator> {
  const codec = new EventStreamCodec(toUtf8, fromUtf8);
  const queue: BedrockEmulatorScript[] = [];
  const requests: BedrockEmulatorRequest[] = [];
  const sockets = new Set<Socket>();
  let toolUseCounter = 0;

  const handle = (req: AnyRequest, res: AnyResponse): void => {
    void serve(req, res).catch((error: unknown) => {
      if (!res.headersSent) {
        sendError(res, 500, 'InternalServerException', `Emulator failure: ${String(error)}`);
      } else {
        res.destroy();
      }
    });
  };

  const serve = async (req: AnyRequest, res: AnyResponse): Promise<void> => {
    const match = /^\/model\/([^/]+)\/(converse|converse-stream|invoke)$/.exec(
      (req.url ?? '').split('?')[0] ?? '',
    );
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (req.method !== 'POST' || !match) {
      sendError(res, 404, 'UnknownOperationException', 'Unknown operation.');
      return;
    }
    const modelId = decodeURIComponent(match[1] ?? '');
    const operation = match[2] as BedrockEmulatorRequest['operation'];
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
    } catch {
      sendError(res, 400, 'ValidationException', 'Malformed input request.');
      return;
    }
    const outcome = new Promise<'completed' | 'disconnected'>((resolve) => {
      // writableEnded: we called end(); a reset HTTP/2 stream can still count as "finished".
      res.once('close', () => resolve(res.writableEnded ? 'completed' : 'disconnected'));
    });
    requests.push({ operation, modelId, headers: { ...req.headers }, body, outcome });

    if (operation === 'invoke') {
      const head = queue[0];
      if (head?.kind === 'error') {
        queue.shift();
        sendError(res, head.status, head.errorType, head.message);
        return;
      }
      invokeModel(modelId, body, res);
      return;
    }
    const script: BedrockEmulatorScript = queue.shift() ?? { kind: 'text', text: 'OK' };
    if (script.kind === 'error') {
      sendError(res, script.status, script.errorType, script.message);
      return;
    }
    const inputTokens = estimateInputTokens(body);
    if (operation === 'converse') {
      converse(script, inputTokens, res);
      return;
    }
    await converseStream(script, inputTokens, res);
  };

  const converse = (script: BedrockEmulatorScript, inputTokens: number, res: AnyResponse): void => {
    if (script.kind === 'stream_exception') {
      // Converse has no stream to fail in; Bedrock reports the model failure as an HTTP error.
      sendError(res, 424, 'ModelErrorException', script.message);
      return;
    }
    if (script.kind === 'error') return;
    const content: unknown[] = [];
    let outputTokens: number;
    let stopReason: string;
    if (script.kind === 'text') {
      content.push({ text: script.text });
      outputTokens = split(script.text, script.deltas).length;
      stopReason = script.stopReason ?? 'end_turn';
    } else {
      if (script.text !== undefined) content.push({ text: script.text });
      for (const use of script.toolUses) {
        content.push({
          toolUse: {
            toolUseId: use.toolUseId ?? nextToolUseId(),
            name: use.name,
            input: use.input,
          },
        });
      }
      outputTokens = 10 * script.toolUses.length;
      stopReason = 'tool_use';
    }
    const usage = script.usage ?? { inputTokens, outputTokens };
    sendJson(res, 200, {
      output: { message: { role: 'assistant', content } },
      stopReason,
      usage: { ...usage, totalTokens: usage.inputTokens + usage.outputTokens },
      metrics: { latencyMs: 1 },
    });
  };

  const converseStream = async (
    script: Exclude<BedrockEmulatorScript, { kind: 'error' }>,
    inputTokens: number,
    res: AnyResponse,
  ): Promise<void> => {
    const started = Date.now();
    res.writeHead(200, {
      'content-type': EVENT_STREAM,
      'x-amzn-requestid': crypto.randomUUID(),
    });
    let gone = false;
    res.once('close', () => {
      gone = true;
    });
    // Frames produced back to back are written together (as TCP would coalesce them anyway);
    // a scripted delay or the end of the reply flushes, so slow tokens still arrive one by one.
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    const flush = async (): Promise<void> => {
      if (gone || pending.length === 0) return;
      const chunk = pending.length === 1 ? pending[0] : Buffer.concat(pending, pendingBytes);
      pending = [];
      pendingBytes = 0;
      // Both response flavours have write(chunk): boolean; their overloads just differ in TS.
      const ok = (res as { write(chunk: Buffer | undefined): boolean }).write(chunk);
      if (!ok && !gone) {
        await new Promise<void>((resolve) => {
          const done = (): void => {
            res.off('drain', done);
            res.off('close', done);
            resolve();
          };
          res.on('drain', done);
          res.on('close', done);
        });
      }
    };
    const send = async (headers: Record<string, string>, payload: unknown): Promise<void> => {
      if (gone) return;
      const frame = codec.encode({
        headers: Object.fromEntries(
          Object.entries(headers).map(([name, value]) => [name, { type: 'string', value }]),
        ),
        body: fromUtf8(JSON.stringify(payload)),
      });
      pending.push(Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength));
      pendingBytes += frame.byteLength;
      if (pendingBytes >= 16_384) await flush();
    };
    const end = async (): Promise<void> => {
      await flush();
      res.end();
    };
    const event = (type: string, payload: unknown): Promise<void> =>
      send(
        { ':event-type': type, ':content-type': 'application/json', ':message-type': 'event' },
        payload,
      );
    const pause = async (ms: number | undefined): Promise<void> => {
      if (!ms) return;
      await flush();
      await new Promise((resolve) => setTimeout(resolve, ms));
    };

    await event('messageStart', { role: 'assistant', p: 'abcdefghijklmnopqrstuvwxyzABCDEFGH' });
    let index = 0;
    let outputTokens = 0;
    const streamText = async (text: string, deltas?: number, delayMs?: number): Promise<void> => {
      // Bedrock sends no contentBlockStart for text blocks: the first delta opens the block.
      for (const piece of split(text, deltas)) {
        await pause(delayMs);
        if (gone) return;
        outputTokens += 1;
        await event('contentBlockDelta', {
          contentBlockIndex: index,
          delta: { text: piece },
          p: 'abcdefghijkl',
        });
      }
    };

    if (script.kind === 'stream_exception') {
      await streamText(script.text, script.deltas, script.tokenDelayMs);
      await send(
        {
          ':exception-type': script.exceptionType,
          ':content-type': 'application/json',
          ':message-type': 'exception',
        },
        script.exceptionType === 'modelStreamErrorException'
          ? { message: script.message, originalStatusCode: 500, originalMessage: script.message }
          : { message: script.message },
      );
      await end();
      return;
    }

    let stopReason: string;
    if (script.kind === 'text') {
      await streamText(script.text, script.deltas, script.tokenDelayMs);
      await event('contentBlockStop', { contentBlockIndex: index, p: 'abcd' });
      stopReason = script.stopReason ?? 'end_turn';
    } else {
      if (script.text !== undefined) {
        await streamText(script.text);
        await event('contentBlockStop', { contentBlockIndex: index, p: 'abcd' });
        index += 1;
      }
      for (const use of script.toolUses) {
        await event('contentBlockStart', {
          contentBlockIndex: index,
          start: { toolUse: { toolUseId: use.toolUseId ?? nextToolUseId(), name: use.name } },
          p: 'abcdefgh',
        });
        for (const piece of split(JSON.stringify(use.input), use.deltas ?? 3)) {
          outputTokens += 1;
          await event('contentBlockDelta', {
            contentBlockIndex: index,
            delta: { toolUse: { input: piece } },
            p: 'abcdefgh',
          });
        }
        await event('contentBlockStop', { contentBlockIndex: index, p: 'abcd' });
        index += 1;
      }
      stopReason = 'tool_use';
    }
    await event('messageStop', { stopReason, p: 'abcdefghijklmnop' });
    const usage = script.usage ?? { inputTokens, outputTokens };
    await event('metadata', {
      usage: { ...usage, totalTokens: usage.inputTokens + usage.outputTokens },
      metrics: { latencyMs: Date.now() - started },
      p: 'abcdefghijklmnopqrstuvwxyz',
    });
    await end();
  };

  const invokeModel = (modelId: string, body: Record<string, unknown>, res: AnyResponse): void => {
    if (modelId.startsWith('amazon.titan-embed-text-v2')) {
      const text = body['inputText'];
      const dimensions = body['dimensions'] ?? 1024;
      if (typeof text !== 'string' || text.length === 0) {
        sendError(res, 400, 'ValidationException', 'Malformed input request: inputText.');
        return;
      }
      if (dimensions !== 256 && dimensions !== 512 && dimensions !== 1024) {
        sendError(res, 400, 'ValidationException', 'Malformed input request: dimensions.');
        return;
      }
      const embedding = hashedEmbedding(text, dimensions, body['normalize'] !== false);
      sendJson(res, 200, {
        embedding,
        embeddingsByType: { float: embedding },
        inputTextTokenCount: countWords(text),
      });
      return;
    }
    if (modelId.startsWith('cohere.embed-')) {
      const texts = body['texts'];
      const inputType = body['input_type'];
      if (
        !Array.isArray(texts) ||
        texts.length === 0 ||
        texts.length > 96 ||
        !texts.every((text) => typeof text === 'string' && text.length > 0)
      ) {
        sendError(res, 400, 'ValidationException', 'Malformed input request: texts.');
        return;
      }
      if (typeof inputType !== 'string') {
        sendError(res, 400, 'ValidationException', 'Malformed input request: input_type.');
        return;
      }
      sendJson(res, 200, {
        id: crypto.randomUUID(),
        texts,
        embeddings: (texts as string[]).map((text) => hashedEmbedding(text, 1024, true)),
        response_type: 'embeddings_floats',
      });
      return;
    }
    sendError(res, 400, 'ValidationException', 'The provided model identifier is invalid.');
  };

  const nextToolUseId = (): string => {
    toolUseCounter += 1;
    return `tooluse_emulated${String(toolUseCounter).padStart(6, '0')}`;
  };

  const http1 = createHttpServer(handle);
  const http2 = createHttp2Server(handle);
  // One port for both protocols: HTTP/2 prior knowledge starts with the connection preface. The
  // first bytes are read to tell, so the servers get a stream that replays them (both HTTP parsers
  // read a plain socket's handle natively and would miss data pushed back with unshift).
  const net = createNetServer((socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    socket.once('close', () => sockets.delete(socket));
    socket.once('data', (first: Buffer) => {
      const replay = new Duplex({
        read: () => {
          socket.resume();
        },
        write: (chunk: Buffer, _encoding, callback) => {
          socket.write(chunk, callback);
        },
        final: (callback) => {
          socket.end();
          callback();
        },
        destroy: (error, callback) => {
          socket.destroy(error ?? undefined);
          callback(error);
        },
      });
      replay.push(first);
      socket.on('data', (chunk: Buffer) => {
        if (!replay.push(chunk)) socket.pause();
      });
      socket.once('end', () => replay.push(null));
      socket.once('close', () => replay.destroy());
      socket.once('error', (error) => replay.destroy(error));
      const isHttp2 = first.toString('latin1', 0, HTTP2_PREFACE.length) === HTTP2_PREFACE;
      (isHttp2 ? http2 : http1).emit('connection', replay);
    });
  });
  await new Promise<void>((resolve, reject) => {
    net.once('error', reject);
    net.listen(0, '127.0.0.1', () => resolve());
  });
  const address = net.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    enqueue: (...scripts) => {
      for (const script of scripts) {
        if (Array.isArray(script)) queue.push(...(script as readonly BedrockEmulatorScript[]));
        else queue.push(script as BedrockEmulatorScript);
      }
    },
    reset: () => {
      queue.length = 0;
      requests.length = 0;
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      http1.close();
      http2.close();
      await new Promise<void>((resolve) => net.close(() => resolve()));
    },
  };
}

function sendJson(res: AnyResponse, status: number, payload: unknown): void {
  const body = Buffer.from(JSON.stringify(payload), 'utf8');
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': String(body.length),
    'x-amzn-requestid': crypto.randomUUID(),
  });
  res.end(body);
}

function sendError(res: AnyResponse, status: number, errorType: string, message: string): void {
  const body = Buffer.from(JSON.stringify({ message }), 'utf8');
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': String(body.length),
    'x-amzn-errortype': `${errorType}:${ERROR_NAMESPACE}`,
    'x-amzn-requestid': crypto.randomUUID(),
  });
  res.end(body);
}

/** Splits text into `parts` pieces, or into words with their trailing whitespace. */
function split(text: string, parts?: number): string[] {
  if (parts === undefined) return text.match(/\s*\S+\s*/g) ?? (text ? [text] : []);
  const size = Math.max(1, Math.ceil(text.length / Math.max(1, parts)));
  const pieces: string[] = [];
  for (let start = 0; start < text.length; start += size)
    pieces.push(text.slice(start, start + size));
  return pieces;
}

function countWords(text: string): number {
  return text.split(/\s+/).filter(Boolean).length;
}

/** A rough token count of a Converse request, for `usage.inputTokens`. */
function estimateInputTokens(body: Record<string, unknown>): number {
  const texts: string[] = [];
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (value !== null && typeof value === 'object') {
      for (const [key, inner] of Object.entries(value)) {
        if (key === 'text' && typeof inner === 'string') texts.push(inner);
        else walk(inner);
      }
    }
  };
  walk(body['system']);
  walk(body['messages']);
  return Math.max(
    1,
    texts.reduce((sum, text) => sum + countWords(text), 0),
  );
}

/**
 * Deterministic vectors from hashed word and character-trigram features (signed feature hashing),
 * so texts sharing words are closer than unrelated texts, as with a real embedding model.
 */
export function hashedEmbedding(text: string, dimensions: number, normalize: boolean): number[] {
  const vector = new Array<number>(dimensions).fill(0);
  const add = (feature: string, weight: number): void => {
    let hash = 0x811c9dc5;
    for (let i = 0; i < feature.length; i += 1) {
      hash ^= feature.charCodeAt(i);
      hash = Math.imul(hash, 0x01000193) >>> 0;
    }
    const slot = hash % dimensions;
    vector[slot] = (vector[slot] ?? 0) + (hash & 0x80000000 ? -weight : weight);
  };
  for (const word of text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []) {
    add(`w:${word}`, 1);
    const padded = ` ${word} `;
    for (let i = 0; i + 3 <= padded.length; i += 1) add(`t:${padded.slice(i, i + 3)}`, 0.25);
  }
  if (!vector.some((value) => value !== 0)) vector[0] = 1;
  if (!normalize) return vector;
  const norm = Math.sqrt(vector.reduce((sum, value) => sum + value * value, 0));
  return vector.map((value) => value / norm);
}
