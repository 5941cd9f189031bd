import { readFileSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';

import { AppError, ValidationError } from '@lgm/core';

import type { Embedder, EmbeddingPurpose } from './ports';

/**
 * An Embedder over a local ONNX sentence-embedding model (a Hugging Face model directory with
 * `config.json`, `tokenizer.json`, `tokenizer_config.json` and `onnx/model.onnx`), run by
 * `@huggingface/transformers` with mean pooling and L2 normalisation. Remote models are disabled:
 * nothing is ever downloaded, the directory must be complete.
 *
 * `@huggingface/transformers` (and its native onnxruntime-node) is an optional dependency loaded
 * on first use with a dynamic import, so the default install and the Lambda bundles never need
 * it; when it is missing or its runtime cannot load, `embed` fails with ONNX_RUNTIME_UNAVAILABLE.
 */

/** The part of `@huggingface/transformers` this adapter uses. */
export interface TransformersModule {
  readonly env: { allowRemoteModels: boolean; allowLocalModels: boolean; localModelPath: string };
  pipeline(
    task: 'feature-extraction',
    model: string,
    options: { local_files_only: boolean; dtype: string },
  ): Promise<FeatureExtractor>;
}

/** A feature-extraction pipeline: texts in, a [batch, dim] tensor out. */
export type FeatureExtractor = (
  texts: string[],
  options: { pooling: 'mean'; normalize: boolean },
) => Promise<{ readonly dims: readonly number[]; readonly data: ArrayLike<number> }>;

// A variable specifier keeps bundlers from pulling the optional package into Lambda bundles.
const TRANSFORMERS_PACKAGE = '@huggingface/transformers';

/** Loads the optional package (ESM under Node; the CommonJS build where code is compiled to it). */
export const loadTransformers = async (): Promise<TransformersModule> =>
  (await import(TRANSFORMERS_PACKAGE)) as TransformersModule;

export interface OnnxEmbedderOptions {
  /** The model directory (ONNX_MODEL_DIR). */
  readonly modelDir: string;
  /** Text prepended per purpose, for models trained with prompts (e5: `query: ` / `passage: `). */
  readonly queryPrefix?: string;
  readonly documentPrefix?: string;
  /** Texts per model call (default 16). */
  readonly batchSize?: number;
  /** ONNX weights variant: `fp32` reads onnx/model.onnx, `q8` onnx/model_quantized.onnx. */
  readonly dtype?: 'fp32' | 'fp16' | 'q8' | 'int8' | 'uint8' | 'q4';
  /** Injected in tests; defaults to importing `@huggingface/transformers`. */
  readonly loadTransformers?: () => Promise<TransformersModule>;
}

function readHiddenSize(modelDir: string): number {
  let config: unknown;
  try {
    config = JSON.parse(readFileSync(resolve(modelDir, 'config.json'), 'utf8'));
  } catch (error) {
    throw new AppError(
      'ONNX_MODEL_INVALID',
      500,
      `ONNX model directory ${modelDir} has no readable config.json.`,
      { cause: error },
    );
  }
  const size =
    typeof config === 'object' && config !== null && 'hidden_size' in config
      ? config.hidden_size
      : undefined;
  if (typeof size !== 'number' || !Number.isInteger(size) || size <= 0) {
    throw new AppError(
      'ONNX_MODEL_INVALID',
      500,
      `ONNX model config.json in ${modelDir} has no positive integer hidden_size.`,
    );
  }
  return size;
}

/** See the module comment. */
export class OnnxEmbedder implements Embedder {
  readonly dimensions: number;
  readonly modelId: string;
  private readonly modelDir: string;
  private readonly options: OnnxEmbedderOptions;
  private extractor: Promise<FeatureExtractor> | undefined;

  /** Reads `config.json` now (dimensions must be known before the first call). */
  constructor(options: OnnxEmbedderOptions) {
    this.options = options;
    this.modelDir = resolve(options.modelDir);
    this.dimensions = readHiddenSize(this.modelDir);
    this.modelId = `onnx-${basename(this.modelDir)}-${options.dtype ?? 'fp32'}`;
  }

  private load(): Promise<FeatureExtractor> {
    this.extractor ??= this.createExtractor().catch((error: unknown) => {
      this.extractor = undefined; // a failed load may succeed later (e.g. files copied meanwhile)
      throw error;
    });
    return this.extractor;
  }

  private async createExtractor(): Promise<FeatureExtractor> {
    let transformers: TransformersModule;
    try {
      transformers = await (this.options.loadTransformers ?? loadTransformers)();
    } catch (error) {
      throw new AppError(
        'ONNX_RUNTIME_UNAVAILABLE',
        500,
        'EMBEDDINGS_PROVIDER=onnx needs the optional package @huggingface/transformers with a ' +
          'working onnxruntime-node; it could not be loaded.',
        { cause: error },
      );
    }
    // The env is process-wide: set right before loading, and a model id is resolved against it
    // immediately, so embedders over different directories do not disturb each other.
    transformers.env.allowRemoteModels = false;
    transformers.env.allowLocalModels = true;
    transformers.env.localModelPath = `${dirname(this.modelDir)}/`;
    try {
      return await transformers.pipeline('feature-extraction', basename(this.modelDir), {
        local_files_only: true,
        dtype: this.options.dtype ?? 'fp32',
      });
    } catch (error) {
      throw new AppError(
        'ONNX_MODEL_INVALID',
        500,
        `The ONNX model in ${this.modelDir} could not be loaded.`,
        { cause: error },
      );
    }
  }

  async embed(
    texts: readonly string[],
    options: { purpose: EmbeddingPurpose; signal?: AbortSignal },
  ): Promise<number[][]> {
    options.signal?.throwIfAborted();
    texts.forEach((text, position) => {
      if (text.trim() === '') {
        throw new ValidationError(`Text ${position} to embed is empty.`, {
          code: 'EMBEDDING_TEXT_EMPTY',
          details: { position },
        });
      }
    });
    if (texts.length === 0) return [];
    const extractor = await this.load();
    const prefix =
      (options.purpose === 'query' ? this.options.queryPrefix : this.options.documentPrefix) ?? '';
    const batchSize = this.options.batchSize ?? 16;
    const vectors: number[][] = [];
    for (let start = 0; start < texts.length; start += batchSize) {
      options.signal?.throwIfAborted();
      const batch = texts.slice(start, start + batchSize).map((text) => `${prefix}${text}`);
      const output = await extractor(batch, { pooling: 'mean', normalize: true });
      const width = output.dims.at(-1);
      if (
        output.dims.length !== 2 ||
        output.dims[0] !== batch.length ||
        width !== this.dimensions
      ) {
        throw new AppError(
          'ONNX_MODEL_INVALID',
          500,
          `The ONNX model returned shape [${output.dims.join(', ')}], expected [${batch.length}, ${this.dimensions}].`,
        );
      }
      for (let row = 0; row < batch.length; row += 1) {
        vectors.push(Array.from({ length: width }, (_, d) => output.data[row * width + d] ?? 0));
      }
    }
    return vectors;
  }
}

/** Builds the ONNX embedder; throws ONNX_MODEL_INVALID when the directory has no usable config. */
export function createOnnxEmbedder(options: OnnxEmbedderOptions): OnnxEmbedder {
  return new OnnxEmbedder(options);
}
