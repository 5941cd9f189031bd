/**
 * An Embedder over the OpenAI-compatible embeddings endpoint (`POST {baseUrl}/embeddings`) of
 * Ollama, vLLM or llama.cpp: batched, with bounded concurrency, retries, unit-length vectors and
 * a dimension check, so a misconfigured model never writes vectors of the wrong size.
 */
import { AppError } from '@lgm/core';
import * as z from 'zod';

import {
  backoffDelay,
  invalidResponse,
  networkFailure,
  type OpenAiConnectionOptions,
  readJsonBody,
  requestHeaders,
  resolveConnection,
  type ResolvedConnection,
  responseFailure,
  RetryableFailure,
  timeoutError,
} from './openai-http';
import type { Embedder, EmbeddingPurpose } from './ports';

export interface OpenAiEmbedderOptions extends OpenAiConnectionOptions {
  /** The server's model name, e.g. `nomic-embed-text`. */
  readonly model: string;
  /** The dimension the vector store is built for; a server returning another size is an error. */
  readonly dimensions: number;
  /** Texts per request. Default 64. */
  readonly batchSize?: number;
  /** Requests in flight at once. Default 4. */
  readonly concurrency?: number;
  /** Prepended per purpose, for models trained with prefixes (nomic: `search_query: `). */
  readonly prefixes?: Readonly<Partial<Record<EmbeddingPurpose, string>>>;
  /**
   * Send `dimensions` in the request (OpenAI's text-embedding-3 shortens vectors). Off by
   * default: Ollama ignores it and some vLLM versions reject it for models without Matryoshka.
   */
  readonly sendDimensions?: boolean;
}

const responseSchema = z.object({
  data: z.array(
    z.object({
      index: z.number().int().nonnegative().optional(),
      // llama.cpp and OpenAI may answer base64 even though we ask for floats.
      embedding: z.union([z.array(z.number()), z.string()]),
    }),
  ),
});

/**
 * @example
 * const embedder = new OpenAiEmbedder({
 *   baseUrl: 'http://127.0.0.1:11434/v1',
 *   model: 'nomic-embed-text',
 *   dimensions: 768,
 * });
 * const [vector] = await embedder.embed(['hello'], { purpose: 'query' });
 */
export class OpenAiEmbedder implements Embedder {
  readonly dimensions: number;
  readonly modelId: string;
  private readonly connection: ResolvedConnection;
  private readonly model: string;
  private readonly batchSize: number;
  private readonly concurrency: number;
  private readonly prefixes: Readonly<Partial<Record<EmbeddingPurpose, string>>>;
  private readonly sendDimensions: boolean;

  constructor(options: OpenAiEmbedderOptions) {
    if (!Number.isInteger(options.dimensions) || options.dimensions <= 0) {
      throw new AppError('CONFIG_INVALID', 500, 'Embedding dimensions must be a positive integer.');
    }
    this.connection = resolveConnection(options);
    this.model = options.model;
    this.dimensions = options.dimensions;
    this.batchSize = Math.max(1, options.batchSize ?? 64);
    this.concurrency = Math.max(1, options.concurrency ?? 4);
    this.prefixes = options.prefixes ?? {};
    this.sendDimensions = options.sendDimensions ?? false;
    this.modelId = `openai-compatible:${options.model}:${options.dimensions}`;
  }

  async embed(
    texts: readonly string[],
    options: { purpose: EmbeddingPurpose; signal?: AbortSignal },
  ): Promise<number[][]> {
    const prefix = this.prefixes[options.purpose] ?? '';
    // OpenAI rejects empty strings in `input`; a space embeds as "nothing" everywhere.
    const inputs = texts.map((text) => `${prefix}${text}` || ' ');
    const results: number[][] = new Array<number[]>(inputs.length);
    const batches: number[] = [];
    for (let start = 0; start < inputs.length; start += this.batchSize) batches.push(start);

    // One failure stops the other workers' requests: the whole call fails anyway.
    const stop = new AbortController();
    const onCallerAbort = (): void => stop.abort();
    options.signal?.addEventListener('abort', onCallerAbort, { once: true });
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < batches.length && !stop.signal.aborted) {
        const start = batches[next] as number;
        next += 1;
        const vectors = await this.embedBatch(inputs.slice(start, start + this.batchSize), stop);
        vectors.forEach((vector, offset) => {
          results[start + offset] = vector;
        });
      }
    };
    try {
      await Promise.all(
        Array.from({ length: Math.min(this.concurrency, batches.length) }, () =>
          worker().catch((error: unknown) => {
            stop.abort();
            throw error;
          }),
        ),
      );
    } catch (error) {
      if (options.signal?.aborted) throw cancelledError();
      throw error;
    } finally {
      options.signal?.removeEventListener('abort', onCallerAbort);
    }
    if (options.signal?.aborted) throw cancelledError();
    return results;
  }

  private async embedBatch(inputs: string[], stop: AbortController): Promise<number[][]> {
    const body: Record<string, unknown> = {
      model: this.model,
      input: inputs,
      encoding_format: 'float',
    };
    if (this.sendDimensions) body.dimensions = this.dimensions;
    const payload = JSON.stringify(body);
    for (let attempt = 0; ; attempt += 1) {
      try {
        return await this.requestOnce(payload, inputs.length, stop.signal);
      } catch (error) {
        if (!(error instanceof RetryableFailure) || stop.signal.aborted) throw unwrap(error);
        if (attempt >= this.connection.maxRetries) throw error.error;
        await this.connection.sleep(
          backoffDelay(this.connection, attempt, error.retryAfterMs),
          stop.signal,
        );
      }
    }
  }

  private async requestOnce(
    payload: string,
    expected: number,
    stopSignal: AbortSignal,
  ): Promise<number[][]> {
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, this.connection.requestTimeoutMs);
    const onStop = (): void => controller.abort();
    stopSignal.addEventListener('abort', onStop, { once: true });
    let response: Response;
    let json: unknown;
    try {
      response = await this.connection.fetch(`${this.connection.baseUrl}/embeddings`, {
        method: 'POST',
        headers: requestHeaders(this.connection),
        body: payload,
        signal: controller.signal,
      });
      json = await readJsonBody(response);
    } catch (error) {
      if (timedOut) throw timeoutError(this.connection.requestTimeoutMs);
      if (stopSignal.aborted) throw cancelledError();
      throw networkFailure(error);
    } finally {
      clearTimeout(timer);
      stopSignal.removeEventListener('abort', onStop);
    }
    if (!response.ok) {
      throw responseFailure(response, json, this.model, this.connection);
    }
    const parsed = responseSchema.safeParse(json);
    if (!parsed.success) throw invalidResponse('The embedding server sent an unreadable response.');
    const data = parsed.data.data;
    if (data.length !== expected) {
      throw invalidResponse(
        `The embedding server returned ${data.length} vectors for ${expected} texts.`,
      );
    }
    // Order by `index` when given: the API does not promise response order.
    const ordered = data.every((item) => item.index !== undefined)
      ? [...data].sort((a, b) => (a.index ?? 0) - (b.index ?? 0))
      : data;
    return ordered.map((item) => this.toUnitVector(item.embedding));
  }

  private toUnitVector(embedding: number[] | string): number[] {
    const vector = typeof embedding === 'string' ? decodeBase64Floats(embedding) : embedding;
    if (vector.length !== this.dimensions) {
      throw new AppError(
        'EMBEDDING_DIMENSION_MISMATCH',
        500,
        `Embedding model '${this.model}' returned ${vector.length} dimensions; ${this.dimensions} are configured.`,
      );
    }
    let sum = 0;
    for (const value of vector) sum += value * value;
    const norm = Math.sqrt(sum);
    if (!Number.isFinite(norm) || norm === 0) {
      throw invalidResponse('The embedding server returned a zero or non-finite vector.');
    }
    // Most servers normalise already (Ollama does, vLLM depends on the model's pooler).
    if (Math.abs(norm - 1) < 1e-6) return vector;
    return vector.map((value) => value / norm);
  }
}

function decodeBase64Floats(text: string): number[] {
  const bytes = Buffer.from(text, 'base64');
  const floats: number[] = [];
  for (let offset = 0; offset + 4 <= bytes.length; offset += 4) {
    floats.push(bytes.readFloatLE(offset));
  }
  return floats;
}

function cancelledError(): AppError {
  return new AppError('EMBEDDING_CANCELLED', 499, 'The embedding request was cancelled.');
}

function unwrap(error: unknown): unknown {
  return error instanceof RetryableFailure ? error.error : error;
}
