/**
 * The models LGM knows: what each can do and what it costs, so every turn's usage converts to
 * dollars. Prices are on-demand list prices in USD per 1,000 tokens for us-east-1, as published on
 * the Amazon Bedrock pricing page and public pricing summaries found on 2026-11-26. They change:
 * treat them as estimates and update them here.
 */
import { ValidationError } from '@lgm/core';

import type { TokenUsage } from './ports';

/** One model in the catalog. */
export interface ModelCatalogEntry {
  /** Our stable id (what `ChatRequest.modelId` and config name). */
  readonly id: string;
  /** Bedrock model id or cross-region inference profile id (`us.` prefix) to invoke. */
  readonly bedrockModelId: string;
  readonly displayName: string;
  readonly kind: 'chat' | 'embedding';
  /** Input tokens the model accepts in one request. */
  readonly contextWindow: number;
  /** Largest `maxTokens` the model accepts (0 for embedding models). */
  readonly maxOutputTokens: number;
  readonly supportsTools: boolean;
  readonly supportsImages: boolean;
  readonly supportsDocuments: boolean;
  /** USD per 1,000 input tokens. */
  readonly inputPricePer1k: number;
  /** USD per 1,000 output tokens (0 for embedding models). */
  readonly outputPricePer1k: number;
}

const chat = (
  entry: Omit<ModelCatalogEntry, 'kind' | 'supportsTools'> & { supportsTools?: boolean },
): ModelCatalogEntry => ({ kind: 'chat', supportsTools: true, ...entry });

const embedding = (
  entry: Pick<
    ModelCatalogEntry,
    'id' | 'bedrockModelId' | 'displayName' | 'contextWindow' | 'inputPricePer1k'
  >,
): ModelCatalogEntry => ({
  kind: 'embedding',
  maxOutputTokens: 0,
  supportsTools: false,
  supportsImages: false,
  supportsDocuments: false,
  outputPricePer1k: 0,
  ...entry,
});

/** Every model LGM can be configured with. */
export const MODEL_CATALOG: readonly ModelCatalogEntry[] = [
  chat({
    id: 'claude-sonnet-4-5',
    bedrockModelId: 'us.anthropic.claude-sonnet-4-5-20250929-v1:0',
    displayName: 'Anthropic Claude Sonnet 4.5',
    contextWindow: 200_000,
    maxOutputTokens: 64_000,
    supportsImages: true,
    supportsDocuments: true,
    inputPricePer1k: 0.003,
    outputPricePer1k: 0.015,
  }),
  chat({
    id: 'claude-haiku-4-5',
    bedrockModelId: 'us.anthropic.claude-haiku-4-5-20251001-v1:0',
    displayName: 'Anthropic Claude Haiku 4.5',
    contextWindow: 200_000,
    maxOutputTokens: 64_000,
    supportsImages: true,
    supportsDocuments: true,
    inputPricePer1k: 0.001,
    outputPricePer1k: 0.005,
  }),
  chat({
    id: 'claude-3-5-haiku',
    bedrockModelId: 'us.anthropic.claude-3-5-haiku-20241022-v1:0',
    displayName: 'Anthropic Claude 3.5 Haiku',
    contextWindow: 200_000,
    maxOutputTokens: 8_192,
    supportsImages: false,
    supportsDocuments: true,
    inputPricePer1k: 0.0008,
    outputPricePer1k: 0.004,
  }),
  chat({
    id: 'nova-pro',
    bedrockModelId: 'us.amazon.nova-pro-v1:0',
    displayName: 'Amazon Nova Pro',
    contextWindow: 300_000,
    maxOutputTokens: 10_000,
    supportsImages: true,
    supportsDocuments: true,
    inputPricePer1k: 0.0008,
    outputPricePer1k: 0.0032,
  }),
  chat({
    id: 'nova-lite',
    bedrockModelId: 'us.amazon.nova-lite-v1:0',
    displayName: 'Amazon Nova Lite',
    contextWindow: 300_000,
    maxOutputTokens: 10_000,
    supportsImages: true,
    supportsDocuments: true,
    inputPricePer1k: 0.00006,
    outputPricePer1k: 0.00024,
  }),
  chat({
    id: 'nova-micro',
    bedrockModelId: 'us.amazon.nova-micro-v1:0',
    displayName: 'Amazon Nova Micro',
    contextWindow: 128_000,
    maxOutputTokens: 10_000,
    supportsImages: false,
    supportsDocuments: false,
    inputPricePer1k: 0.000035,
    outputPricePer1k: 0.00014,
  }),
  embedding({
    id: 'titan-embed-text-v2',
    bedrockModelId: 'amazon.titan-embed-text-v2:0',
    displayName: 'Amazon Titan Text Embeddings V2',
    contextWindow: 8_192,
    inputPricePer1k: 0.00002,
  }),
  embedding({
    id: 'cohere-embed-english-v3',
    bedrockModelId: 'cohere.embed-english-v3',
    displayName: 'Cohere Embed English v3',
    contextWindow: 512,
    inputPricePer1k: 0.0001,
  }),
  embedding({
    id: 'cohere-embed-multilingual-v3',
    bedrockModelId: 'cohere.embed-multilingual-v3',
    displayName: 'Cohere Embed Multilingual v3',
    contextWindow: 512,
    inputPricePer1k: 0.0001,
  }),
];

const byId = new Map<string, ModelCatalogEntry>();
for (const entry of MODEL_CATALOG) {
  byId.set(entry.id, entry);
  byId.set(entry.bedrockModelId, entry);
}

/** The entry for our id or its Bedrock id, or `undefined`. */
export function findModel(modelId: string): ModelCatalogEntry | undefined {
  return byId.get(modelId);
}

/**
 * The entry for our id or its Bedrock id.
 *
 * @throws ValidationError `MODEL_NOT_IN_CATALOG` for an unknown id.
 */
export function getModel(modelId: string): ModelCatalogEntry {
  const entry = byId.get(modelId);
  if (!entry) {
    throw new ValidationError(`Model '${modelId}' is not in the model catalog.`, {
      code: 'MODEL_NOT_IN_CATALOG',
      details: { modelId, known: MODEL_CATALOG.map((model) => model.id) },
    });
  }
  return entry;
}

/**
 * What `usage` cost on `modelId`, in US dollars (list price; see the note at the top).
 *
 * @example
 * costOf('claude-haiku-4-5', { inputTokens: 2_000, outputTokens: 500 }); // 0.0045
 */
export function costOf(modelId: string, usage: TokenUsage): number {
  const entry = getModel(modelId);
  const dollars =
    (usage.inputTokens / 1000) * entry.inputPricePer1k +
    (usage.outputTokens / 1000) * entry.outputPricePer1k;
  // Round away binary noise below a millionth of a cent.
  return Math.round(dollars * 1e8) / 1e8;
}
