import * as z from 'zod';

/** Every error response of every LGM API: a stable code for machines, a message for people. */
export const errorBodySchema = z
  .object({
    error: z
      .object({
        code: z
          .string()
          .regex(/^[A-Z][A-Z0-9_]*$/)
          .describe('Stable, machine-readable error code, e.g. SESSION_NOT_FOUND'),
        message: z.string().min(1).describe('Human-readable explanation'),
        details: z.unknown().optional().describe('Structured context, e.g. the fields that failed'),
      })
      .strict(),
  })
  .strict();

export type ErrorBody = z.infer<typeof errorBodySchema>;
