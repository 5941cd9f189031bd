import * as z from 'zod';

import { ulidSchema } from '../chat';
import { pageQuerySchema, pageSchema, timestampSchema } from './common';

/** A file produced by a code run or a tool. */
export const artifactSchema = z.strictObject({
  id: ulidSchema,
  sessionId: ulidSchema.nullable(),
  turnId: ulidSchema.nullable(),
  name: z.string(),
  contentType: z.string(),
  sizeBytes: z.number().int().nonnegative(),
  createdAt: timestampSchema,
});
export type ArtifactView = z.infer<typeof artifactSchema>;

export const artifactParamsSchema = z.strictObject({ artifactId: ulidSchema });

export const listArtifactsQuerySchema = pageQuerySchema;
export const artifactPageSchema = pageSchema(artifactSchema);
export type ArtifactPage = z.infer<typeof artifactPageSchema>;

/** A short-lived URL that downloads the artifact as an attachment. */
export const artifactDownloadSchema = z.strictObject({
  url: z.url(),
  expiresAt: timestampSchema,
});
export type ArtifactDownload = z.infer<typeof artifactDownloadSchema>;
