import { ValidationError } from '@lgm/core';
import type * as z from 'zod';

/**
 * Opaque pagination cursors: the position to resume from, as base64url JSON. Clients must treat
 * them as opaque; the server validates every decoded cursor against a schema, so a tampered or
 * truncated one is a 400 `INVALID_CURSOR`, never a driver error.
 */

/** Longer than any position we encode; rejects junk before decoding it. */
const MAX_CURSOR_LENGTH = 1024;

export function encodeCursor(position: unknown): string {
  return Buffer.from(JSON.stringify(position), 'utf8').toString('base64url');
}

export function decodeCursor<TSchema extends z.ZodType>(
  schema: TSchema,
  cursor: string,
): z.output<TSchema> {
  const invalid = () =>
    new ValidationError('The pagination cursor is invalid.', { code: 'INVALID_CURSOR' });
  if (
    cursor.length === 0 ||
    cursor.length > MAX_CURSOR_LENGTH ||
    !/^[A-Za-z0-9_-]+$/.test(cursor)
  ) {
    throw invalid();
  }
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  const parsed = schema.safeParse(decoded);
  if (!parsed.success) throw invalid();
  return parsed.data;
}

/** One page of results and the cursor of the next page, absent on the last page. */
export interface Page<TItem> {
  readonly items: TItem[];
  readonly nextCursor?: string;
}

/** Page sizes every repository accepts; larger requests are a validation error, not a slow query. */
export const MAX_PAGE_SIZE = 100;
export const DEFAULT_PAGE_SIZE = 20;

export function pageSize(limit: number | undefined): number {
  if (limit === undefined) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
    throw new ValidationError(`limit must be a whole number from 1 to ${MAX_PAGE_SIZE}.`, {
      code: 'INVALID_LIMIT',
    });
  }
  return limit;
}
