/**
 * `Embedder` over Cohere Embed v3 on Bedrock (`cohere.embed-english-v3`,
 * `cohere.embed-multilingual-v3`): batches of up to 96 texts per InvokeModel call, with the query /
 * document distinction Cohere trains for (`input_type`).
 */
import { AppError } from '@lgm/core';

import type { BedrockRuntimeClientLike } from './bedrock-chat-model';
import { isAbortError, toBedrockAppError } from './bedrock-errors';
import { invokeJsonModel } from './bedrock-invoke';
import { assertEmbeddableTexts } from './embedding-input';
import type { Embedder, EmbeddingPurpose } from './ports';
import { DEFAULT_RETRY_POLICY, realSleep, type RetryDeps, type RetryPolicy } from './retry';
import { mapBounded, unitLength } from './titan-embedder';

/** Cohere on Bedrock: at most 96 texts per call, each at most 2,048 characters. */
export const COHERE_MAX_BATCH = 96;
export const COHERE_MAX_CHARACTERS = 2_048;
const COHERE_DIMENSIONS = 1024;

export interface CohereEmbedderOptions {
  readonly client: BedrockRuntimeClientLike;
  /** Default `cohere.embed-english-v3`. */
  readonly modelId?: 'cohere.embed-english-v3' | 'cohere.embed-multilingual-v3';
  /** Batches in flight at once (default 4). */
  readonly concurrency?: number;
  readonly retryPolicy?: RetryPolicy;
  readonly sleep?: RetryDeps['sleep'];
  readonly random?: RetryDeps['random'];
}

/**
 * Cohere Embed v3 (1024 dimensions).
 *
 * @example
 * const embedder = new CohereEmbedder({ client, modelId: 'cohere.embed-multilingual-v3' });
 */
export class CohereEmbedder implements Embedder {
  readonly dimensions = COHERE_DIMENSIONS;
  readonly modelId: string;
  private readonly bedrockModelId: string;
  private readonly client: BedrockRuntimeClientLike;
  private readonly concurrency: number;
  private readonly policy: RetryPolicy;
  private readonly deps: RetryDeps;

  constructor(options: CohereEmbedderOptions) {
    this.bedrockModelId = options.modelId ?? 'cohere.embed-english-v3';
    this.modelId = `bedrock:${this.bedrockModelId}:${COHERE_DIMENSIONS}`;
    this.client = options.client;
    this.concurrency = Math.max(1, options.concurrency ?? 4);
    this.policy = options.retryPolicy ?? DEFAULT_RETRY_POLICY;
    this.deps = { sleep: options.sleep ?? realSleep, random: options.random ?? Math.random };
  }

  /** @throws ValidationError `EMBEDDING_INPUT_EMPTY` / `EMBEDDING_INPUT_TOO_LONG` before any call. */
  async embed(
    texts: readonly string[],
    options: { purpose: EmbeddingPurpose; signal?: AbortSignal },
  ): Promise<number[][]> {
    assertEmbeddableTexts(texts, { modelName: 'Cohere', maxCharacters: COHERE_MAX_CHARACTERS });
    const batches: string[][] = [];
    for (let start = 0; start < texts.length; start += COHERE_MAX_BATCH) {
      batches.push(texts.slice(start, start + COHERE_MAX_BATCH));
    }
    const inputType = options.purpose === 'query' ? 'search_query' : 'search_document';
    const signal = options.signal;
    try {
      const results = await mapBounded(batches.length, this.concurrency, (index) =>
        this.embedBatch(batches[index] ?? [], inputType, signal),
      );
      return results.flat();
    } catch (error) {
      if (signal?.aborted || isAbortError(error)) {
        throw new AppError('EMBEDDING_CANCELLED', 499, 'The embedding call was cancelled.', {
          cause: error,
        });
      }
      throw toBedrockAppError(error, this.bedrockModelId);
    }
  }

  private async embedBatch(
    texts: readonly string[],
    inputType: string,
    signal: AbortSignal | undefined,
  ): Promise<number[][]> {
    // truncate NONE: an over-long text fails loudly instead of being embedded in part.
    const parsed = (await invokeJsonModel(
      this.client,
      this.bedrockModelId,
      { texts, input_type: inputType, truncate: 'NONE' },
      { policy: this.policy, deps: this.deps, signal },
    )) as { embeddings?: unknown };
    const embeddings = parsed.embeddings;
    if (
      !Array.isArray(embeddings) ||
      embeddings.length !== texts.length ||
      !embeddings.every((vector) => Array.isArray(vector) && vector.length === COHERE_DIMENSIONS)
    ) {
      throw new AppError(
        'EMBEDDING_RESPONSE_INVALID',
        502,
        `${this.bedrockModelId} returned ${Array.isArray(embeddings) ? embeddings.length : 'no'} embeddings for ${texts.length} texts.`,
      );
    }
    return (embeddings as number[][]).map(unitLength);
  }
}
