import { checkModelSettings, EXTRACTIVE_MODEL_ID, modelSettingsShape } from '@lgm/bedrock';
import { checkDatabaseSettings, databaseSettingsShape } from '@lgm/persistence';
import * as z from 'zod';

import { DEFAULT_TURN_ENGINE_SETTINGS } from './engine/engine-deps';

/**
 * The environment every chat service reads (chat-api, ws-gateway and its turn worker), so they
 * compose the same runtime from the same keys. Merge {@link chatServiceConfigShape} into the
 * app's schema and refine it with {@link checkChatServiceConfig}:
 *
 * @example
 * export const configSchema = httpConfigSchema
 *   .extend(chatServiceConfigShape)
 *   .extend({ AUTH_ISSUER: z.url() })
 *   .superRefine(checkChatServiceConfig, { when: () => true });
 */

// `KEY=` in an .env file means "not set".
const blankAsUnset = (value: unknown): unknown =>
  typeof value === 'string' && value.trim() === '' ? undefined : value;
const optional = <T extends z.ZodType>(schema: T) => z.preprocess(blankAsUnset, schema.optional());
const withDefault = <T extends z.ZodType>(schema: T) => z.preprocess(blankAsUnset, schema);
const wholeNumber = (min: number, max: number, fallback: number) =>
  withDefault(z.coerce.number().int().min(min).max(max).default(fallback));
const flag = (fallback: boolean) =>
  withDefault(
    z
      .enum(['true', 'false'], { error: 'must be true or false' })
      .default(fallback ? 'true' : 'false')
      .transform((value) => value === 'true'),
  );

/** DynamoDB table names: 3–255 of letters, digits, `_`, `-`, `.`. */
const tableName = z.string().regex(/^[A-Za-z0-9_.-]{3,255}$/, 'must be a DynamoDB table name');
/** S3 bucket names (the general-purpose rules). */
const bucketName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name');
const endpoint = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });

/** The keys, each validated on its own; cross-field rules live in {@link checkChatServiceConfig}. */
export const chatServiceConfigShape = {
  ...modelSettingsShape,
  ...databaseSettingsShape,
  AWS_REGION: withDefault(z.string().min(1).default('us-east-1')),
  SESSIONS_TABLE: tableName,
  CONNECTIONS_TABLE: tableName,
  MCP_TOOLS_TABLE: tableName,
  /** The local DynamoDB; absent on AWS. */
  DYNAMODB_ENDPOINT: optional(endpoint),
  DOCUMENTS_BUCKET: bucketName,
  ARTIFACTS_BUCKET: bucketName,
  /** The local S3; absent on AWS. */
  S3_ENDPOINT: optional(endpoint),
  /** The vector column's size; when set, the embedder must produce exactly this many. */
  EMBEDDING_DIMENSIONS: optional(z.coerce.number().int().min(1).max(16_000)),
  /**
   * Model of new sessions (a catalog id, a Bedrock model id or inference profile). Unset: the
   * extractive model, OPENAI_CHAT_MODEL, or `claude-haiku-4-5` on Bedrock.
   */
  DEFAULT_MODEL_ID: optional(
    z
      .string()
      .max(256)
      .regex(/^[A-Za-z0-9._:/@+-]+$/, 'must be a model id'),
  ),
  /** Let users register MCP servers on private and loopback addresses (the dev stack only). */
  MCP_ALLOW_PRIVATE_NETWORKS: flag(false),
  /** Budget of one MCP tool call (connect and call). */
  MCP_TOOL_TIMEOUT_MS: wholeNumber(100, 300_000, 30_000),
  /** Tool rounds a turn may run before the model must answer. */
  TURN_MAX_STEPS: wholeNumber(0, 20, 5),
  /** A turn running longer fails with TURN_TIMEOUT (a Lambda worker allows up to 900 s). */
  TURN_TIME_LIMIT_SECONDS: wholeNumber(10, 900, 300),
  /** How long turn events and records stay for `resume`. */
  TURN_EVENT_TTL_SECONDS: wholeNumber(60, 30 * 86_400, 86_400),
  /** Earlier messages the model sees. */
  TURN_HISTORY_MESSAGES: wholeNumber(0, 200, 20),
  /** Answer tokens per model call. */
  TURN_MAX_OUTPUT_TOKENS: wholeNumber(16, 64_000, 4_096),
  /** Token budget of a prompt plus its answer (history and passages are trimmed to fit). */
  PROMPT_BUDGET_TOKENS: wholeNumber(1_024, 1_000_000, 16_000),
  /**
   * How often a process reads the stored cancel flags of the turns it runs (one batched read for
   * all of them): how soon a cancel sent to another process (chat-api's REST cancel, the socket
   * Lambda) stops a turn. A cancel sent to the process running the turn acts at once.
   */
  TURN_CANCEL_POLL_MS: wholeNumber(50, 60_000, DEFAULT_TURN_ENGINE_SETTINGS.cancelPollMs),
  /** Longest time a turn event waits before it is stored (what `resume` from the store sees). */
  TURN_FLUSH_INTERVAL_MS: wholeNumber(10, 10_000, DEFAULT_TURN_ENGINE_SETTINGS.flushIntervalMs),
  /** Pending events that make a turn store at once (BatchWriteItem writes 25 per call). */
  TURN_FLUSH_EVENTS: wholeNumber(1, 1_000, DEFAULT_TURN_ENGINE_SETTINGS.flushMaxEvents),
};

type ChatServiceConfigInput = z.output<z.ZodObject<typeof chatServiceConfigShape>>;

/**
 * Cross-field rules: the model settings' (what each provider needs) and the database's (a URL or
 * a secret with its host and name; one of them is required).
 */
export function checkChatServiceConfig(
  settings: ChatServiceConfigInput,
  ctx: z.RefinementCtx,
): void {
  checkModelSettings(settings, ctx);
  checkDatabaseSettings(settings, ctx, { required: true });
  const output = settings.TURN_MAX_OUTPUT_TOKENS;
  const budget = settings.PROMPT_BUDGET_TOKENS;
  if (typeof output === 'number' && typeof budget === 'number' && output * 2 >= budget) {
    ctx.addIssue({
      code: 'custom',
      path: ['TURN_MAX_OUTPUT_TOKENS'],
      message: 'must be less than half of PROMPT_BUDGET_TOKENS',
    });
  }
}

/** The chat services' settings as parsed (apps' configs extend it). */
export type ChatServiceConfig = ChatServiceConfigInput;

/** The schema of the shared keys alone (tests, tools); apps extend the shape instead. */
export const chatServiceConfigSchema = z
  .object(chatServiceConfigShape)
  .superRefine(checkChatServiceConfig, { when: () => true });

/** Model of new sessions when DEFAULT_MODEL_ID is unset: what the configured provider serves. */
export function defaultModelIdOf(config: ChatServiceConfig): string {
  if (config.DEFAULT_MODEL_ID !== undefined) return config.DEFAULT_MODEL_ID;
  switch (config.LLM_PROVIDER) {
    case 'extractive':
      return EXTRACTIVE_MODEL_ID;
    case 'openai':
      return config.OPENAI_CHAT_MODEL ?? EXTRACTIVE_MODEL_ID;
    case 'bedrock':
      return 'claude-haiku-4-5';
  }
}
