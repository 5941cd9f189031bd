/**
 * What the OpenAI-compatible chat model and embedder share: connection settings, the request with
 * timeout and retry, and the one place where HTTP failures become AppErrors.
 */
import { AppError } from '@lgm/core';
import * as z from 'zod';

/** Connection settings of an OpenAI-compatible server (Ollama, vLLM, llama.cpp, OpenAI itself). */
export interface OpenAiConnectionOptions {
  /** Base URL including the version path, e.g. `http://127.0.0.1:11434/v1` for Ollama. */
  readonly baseUrl: string;
  /** Sent as `Authorization: Bearer …` when set. Never logged, never put in an error. */
  readonly apiKey?: string;
  /** Time until the response headers arrive (and, for non-streaming calls, the whole body). */
  readonly requestTimeoutMs?: number;
  /** Retries of throttled (429), failed (5xx) or unreachable calls, before any output. Default 3. */
  readonly maxRetries?: number;
  /** First backoff ceiling in ms; doubles per attempt (full jitter). Default 250. */
  readonly baseDelayMs?: number;
  /** Largest backoff in ms, also the cap on a server's `Retry-After`. Default 8000. */
  readonly maxDelayMs?: number;
  /** Injected for tests: waits `ms`, resolving early (without throwing) when `signal` aborts. */
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Injected for tests: a number in [0, 1) for the jitter. */
  readonly random?: () => number;
  /** Injected for tests or proxies; defaults to the global `fetch` of Node 20. */
  readonly fetch?: typeof fetch;
}

/** The settings above with defaults applied. */
export interface ResolvedConnection {
  readonly baseUrl: string;
  readonly apiKey: string | undefined;
  readonly requestTimeoutMs: number;
  readonly maxRetries: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly random: () => number;
  readonly fetch: typeof fetch;
}

export function resolveConnection(options: OpenAiConnectionOptions): ResolvedConnection {
  return {
    baseUrl: options.baseUrl.replace(/\/+$/, ''),
    apiKey: options.apiKey === '' ? undefined : options.apiKey,
    requestTimeoutMs: options.requestTimeoutMs ?? 120_000,
    maxRetries: options.maxRetries ?? 3,
    baseDelayMs: options.baseDelayMs ?? 250,
    maxDelayMs: options.maxDelayMs ?? 8_000,
    sleep: options.sleep ?? defaultSleep,
    random: options.random ?? Math.random,
    fetch: options.fetch ?? ((input, init) => fetch(input, init)),
  };
}

function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** A failure we may retry (before output) with the AppError to throw if retries run out. */
export class RetryableFailure extends Error {
  constructor(
    readonly error: AppError,
    readonly retryAfterMs: number | undefined,
  ) {
    super(error.message);
  }
}

/** Full-jitter exponential backoff, at least the server's `Retry-After`, capped at `maxDelayMs`. */
export function backoffDelay(
  connection: ResolvedConnection,
  attempt: number,
  retryAfterMs: number | undefined,
): number {
  const ceiling = Math.min(connection.maxDelayMs, connection.baseDelayMs * 2 ** attempt);
  const jittered = Math.floor(connection.random() * ceiling);
  return Math.min(connection.maxDelayMs, Math.max(jittered, retryAfterMs ?? 0));
}

// Error bodies differ: OpenAI, llama.cpp and newer vLLM nest `{error: {message, type, code}}`;
// older vLLM answers flat `{object: 'error', message, type, code}`; Ollama sometimes sends
// `{error: "text"}`.
const errorFields = z.object({
  message: z.string().optional(),
  type: z.string().nullish(),
  code: z.union([z.string(), z.number()]).nullish(),
});
const errorBodySchema = z.union([
  z.object({ error: z.union([errorFields, z.string()]) }),
  errorFields,
]);

/** The parts of a server's error body we look at. */
export interface ServerError {
  readonly message: string;
  readonly type: string | undefined;
  readonly code: string | undefined;
}

export function parseServerError(body: unknown): ServerError {
  const parsed = errorBodySchema.safeParse(body);
  if (!parsed.success) return { message: '', type: undefined, code: undefined };
  const data = parsed.data;
  const fields = 'error' in data ? data.error : data;
  if (typeof fields === 'string') return { message: fields, type: undefined, code: undefined };
  return {
    message: fields.message ?? '',
    type: fields.type ?? undefined,
    code: fields.code === null || fields.code === undefined ? undefined : String(fields.code),
  };
}

/** Servers may echo what they were sent; the key must never travel on in a message. */
export function redact(text: string, apiKey: string | undefined): string {
  const clipped = text.length > 500 ? `${text.slice(0, 500)}…` : text;
  return apiKey === undefined || apiKey.length === 0
    ? clipped
    : clipped.split(apiKey).join('[REDACTED]');
}

const contextTooLong =
  /context[ _-]?(length|size|window)|maximum context|too many tokens|prompt is too long|exceeds? the (available )?context/i;
const modelMissing = /model .*(not found|does not exist)|no such model|unknown model/i;

/**
 * Maps an HTTP failure of the server to an AppError or a retryable failure. This is the only
 * place that decides codes, so the chat model and the embedder report alike.
 */
/** An HTTP error response as an AppError (or a retryable failure, honouring Retry-After). */
export function responseFailure(
  response: Pick<Response, 'status' | 'headers'>,
  body: unknown,
  modelId: string,
  connection: ResolvedConnection,
): AppError | RetryableFailure {
  return mapHttpFailure(
    response.status,
    body,
    modelId,
    connection,
    response.headers.get('retry-after'),
  );
}

export function mapHttpFailure(
  status: number,
  body: unknown,
  modelId: string,
  connection: ResolvedConnection,
  retryAfterHeader: string | null,
): AppError | RetryableFailure {
  const server = parseServerError(body);
  const detail = redact(server.message, connection.apiKey);
  const suffix = detail.length > 0 ? `: ${detail}` : '.';
  if (status === 401 || status === 403) {
    return new AppError(
      'MODEL_ACCESS_DENIED',
      403,
      `The model server refused our credentials (HTTP ${status})${suffix}`,
    );
  }
  if (
    status === 413 ||
    server.code === 'context_length_exceeded' ||
    server.type === 'exceed_context_size_error' ||
    (status === 400 && contextTooLong.test(server.message))
  ) {
    return new AppError(
      'CONTEXT_TOO_LONG',
      400,
      `The conversation is too long for model '${modelId}'${suffix}`,
    );
  }
  if (
    status === 404 ||
    server.code === 'model_not_found' ||
    (status === 400 && modelMissing.test(server.message))
  ) {
    return new AppError(
      'MODEL_NOT_AVAILABLE',
      // 400 like the Bedrock adapter: a model id the caller chose that this server lacks.
      400,
      `Model '${modelId}' is not available on the model server${suffix}`,
    );
  }
  if (status === 429) {
    return new RetryableFailure(
      new AppError('MODEL_THROTTLED', 429, `The model server is throttling requests${suffix}`),
      parseRetryAfter(retryAfterHeader),
    );
  }
  if (status >= 500) {
    return new RetryableFailure(
      new AppError('MODEL_UNAVAILABLE', 503, `The model server failed (HTTP ${status})${suffix}`),
      parseRetryAfter(retryAfterHeader),
    );
  }
  return new AppError(
    'MODEL_REQUEST_INVALID',
    400,
    `The model server rejected the request (HTTP ${status})${suffix}`,
  );
}

function parseRetryAfter(header: string | null): number | undefined {
  if (header === null) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/** A network failure (refused, reset, DNS): retryable, reported as the server being unavailable. */
export function networkFailure(cause: unknown): RetryableFailure {
  return new RetryableFailure(
    new AppError('MODEL_UNAVAILABLE', 503, 'The model server could not be reached.', {
      cause: describeCause(cause),
    }),
    undefined,
  );
}

export function timeoutError(ms: number): AppError {
  return new AppError('MODEL_TIMEOUT', 504, `The model server did not answer within ${ms} ms.`);
}

export function invalidResponse(message: string): AppError {
  return new AppError('MODEL_RESPONSE_INVALID', 502, message);
}

/**
 * Keeps only the name, message and code of a low-level error: fetch's errors can carry the request
 * (and so the Authorization header) in their properties.
 */
function describeCause(cause: unknown): Error {
  if (!(cause instanceof Error)) return new Error(String(cause));
  const inner = cause.cause instanceof Error ? `: ${cause.cause.message}` : '';
  const described = new Error(`${cause.name}: ${cause.message}${inner}`);
  return described;
}

/** Why an internal controller was aborted, so a catch can tell the caller's abort from ours. */
export type AbortCause = 'caller' | 'timeout';

/** Headers of every request. */
export function requestHeaders(connection: ResolvedConnection): Record<string, string> {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
  };
  if (connection.apiKey !== undefined) headers.authorization = `Bearer ${connection.apiKey}`;
  return headers;
}

/** Reads a body as JSON, or `undefined` when it is not JSON (HTML error pages of proxies). */
export async function readJsonBody(response: Response): Promise<unknown> {
  const text = await response.text();
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return { error: { message: text.slice(0, 200) } };
  }
}
