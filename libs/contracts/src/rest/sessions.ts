import * as z from 'zod';

import { modelIdSchema, ulidSchema } from '../chat';
import { displayTextSchema, pageQuerySchema, pageSchema, timestampSchema } from './common';

/** Longest session title (the sessions table's limit). */
export const MAX_SESSION_TITLE_CHARACTERS = 200;

export const sessionTitleSchema = displayTextSchema(MAX_SESSION_TITLE_CHARACTERS);

/** A chat session. */
export const sessionSchema = z.strictObject({
  id: ulidSchema,
  title: z.string(),
  model: z.string(),
  createdAt: timestampSchema,
  updatedAt: timestampSchema,
  /** Bumped by every title or model change; send it back as `expectedVersion`. */
  version: z.number().int().min(1),
});
export type Session = z.infer<typeof sessionSchema>;

/** `POST /sessions`. The model defaults to the configured default model. */
export const createSessionRequestSchema = z.strictObject({
  title: sessionTitleSchema.optional(),
  model: modelIdSchema.optional(),
});
export type CreateSessionRequest = z.infer<typeof createSessionRequestSchema>;

/** `PATCH /sessions/:sessionId`: a title and/or a model, at the version the client read. */
export const updateSessionRequestSchema = z
  .strictObject({
    title: sessionTitleSchema.optional(),
    model: modelIdSchema.optional(),
    /** The `version` the client last saw; a stale one is answered 409. */
    expectedVersion: z.number().int().min(1),
  })
  .refine((body) => body.title !== undefined || body.model !== undefined, {
    message: 'give a title or a model to change',
    path: ['title'],
  });
export type UpdateSessionRequest = z.infer<typeof updateSessionRequestSchema>;

export const sessionParamsSchema = z.strictObject({ sessionId: ulidSchema });

export const listSessionsQuerySchema = pageQuerySchema;
export const sessionPageSchema = pageSchema(sessionSchema);
export type SessionPage = z.infer<typeof sessionPageSchema>;
