import { EXTRACTIVE_MODEL_ID, findModel, type LlmProvider, MODEL_CATALOG } from '@lgm/bedrock';
import type { ModelInfo } from '@lgm/contracts';

import type { ModelChoices } from './deps';

/** What decides which models sessions may use. */
export interface ModelChoiceSettings {
  readonly provider: LlmProvider;
  /** The one model an OpenAI-compatible server runs. */
  readonly openAiChatModel?: string | undefined;
  /** The model of new sessions (`ChatRuntime.defaultModelId`). */
  readonly defaultModel: string;
}

/**
 * The models the configured provider can run: Bedrock's catalog chat models, the one model an
 * OpenAI-compatible server was configured with, or the extractive model offline. A default model
 * outside that list (a Bedrock inference profile named by DEFAULT_MODEL_ID) is offered too.
 */
export function modelChoices(settings: ModelChoiceSettings): ModelChoices {
  const models = availableModels(settings);
  if (!models.some((model) => model.id === settings.defaultModel)) {
    models.unshift(describe(settings.defaultModel));
  }
  return { provider: settings.provider, defaultModel: settings.defaultModel, models };
}

function availableModels(settings: ModelChoiceSettings): ModelInfo[] {
  switch (settings.provider) {
    case 'bedrock':
      return MODEL_CATALOG.filter((entry) => entry.kind === 'chat').map((entry) =>
        describe(entry.id),
      );
    case 'openai':
      return settings.openAiChatModel === undefined ? [] : [describe(settings.openAiChatModel)];
    case 'extractive':
      return [describe(EXTRACTIVE_MODEL_ID)];
  }
}

function describe(id: string): ModelInfo {
  if (id === EXTRACTIVE_MODEL_ID) {
    return {
      id,
      displayName: 'Extractive answers from your documents (no LLM configured)',
      contextWindow: null,
      supportsTools: false,
      supportsImages: false,
      inputPricePer1k: 0,
      outputPricePer1k: 0,
    };
  }
  const entry = findModel(id);
  if (entry === undefined || entry.kind !== 'chat') {
    return {
      id,
      displayName: id,
      contextWindow: null,
      supportsTools: true,
      supportsImages: false,
      inputPricePer1k: null,
      outputPricePer1k: null,
    };
  }
  return {
    id,
    displayName: entry.displayName,
    contextWindow: entry.contextWindow,
    supportsTools: entry.supportsTools,
    supportsImages: entry.supportsImages,
    inputPricePer1k: entry.inputPricePer1k,
    outputPricePer1k: entry.outputPricePer1k,
  };
}
