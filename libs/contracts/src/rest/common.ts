import * as z from 'zod';

/**
 * Building blocks of every REST schema: pages and their cursors, ISO timestamps, calendar days.
 * Request objects are strict everywhere: an unknown field is refused (400), never dropped, so a
 * client's typo cannot silently change what a request means.
 */

/** Largest page a list route returns. */
export const MAX_PAGE_LIMIT = 100;

/** Longest cursor accepted; the server's own cursors are far shorter. */
export const MAX_CURSOR_LENGTH = 1024;

/** An opaque position from a previous page's `nextCursor`. */
export const cursorSchema = z
  .string()
  .min(1)
  .max(MAX_CURSOR_LENGTH)
  .regex(/^[A-Za-z0-9_-]+$/, 'must be a cursor from a previous page')
  .describe('Opaque `nextCursor` of the previous page');

/** Page size in a query string (`?limit=20`). */
export const limitQuerySchema = z.coerce
  .number()
  .int()
  .min(1)
  .max(MAX_PAGE_LIMIT)
  .describe(`Items per page, 1 to ${MAX_PAGE_LIMIT} (default 20)`);

/** `?limit&cursor` of every list route. */
export const pageQuerySchema = z.strictObject({
  limit: limitQuerySchema.optional(),
  cursor: cursorSchema.optional(),
});
export type PageQuery = z.infer<typeof pageQuerySchema>;

/** One page of `item` and the cursor of the next page, absent on the last page. */
export function pageSchema<TItem extends z.ZodType>(item: TItem) {
  return z.strictObject({
    items: z.array(item),
    nextCursor: z.string().optional(),
  });
}

/** A page of items as the web receives it. */
export interface Page<TItem> {
  readonly items: TItem[];
  readonly nextCursor?: string;
}

/** An instant, ISO 8601 in UTC (`2026-11-26T10:00:00.000Z`). */
export const timestampSchema = z.iso.datetime();

/** A UTC calendar day, `YYYY-MM-DD`. */
export const daySchema = z.iso.date();

/** A human-readable name (titles): trimmed, non-blank, no control characters. */
export function displayTextSchema(max: number) {
  return z
    .string()
    .trim()
    .min(1, 'must not be blank')
    .max(max, `must be at most ${max} characters`)
    .refine((text) => !hasControlCharacters(text), 'must not contain control characters');
}

function hasControlCharacters(text: string): boolean {
  for (const character of text) {
    const code = character.codePointAt(0) ?? 0;
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}
