import { authConfigShape } from '@lgm/auth';
import { chatServiceConfigShape, checkChatServiceConfig } from '@lgm/chat';
import { baseConfigSchema, httpConfigSchema } from '@lgm/server-kit';
import * as z from 'zod';

// `KEY=` in an .env file means "not set".
const blankAsUnset = (value: unknown): unknown =>
  typeof value === 'string' && value.trim() === '' ? undefined : value;
const wholeNumber = (min: number, max: number, fallback: number) =>
  z.preprocess(blankAsUnset, z.coerce.number().int().min(min).max(max).default(fallback));

/** chat-api's own keys, besides the chat services' shared ones and authentication's. */
const chatApiShape = {
  ...chatServiceConfigShape,
  ...authConfigShape,
  /** Requests one user may make per window; 429 RATE_LIMITED beyond. */
  RATE_LIMIT_MAX: wholeNumber(1, 100_000, 300),
  RATE_LIMIT_WINDOW_SECONDS: wholeNumber(1, 3_600, 60),
  /**
   * Largest document upload, in MiB (100 at most: the blob store's object limit). Keep it at or
   * below doc-ingestor's MAX_DOCUMENT_MB, or large uploads are accepted and then fail ingestion.
   */
  MAX_UPLOAD_MB: wholeNumber(1, 100, 100),
  /** Lifetime of a presigned upload URL. */
  UPLOAD_URL_TTL_SECONDS: wholeNumber(60, 3_600, 900),
  /** Lifetime of a presigned artifact download URL: short, since the URL alone grants access. */
  DOWNLOAD_URL_TTL_SECONDS: wholeNumber(10, 3_600, 60),
};

/** chat-api's environment on Lambda: the stores, the model, authentication and its limits. */
export const configSchema = baseConfigSchema
  .extend(chatApiShape)
  .superRefine(checkChatServiceConfig, { when: () => true });

/** The local server also needs somewhere to listen. */
export const serverConfigSchema = httpConfigSchema
  .extend(chatApiShape)
  .superRefine(checkChatServiceConfig, { when: () => true });

export type Config = z.output<typeof configSchema>;
export type ServerConfig = z.output<typeof serverConfigSchema>;
