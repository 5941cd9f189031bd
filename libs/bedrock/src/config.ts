import * as z from 'zod';

/**
 * The model settings every service reads (chat-api, ws-gateway, doc-ingestor, the turn worker).
 * Parse them with `loadConfig(modelSettingsSchema, env)` from `@lgm/core`, or merge
 * {@link modelSettingsShape} into an app's own schema and apply {@link checkModelSettings}.
 *
 * With nothing set, the platform runs offline: the extractive chat model and the local embedder.
 */

export const LLM_PROVIDERS = ['bedrock', 'openai', 'extractive'] as const;
export const EMBEDDINGS_PROVIDERS = [
  'bedrock-titan',
  'bedrock-cohere',
  'openai',
  'local',
  'onnx',
] as const;

export type LlmProvider = (typeof LLM_PROVIDERS)[number];
export type EmbeddingsProvider = (typeof EMBEDDINGS_PROVIDERS)[number];

// `KEY=` in an .env file means "not set", not "set to the empty string".
const blankAsUnset = (value: unknown): unknown =>
  typeof value === 'string' && value.trim() === '' ? undefined : value;
const optionalText = z.preprocess(blankAsUnset, z.string().trim().min(1).optional());
const optionalUrl = z.preprocess(
  blankAsUnset,
  z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
);

/** The keys, each validated on its own; cross-field rules live in {@link checkModelSettings}. */
export const modelSettingsShape = {
  LLM_PROVIDER: z.preprocess(blankAsUnset, z.enum(LLM_PROVIDERS).default('extractive')),
  EMBEDDINGS_PROVIDER: z.preprocess(blankAsUnset, z.enum(EMBEDDINGS_PROVIDERS).default('local')),
  BEDROCK_REGION: z.preprocess(
    blankAsUnset,
    z
      .string()
      .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region such as us-east-1')
      .optional(),
  ),
  /** Another Bedrock Runtime endpoint: a VPC endpoint, or the local emulator. */
  BEDROCK_ENDPOINT: optionalUrl,
  BEDROCK_GUARDRAIL_ID: optionalText,
  BEDROCK_GUARDRAIL_VERSION: optionalText,
  TITAN_DIMENSIONS: z.preprocess(
    blankAsUnset,
    z
      .enum(['256', '512', '1024'], { error: 'must be 256, 512 or 1024' })
      .default('1024')
      .transform((value) => Number(value) as 256 | 512 | 1024),
  ),
  /** Base URL including the version path, e.g. `http://127.0.0.1:11434/v1` (Ollama). */
  OPENAI_BASE_URL: optionalUrl,
  OPENAI_API_KEY: optionalText,
  OPENAI_CHAT_MODEL: optionalText,
  OPENAI_EMBEDDING_MODEL: optionalText,
  /** The embedding model's vector size (the vector column is built for it). */
  OPENAI_EMBEDDING_DIMENSIONS: z.preprocess(
    blankAsUnset,
    z.coerce.number().int().positive().max(16_384).optional(),
  ),
  /** A Hugging Face model directory with onnx/model.onnx, for EMBEDDINGS_PROVIDER=onnx. */
  ONNX_MODEL_DIR: optionalText,
  /** Where the local embedder's asset is; found from the working directory when unset. */
  LOCAL_EMBEDDER_ASSETS_DIR: optionalText,
};

type ModelSettingsInput = z.output<z.ZodObject<typeof modelSettingsShape>>;

/**
 * Cross-field rules: what each chosen provider needs. Runs even when single keys failed (zod's
 * `when`), so one failed start names every bad key; it reads values defensively for that reason.
 */
export function checkModelSettings(settings: ModelSettingsInput, ctx: z.RefinementCtx): void {
  const require = (key: keyof ModelSettingsInput, why: string): void => {
    if (settings[key] === undefined) {
      ctx.addIssue({ code: 'custom', path: [key], message: `is required ${why}` });
    }
  };
  const llm = settings.LLM_PROVIDER;
  const embeddings = settings.EMBEDDINGS_PROVIDER;
  if (llm === 'bedrock') require('BEDROCK_REGION', 'when LLM_PROVIDER=bedrock');
  if (embeddings === 'bedrock-titan' || embeddings === 'bedrock-cohere') {
    require('BEDROCK_REGION', `when EMBEDDINGS_PROVIDER=${embeddings}`);
  }
  if (llm === 'openai') {
    require('OPENAI_BASE_URL', 'when LLM_PROVIDER=openai');
    require('OPENAI_CHAT_MODEL', 'when LLM_PROVIDER=openai');
  }
  if (embeddings === 'openai') {
    require('OPENAI_BASE_URL', 'when EMBEDDINGS_PROVIDER=openai');
    require('OPENAI_EMBEDDING_MODEL', 'when EMBEDDINGS_PROVIDER=openai');
    require('OPENAI_EMBEDDING_DIMENSIONS', 'when EMBEDDINGS_PROVIDER=openai');
  }
  if (embeddings === 'onnx') require('ONNX_MODEL_DIR', 'when EMBEDDINGS_PROVIDER=onnx');
  const hasId = settings.BEDROCK_GUARDRAIL_ID !== undefined;
  const hasVersion = settings.BEDROCK_GUARDRAIL_VERSION !== undefined;
  if (hasId !== hasVersion) {
    const missing = hasId ? 'BEDROCK_GUARDRAIL_VERSION' : 'BEDROCK_GUARDRAIL_ID';
    ctx.addIssue({
      code: 'custom',
      path: [missing],
      message: 'is required: a guardrail needs both BEDROCK_GUARDRAIL_ID and _VERSION',
    });
  }
}

/**
 * @example
 * const settings = loadConfig(modelSettingsSchema, process.env);
 * const chatModel = createChatModel(settings);
 */
export const modelSettingsSchema = z
  .object(modelSettingsShape)
  .superRefine(checkModelSettings, { when: () => true });

/** The parsed model settings. */
export type ModelSettings = z.output<typeof modelSettingsSchema>;
