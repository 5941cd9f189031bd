import { isUlid, NotFoundError, ValidationError } from '@lgm/core';
import type * as z from 'zod';

/** Parses repository input; failures are 400s listing each bad field (no values echoed). */
export function parseInput<TSchema extends z.ZodType>(
  schema: TSchema,
  input: unknown,
  what: string,
): z.output<TSchema> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  // Long strings and lists are 413-ish abuse; an out-of-range number is plain validation.
  const tooBig = result.error.issues.some(
    (issue) => issue.code === 'too_big' && (issue.origin === 'string' || issue.origin === 'array'),
  );
  throw new ValidationError(`The ${what} is invalid.`, {
    code: tooBig ? 'VALUE_TOO_LONG' : 'VALIDATION_FAILED',
    details: result.error.issues.map((issue) => ({
      path: issue.path.map(String).join('.'),
      message: issue.message,
    })),
  });
}

/**
 * An id that is not a ULID cannot name anything of ours: answer 404 as for any unknown id, so a
 * probe learns nothing and the database never sees the junk.
 */
export function requireId(resource: string, id: string): string {
  if (typeof id !== 'string') {
    throw new ValidationError(`The ${resource.toLowerCase()} id must be a string.`, {
      code: 'INVALID_ID',
    });
  }
  if (!isUlid(id)) throw new NotFoundError(resource, id.length > 64 ? `${id.slice(0, 61)}...` : id);
  return id;
}

export { requireOwnerId } from '../shared/owner-id';
