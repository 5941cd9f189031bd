import { ConfigError } from '@lgm/core';

import { BedrockChatModel, type BedrockRuntimeClientLike } from './bedrock-chat-model';
import { createBedrockRuntimeClient } from './bedrock-client';
import { CohereEmbedder } from './bedrock-cohere-embedder';
import type { ModelSettings } from './config';
import { ExtractiveChatModel } from './extractive-chat-model';
import { findLocalEmbedderAssets, LocalEmbedder } from './local-embedder';
import { OnnxEmbedder, type TransformersModule } from './onnx-embedder';
import { OpenAiChatModel } from './openai-chat-model';
import { OpenAiEmbedder } from './openai-embedder';
import type { ChatModel, ChatRequest, ChatStreamEvent, Embedder } from './ports';
import { TitanEmbedder } from './titan-embedder';

/**
 * Provider selection: builds the ChatModel and Embedder the settings name. Composition roots call
 * these once at start-up; tests inject clients and transports through `deps`.
 */

export interface ProviderDeps {
  /** A Bedrock Runtime client to share (tests, the emulator); built from the settings otherwise. */
  readonly bedrockClient?: BedrockRuntimeClientLike;
  /** `fetch` for the OpenAI-compatible adapters (tests, proxies). */
  readonly fetch?: typeof fetch;
  /**
   * Where to start looking for the local embedder's asset when LOCAL_EMBEDDER_ASSETS_DIR is unset:
   * the entry file's directory or the working directory (see findLocalEmbedderAssets).
   */
  readonly assetsSearchFrom?: string;
  /** Replaces the dynamic import of `@huggingface/transformers` (tests). */
  readonly loadTransformers?: () => Promise<TransformersModule>;
}

function bedrockClient(settings: ModelSettings, deps: ProviderDeps): BedrockRuntimeClientLike {
  if (deps.bedrockClient !== undefined) return deps.bedrockClient;
  // checkModelSettings guarantees the region whenever a Bedrock provider is chosen.
  return createBedrockRuntimeClient({
    region: settings.BEDROCK_REGION ?? '',
    ...(settings.BEDROCK_ENDPOINT === undefined ? {} : { endpoint: settings.BEDROCK_ENDPOINT }),
  });
}

/**
 * An OpenAI-compatible server serves the one model it was configured with: every request goes to
 * OPENAI_CHAT_MODEL whatever catalog id the turn engine asked for.
 */
class FixedModelChatModel implements ChatModel {
  constructor(
    private readonly inner: ChatModel,
    private readonly modelId: string,
  ) {}

  stream(request: ChatRequest): AsyncIterable<ChatStreamEvent> {
    return this.inner.stream({ ...request, modelId: this.modelId });
  }

  complete(request: ChatRequest): ReturnType<ChatModel['complete']> {
    return this.inner.complete({ ...request, modelId: this.modelId });
  }
}

/**
 * The ChatModel of LLM_PROVIDER.
 *
 * @example
 * const chatModel = createChatModel(loadConfig(modelSettingsSchema, process.env));
 */
export function createChatModel(settings: ModelSettings, deps: ProviderDeps = {}): ChatModel {
  switch (settings.LLM_PROVIDER) {
    case 'bedrock': {
      const guardrail =
        settings.BEDROCK_GUARDRAIL_ID !== undefined &&
        settings.BEDROCK_GUARDRAIL_VERSION !== undefined
          ? { id: settings.BEDROCK_GUARDRAIL_ID, version: settings.BEDROCK_GUARDRAIL_VERSION }
          : undefined;
      return new BedrockChatModel({
        client: bedrockClient(settings, deps),
        ...(guardrail === undefined ? {} : { guardrail }),
      });
    }
    case 'openai':
      return new FixedModelChatModel(
        new OpenAiChatModel({
          baseUrl: settings.OPENAI_BASE_URL ?? '',
          ...(settings.OPENAI_API_KEY === undefined ? {} : { apiKey: settings.OPENAI_API_KEY }),
          ...(deps.fetch === undefined ? {} : { fetch: deps.fetch }),
        }),
        settings.OPENAI_CHAT_MODEL ?? '',
      );
    case 'extractive':
      return new ExtractiveChatModel();
  }
}

/**
 * The Embedder of EMBEDDINGS_PROVIDER. The local one checks now that its asset exists, so a
 * broken deployment fails at start-up rather than on the first upload.
 */
export function createEmbedder(settings: ModelSettings, deps: ProviderDeps = {}): Embedder {
  switch (settings.EMBEDDINGS_PROVIDER) {
    case 'bedrock-titan':
      return new TitanEmbedder({
        client: bedrockClient(settings, deps),
        dimensions: settings.TITAN_DIMENSIONS,
      });
    case 'bedrock-cohere':
      return new CohereEmbedder({ client: bedrockClient(settings, deps) });
    case 'openai':
      return new OpenAiEmbedder({
        baseUrl: settings.OPENAI_BASE_URL ?? '',
        model: settings.OPENAI_EMBEDDING_MODEL ?? '',
        dimensions: settings.OPENAI_EMBEDDING_DIMENSIONS ?? 0,
        ...(settings.OPENAI_API_KEY === undefined ? {} : { apiKey: settings.OPENAI_API_KEY }),
        ...(deps.fetch === undefined ? {} : { fetch: deps.fetch }),
      });
    case 'onnx':
      return new OnnxEmbedder({
        modelDir: settings.ONNX_MODEL_DIR ?? '',
        ...(deps.loadTransformers === undefined ? {} : { loadTransformers: deps.loadTransformers }),
      });
    case 'local':
      return new LocalEmbedder({
        assetsDir:
          settings.LOCAL_EMBEDDER_ASSETS_DIR ??
          findLocalEmbedderAssets(deps.assetsSearchFrom ?? process.cwd()),
      });
  }
}

/**
 * The vector column is `vector(EMBEDDING_DIMENSIONS)`: an embedder of another size would fail on
 * every insert and search, so a service refuses to start with one.
 * @throws ConfigError naming EMBEDDING_DIMENSIONS.
 */
export function checkEmbeddingDimensions(embedder: Embedder, expected: number | undefined): void {
  if (expected === undefined || expected === embedder.dimensions) return;
  throw new ConfigError([
    {
      key: 'EMBEDDING_DIMENSIONS',
      message: `is ${expected}, but ${embedder.modelId} returns ${embedder.dimensions} dimensions`,
    },
  ]);
}
