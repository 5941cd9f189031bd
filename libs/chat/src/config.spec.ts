import { ConfigError, loadConfig } from '@lgm/core';

import { chatServiceConfigSchema, defaultModelIdOf } from './config';
import { DEFAULT_TURN_ENGINE_SETTINGS } from './engine/engine-deps';

const minimal = {
  DATABASE_URL: 'postgres://lgm:lgm@127.0.0.1:5432/lgm',
  SESSIONS_TABLE: 'lgm-sessions',
  CONNECTIONS_TABLE: 'lgm-connections',
  MCP_TOOLS_TABLE: 'lgm-mcp-tools',
  DOCUMENTS_BUCKET: 'lgm-documents',
  ARTIFACTS_BUCKET: 'lgm-artifacts',
};

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(chatServiceConfigSchema, env);
  } catch (error) {
    if (error instanceof ConfigError) return error.issues.map((issue) => issue.key);
    throw error;
  }
  return [];
}

describe('chat service config', () => {
  it('runs offline with the defaults', () => {
    const config = loadConfig(chatServiceConfigSchema, minimal);

    expect(config).toMatchObject({
      LLM_PROVIDER: 'extractive',
      EMBEDDINGS_PROVIDER: 'local',
      AWS_REGION: 'us-east-1',
      DATABASE_POOL_SIZE: 1,
      MCP_ALLOW_PRIVATE_NETWORKS: false,
      MCP_TOOL_TIMEOUT_MS: 30_000,
      TURN_MAX_STEPS: 5,
      TURN_TIME_LIMIT_SECONDS: 300,
      TURN_EVENT_TTL_SECONDS: 86_400,
      TURN_HISTORY_MESSAGES: 20,
      TURN_MAX_OUTPUT_TOKENS: 4_096,
      PROMPT_BUDGET_TOKENS: 16_000,
    });
    expect(defaultModelIdOf(config)).toBe('extractive-v1');
  });

  it('reads the AWS shape: a database secret, Bedrock and the MCP switches', () => {
    const config = loadConfig(chatServiceConfigSchema, {
      ...minimal,
      DATABASE_URL: '',
      DATABASE_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:db',
      DATABASE_HOST: 'db.example.internal',
      DATABASE_NAME: 'lgm',
      LLM_PROVIDER: 'bedrock',
      BEDROCK_REGION: 'us-east-1',
      MCP_ALLOW_PRIVATE_NETWORKS: 'true',
      TURN_MAX_STEPS: '0',
    });

    expect(config.DATABASE_URL).toBeUndefined();
    expect(config.MCP_ALLOW_PRIVATE_NETWORKS).toBe(true);
    expect(config.TURN_MAX_STEPS).toBe(0);
    expect(defaultModelIdOf(config)).toBe('claude-haiku-4-5');
    expect(defaultModelIdOf({ ...config, DEFAULT_MODEL_ID: 'nova-pro' })).toBe('nova-pro');
  });

  it('reads the turn engine tunables, with the engine defaults when unset', () => {
    expect(loadConfig(chatServiceConfigSchema, minimal)).toMatchObject({
      TURN_CANCEL_POLL_MS: DEFAULT_TURN_ENGINE_SETTINGS.cancelPollMs,
      TURN_FLUSH_INTERVAL_MS: DEFAULT_TURN_ENGINE_SETTINGS.flushIntervalMs,
      TURN_FLUSH_EVENTS: DEFAULT_TURN_ENGINE_SETTINGS.flushMaxEvents,
    });
    expect(
      loadConfig(chatServiceConfigSchema, {
        ...minimal,
        TURN_CANCEL_POLL_MS: '2000',
        TURN_FLUSH_INTERVAL_MS: '500',
        TURN_FLUSH_EVENTS: '',
      }),
    ).toMatchObject({
      TURN_CANCEL_POLL_MS: 2000,
      TURN_FLUSH_INTERVAL_MS: 500,
      TURN_FLUSH_EVENTS: DEFAULT_TURN_ENGINE_SETTINGS.flushMaxEvents,
    });
    expect(
      problems({
        ...minimal,
        TURN_CANCEL_POLL_MS: '5',
        TURN_FLUSH_INTERVAL_MS: '1 s',
        TURN_FLUSH_EVENTS: '0',
      }).sort(),
    ).toEqual(['TURN_CANCEL_POLL_MS', 'TURN_FLUSH_EVENTS', 'TURN_FLUSH_INTERVAL_MS']);
  });

  it('reports every bad key at once', () => {
    expect(
      problems({
        ...minimal,
        DATABASE_URL: '',
        SESSIONS_TABLE: 'x',
        DOCUMENTS_BUCKET: 'Not_A_Bucket',
        DYNAMODB_ENDPOINT: 'ftp://local',
        LLM_PROVIDER: 'bedrock',
        MCP_ALLOW_PRIVATE_NETWORKS: 'yes',
        TURN_MAX_STEPS: '99',
        TURN_MAX_OUTPUT_TOKENS: '9000',
      }).sort(),
    ).toEqual(
      [
        'BEDROCK_REGION',
        'DATABASE_URL',
        'DOCUMENTS_BUCKET',
        'DYNAMODB_ENDPOINT',
        'MCP_ALLOW_PRIVATE_NETWORKS',
        'SESSIONS_TABLE',
        'TURN_MAX_OUTPUT_TOKENS',
        'TURN_MAX_STEPS',
      ].sort(),
    );
    expect(problems({})).toEqual(
      expect.arrayContaining([
        'SESSIONS_TABLE',
        'CONNECTIONS_TABLE',
        'MCP_TOOLS_TABLE',
        'DOCUMENTS_BUCKET',
        'ARTIFACTS_BUCKET',
        'DATABASE_URL',
      ]),
    );
  });
});
