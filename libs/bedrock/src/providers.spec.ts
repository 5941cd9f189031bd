import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ConfigError, loadConfig } from '@lgm/core';
import { findWorkspaceRoot } from '@lgm/testing';

import { BedrockChatModel } from './bedrock-chat-model';
import { CohereEmbedder } from './bedrock-cohere-embedder';
import { modelSettingsSchema } from './config';
import { ExtractiveChatModel } from './extractive-chat-model';
import { LOCAL_EMBEDDER_MODEL_ID, LocalEmbedder } from './local-embedder';
import { OnnxEmbedder } from './onnx-embedder';
import { writeTinyBertModel } from './onnx-test-model';
import { OpenAiEmbedder } from './openai-embedder';
import { createChatModel, createEmbedder } from './providers';
import { TitanEmbedder } from './titan-embedder';

const root = findWorkspaceRoot();

function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(modelSettingsSchema, env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('modelSettingsSchema', () => {
  it('defaults to the offline providers', () => {
    const settings = loadConfig(modelSettingsSchema, {});
    expect(settings).toMatchObject({
      LLM_PROVIDER: 'extractive',
      EMBEDDINGS_PROVIDER: 'local',
      TITAN_DIMENSIONS: 1024,
    });
  });

  it('names every bad key in one error, including cross-field ones', () => {
    const error = configError({
      LLM_PROVIDER: 'gpt',
      EMBEDDINGS_PROVIDER: 'onnx',
      TITAN_DIMENSIONS: '768',
      BEDROCK_ENDPOINT: 'not a url',
      BEDROCK_GUARDRAIL_ID: 'gr-1',
      OPENAI_API_KEY: 'sk-secret-value',
    });
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.issues.map((issue) => issue.key).sort()).toEqual([
      'BEDROCK_ENDPOINT',
      'BEDROCK_GUARDRAIL_VERSION',
      'LLM_PROVIDER',
      'ONNX_MODEL_DIR',
      'TITAN_DIMENSIONS',
    ]);
    expect(error.message).toContain('ONNX_MODEL_DIR: is required when EMBEDDINGS_PROVIDER=onnx');
    expect(error.message).not.toContain('sk-secret-value');
  });

  it('requires what each remote provider needs', () => {
    const openai = configError({ LLM_PROVIDER: 'openai', EMBEDDINGS_PROVIDER: 'openai' });
    expect(openai.issues.map((issue) => issue.key).sort()).toEqual([
      'OPENAI_BASE_URL',
      'OPENAI_BASE_URL',
      'OPENAI_CHAT_MODEL',
      'OPENAI_EMBEDDING_DIMENSIONS',
      'OPENAI_EMBEDDING_MODEL',
    ]);
    const bedrock = configError({ LLM_PROVIDER: 'bedrock', BEDROCK_REGION: '' });
    expect(bedrock.issues).toEqual([
      {
        key: 'BEDROCK_REGION',
        message: expect.stringContaining('is required when LLM_PROVIDER=bedrock') as string,
      },
    ]);
  });
});

describe('createChatModel / createEmbedder', () => {
  it('builds the extractive model and the local embedder by default', async () => {
    const settings = loadConfig(modelSettingsSchema, {});
    expect(createChatModel(settings)).toBeInstanceOf(ExtractiveChatModel);
    const embedder = createEmbedder(settings, { assetsSearchFrom: join(root, 'apps') });
    expect(embedder).toBeInstanceOf(LocalEmbedder);
    expect(embedder.modelId).toBe(LOCAL_EMBEDDER_MODEL_ID);
    await expect(embedder.embed(['hello world'], { purpose: 'query' })).resolves.toHaveLength(1);
  });

  it('builds the Bedrock adapters against the configured region and endpoint', () => {
    const settings = loadConfig(modelSettingsSchema, {
      LLM_PROVIDER: 'bedrock',
      EMBEDDINGS_PROVIDER: 'bedrock-titan',
      BEDROCK_REGION: 'us-east-1',
      BEDROCK_ENDPOINT: 'http://127.0.0.1:4010',
      BEDROCK_GUARDRAIL_ID: 'gr-1',
      BEDROCK_GUARDRAIL_VERSION: '2',
      TITAN_DIMENSIONS: '512',
    });
    expect(createChatModel(settings)).toBeInstanceOf(BedrockChatModel);
    const titan = createEmbedder(settings);
    expect(titan).toBeInstanceOf(TitanEmbedder);
    expect(titan.dimensions).toBe(512);
    const cohere = createEmbedder({ ...settings, EMBEDDINGS_PROVIDER: 'bedrock-cohere' });
    expect(cohere).toBeInstanceOf(CohereEmbedder);
  });

  it('sends every OpenAI-compatible chat request to the configured model', async () => {
    const bodies: unknown[] = [];
    const fetchStub: typeof fetch = (_input, init) => {
      bodies.push(JSON.parse(String(init?.body)));
      return Promise.resolve(
        Response.json({
          choices: [
            { index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' },
          ],
          usage: { prompt_tokens: 1, completion_tokens: 1 },
        }),
      );
    };
    const settings = loadConfig(modelSettingsSchema, {
      LLM_PROVIDER: 'openai',
      EMBEDDINGS_PROVIDER: 'openai',
      OPENAI_BASE_URL: 'http://127.0.0.1:11434/v1',
      OPENAI_CHAT_MODEL: 'llama3.1:8b',
      OPENAI_EMBEDDING_MODEL: 'nomic-embed-text',
      OPENAI_EMBEDDING_DIMENSIONS: '768',
    });
    const model = createChatModel(settings, { fetch: fetchStub });
    await model.complete({
      modelId: 'anthropic.claude-3-haiku',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'hello' }] }],
    });
    expect(bodies[0]).toMatchObject({ model: 'llama3.1:8b' });
    const embedder = createEmbedder(settings, { fetch: fetchStub });
    expect(embedder).toBeInstanceOf(OpenAiEmbedder);
    expect(embedder.dimensions).toBe(768);
  });

  it('builds the ONNX embedder from its model directory', () => {
    const dir = writeTinyBertModel(join(mkdtempSync(join(tmpdir(), 'lgm-onnx-')), 'tiny'));
    const settings = loadConfig(modelSettingsSchema, {
      EMBEDDINGS_PROVIDER: 'onnx',
      ONNX_MODEL_DIR: dir,
    });
    const embedder = createEmbedder(settings);
    expect(embedder).toBeInstanceOf(OnnxEmbedder);
    expect(embedder.dimensions).toBe(8);
  });
});
