import * as z from 'zod';

import { ulidSchema } from '../chat';

/** Longest search query (the retriever's limit). */
export const MAX_SEARCH_QUERY_CHARACTERS = 2000;
/** Most passages one search returns. */
export const MAX_SEARCH_RESULTS = 50;

/** `POST /search`: hybrid (vector + full text) search over the caller's ready documents. */
export const searchRequestSchema = z.strictObject({
  query: z.string().trim().min(1).max(MAX_SEARCH_QUERY_CHARACTERS),
  /** Passages wanted (default 8). */
  k: z.number().int().min(1).max(MAX_SEARCH_RESULTS).optional(),
});
export type SearchRequest = z.infer<typeof searchRequestSchema>;

/** One passage found, with where it is in its document. */
export const searchPassageSchema = z.strictObject({
  chunkId: ulidSchema,
  documentId: ulidSchema,
  /** The document's title. */
  title: z.string(),
  pageStart: z.number().int().nullable(),
  pageEnd: z.number().int().nullable(),
  /** Headings above the passage, outermost first. */
  headingPath: z.array(z.string()),
  /** The sentence that best matches the query. */
  snippet: z.string(),
  text: z.string(),
  /** Higher is more relevant (reciprocal rank fusion, or the reranker's score). */
  score: z.number(),
});
export type SearchPassage = z.infer<typeof searchPassageSchema>;

export const searchResponseSchema = z.strictObject({ passages: z.array(searchPassageSchema) });
export type SearchResponse = z.infer<typeof searchResponseSchema>;
