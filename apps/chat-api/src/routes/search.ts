import { searchRequestSchema, searchResponseSchema } from '@lgm/contracts';
import { DEFAULT_RETRIEVAL_K } from '@lgm/rag';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';

import type { AppDeps } from '../deps';
import { errorResponses, noQuerySchema, storesOf } from './common';

/** `POST /search`: hybrid search over the caller's ready documents (a POST: queries are long). */
export function registerSearchRoutes(app: FastifyInstance, deps: AppDeps): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  api.post(
    '/search',
    {
      schema: {
        tags: ['search'],
        summary: 'Search the caller’s documents (vector and full text, fused)',
        body: searchRequestSchema,
        response: { 200: searchResponseSchema, ...errorResponses },
        querystring: noQuerySchema,
      },
    },
    async (request) => {
      const { query, k } = request.body;
      const passages = await storesOf(deps, request).retriever.retrieve(query, {
        k: k ?? DEFAULT_RETRIEVAL_K,
      });
      return {
        passages: passages.map((passage) => ({
          chunkId: passage.chunkId,
          documentId: passage.documentId,
          title: passage.documentTitle,
          pageStart: passage.pageStart,
          pageEnd: passage.pageEnd,
          headingPath: [...passage.headingPath],
          snippet: passage.snippet,
          text: passage.text,
          score: passage.rerankScore ?? passage.fusedScore,
        })),
      };
    },
  );
}
