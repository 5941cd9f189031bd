/**
 * `Embedder` over Amazon Titan Text Embeddings V2 (`InvokeModel`). Titan v2 embeds one text per
 * request, so a batch becomes parallel requests with bounded concurrency, each retried on
 * throttling and 5xx with our policy.
 */
import { AppError, ValidationError } from '@lgm/core';

import type { BedrockRuntimeClientLike } from './bedrock-chat-model';
import { isAbortError, toBedrockAppError } from './bedrock-errors';
import { invokeJsonModel } from './bedrock-invoke';
import { assertEmbeddableTexts } from './embedding-input';
import type { Embedder, EmbeddingPurpose } from './ports';
import { DEFAULT_RETRY_POLICY, realSleep, type RetryDeps, type RetryPolicy } from './retry';

/** The output sizes Titan v2 supports. */
export type TitanDimensions = 256 | 512 | 1024;

export const TITAN_EMBED_V2_MODEL_ID = 'amazon.titan-embed-text-v2:0';
/** Titan v2 input limit in characters (the token limit is 8,192; Bedrock enforces that one). */
export const TITAN_MAX_CHARACTERS = 50_000;

export interface TitanEmbedderOptions {
  readonly client: BedrockRuntimeClientLike;
  /** Default 1024. */
  readonly dimensions?: number;
  /** Default `amazon.titan-embed-text-v2:0`. */
  readonly modelId?: string;
  /** Requests in flight at once (default 8). */
  readonly concurrency?: number;
  readonly retryPolicy?: RetryPolicy;
  readonly sleep?: RetryDeps['sleep'];
  readonly random?: RetryDeps['random'];
}

interface TitanResponse {
  readonly embedding?: unknown;
}

/** Scales a vector to unit length (the port promises unit vectors, whatever the model returned). */
export function unitLength(vector: readonly number[]): number[] {
  let sum = 0;
  for (const value of vector) sum += value * value;
  const norm = Math.sqrt(sum);
  return norm === 0 ? [...vector] : vector.map((value) => value / norm);
}

/** Runs `work` for each index with at most `limit` in flight; results keep input order. */
export async function mapBounded<T>(
  count: number,
  limit: number,
  work: (index: number) => Promise<T>,
): Promise<T[]> {
  const results = new Array<T>(count);
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (!failed && next < count) {
      const index = next;
      next += 1;
      try {
        results[index] = await work(index);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, count) }, worker));
  return results;
}

/**
 * Titan Text Embeddings V2.
 *
 * @example
 * const embedder = new TitanEmbedder({ client, dimensions: 512 });
 * const [vector] = await embedder.embed(['hello'], { purpose: 'query' });
 */
export class TitanEmbedder implements Embedder {
  readonly dimensions: TitanDimensions;
  readonly modelId: string;
  private readonly bedrockModelId: string;
  private readonly client: BedrockRuntimeClientLike;
  private readonly concurrency: number;
  private readonly policy: RetryPolicy;
  private readonly deps: RetryDeps;

  /** @throws ValidationError `EMBEDDING_DIMENSIONS_INVALID` unless dimensions is 256, 512 or 1024. */
  constructor(options: TitanEmbedderOptions) {
    const dimensions = options.dimensions ?? 1024;
    if (dimensions !== 256 && dimensions !== 512 && dimensions !== 1024) {
      throw new ValidationError(
        `Titan Text Embeddings V2 supports 256, 512 or 1024 dimensions, not ${dimensions}.`,
        { code: 'EMBEDDING_DIMENSIONS_INVALID', details: { dimensions } },
      );
    }
    this.dimensions = dimensions;
    this.bedrockModelId = options.modelId ?? TITAN_EMBED_V2_MODEL_ID;
    this.modelId = `bedrock:${this.bedrockModelId}:${dimensions}`;
    this.client = options.client;
    this.concurrency = Math.max(1, options.concurrency ?? 8);
    this.policy = options.retryPolicy ?? DEFAULT_RETRY_POLICY;
    this.deps = { sleep: options.sleep ?? realSleep, random: options.random ?? Math.random };
  }

  /**
   * One unit vector per text. Titan v2 has no query/document distinction, so `purpose` is unused.
   *
   * @throws ValidationError `EMBEDDING_INPUT_EMPTY` / `EMBEDDING_INPUT_TOO_LONG` before any request.
   */
  async embed(
    texts: readonly string[],
    options: { purpose: EmbeddingPurpose; signal?: AbortSignal },
  ): Promise<number[][]> {
    assertEmbeddableTexts(texts, { modelName: 'Titan v2', maxCharacters: TITAN_MAX_CHARACTERS });
    const signal = options.signal;
    try {
      return await mapBounded(texts.length, this.concurrency, (index) =>
        this.embedOne(texts[index] ?? '', signal),
      );
    } catch (error) {
      if (signal?.aborted || isAbortError(error)) {
        throw new AppError('EMBEDDING_CANCELLED', 499, 'The embedding call was cancelled.', {
          cause: error,
        });
      }
      const appError = toBedrockAppError(error, this.bedrockModelId);
      // Bedrock counts tokens we cannot (8,192 max): its length complaint is the caller's input.
      if (appError.code === 'CONTEXT_TOO_LONG') {
        throw new ValidationError(`A text is too long for ${this.bedrockModelId}.`, {
          code: 'EMBEDDING_INPUT_TOO_LONG',
          cause: error,
        });
      }
      throw appError;
    }
  }

  private async embedOne(text: string, signal: AbortSignal | undefined): Promise<number[]> {
    const parsed = (await invokeJsonModel(
      this.client,
      this.bedrockModelId,
      { inputText: text, dimensions: this.dimensions, normalize: true },
      { policy: this.policy, deps: this.deps, signal },
    )) as TitanResponse;
    const embedding = parsed.embedding;
    if (
      !Array.isArray(embedding) ||
      embedding.length !== this.dimensions ||
      !embedding.every((value) => typeof value === 'number')
    ) {
      throw new AppError(
        'EMBEDDING_RESPONSE_INVALID',
        502,
        `${this.bedrockModelId} returned no ${this.dimensions}-dimension embedding.`,
      );
    }
    return unitLength(embedding as number[]);
  }
}
