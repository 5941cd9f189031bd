import { and, desc, eq, lt, or, type SQL } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import * as z from 'zod';

import { decodeCursor, encodeCursor, type Page } from '../shared/cursor';

/**
 * Keyset pagination over (created_at DESC, id DESC), newest first: stable under concurrent inserts
 * and as fast on page 1,000 as on page 1, unlike OFFSET.
 */

const positionSchema = z.object({ c: z.iso.datetime(), i: z.string().min(1).max(64) }).strict();

export interface NewestFirstColumns {
  readonly createdAt: PgColumn;
  readonly id: PgColumn;
}

/** The WHERE condition that continues after `cursor`, or undefined on the first page. */
export function afterCursor(
  columns: NewestFirstColumns,
  cursor: string | undefined,
): SQL | undefined {
  if (cursor === undefined) return undefined;
  const position = decodeCursor(positionSchema, cursor);
  const createdAt = new Date(position.c);
  return or(
    lt(columns.createdAt, createdAt),
    and(eq(columns.createdAt, createdAt), lt(columns.id, position.i)),
  );
}

export function newestFirst(columns: NewestFirstColumns): SQL[] {
  return [desc(columns.createdAt), desc(columns.id)];
}

/**
 * Rows fetched with `limit + 1` become a page: the extra row only tells that another page exists.
 */
export function toPage<TRow extends { createdAt: Date; id: string }>(
  rows: TRow[],
  limit: number,
): Page<TRow> {
  if (rows.length <= limit) return { items: rows };
  const items = rows.slice(0, limit);
  const last = items[items.length - 1] as TRow;
  return { items, nextCursor: encodeCursor({ c: last.createdAt.toISOString(), i: last.id }) };
}
