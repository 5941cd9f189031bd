import * as z from 'zod';

/** A chat model the configured provider can run. */
export const modelInfoSchema = z.strictObject({
  id: z.string(),
  displayName: z.string(),
  contextWindow: z.number().int().positive().nullable(),
  supportsTools: z.boolean(),
  supportsImages: z.boolean(),
  /** USD per 1,000 tokens, when the price is known. */
  inputPricePer1k: z.number().nonnegative().nullable(),
  outputPricePer1k: z.number().nonnegative().nullable(),
});
export type ModelInfo = z.infer<typeof modelInfoSchema>;

/** `GET /models`: what a session may use, and what it gets when it names nothing. */
export const modelsResponseSchema = z.strictObject({
  provider: z.enum(['bedrock', 'openai', 'extractive']),
  defaultModel: z.string(),
  models: z.array(modelInfoSchema),
});
export type ModelsResponse = z.infer<typeof modelsResponseSchema>;
