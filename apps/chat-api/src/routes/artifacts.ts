import {
  artifactDownloadSchema,
  artifactPageSchema,
  artifactParamsSchema,
  listArtifactsQuerySchema,
} from '@lgm/contracts';
import { InternalError } from '@lgm/core';
import { parseObjectKey } from '@lgm/persistence';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';

import type { AppDeps } from '../deps';
import { artifactView } from '../views';
import { errorResponses, noQuerySchema, storesOf } from './common';

const tags = ['artifacts'];

/** Files produced for the caller by code runs and tools. */
export function registerArtifactRoutes(app: FastifyInstance, deps: AppDeps): void {
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.get(
    '/artifacts',
    {
      schema: {
        tags,
        summary: 'List artifacts, newest first',
        querystring: listArtifactsQuerySchema,
        response: { 200: artifactPageSchema, ...errorResponses },
      },
    },
    async (request) => {
      const page = await storesOf(deps, request).artifacts.list(request.query);
      return {
        items: page.items.map(artifactView),
        ...(page.nextCursor === undefined ? {} : { nextCursor: page.nextCursor }),
      };
    },
  );

  api.get(
    '/artifacts/:artifactId/download',
    {
      schema: {
        tags,
        summary: 'A short-lived URL that downloads the artifact as an attachment',
        params: artifactParamsSchema,
        response: { 200: artifactDownloadSchema, ...errorResponses },
        querystring: noQuerySchema,
      },
    },
    async (request) => {
      const ownerId = request.principal.sub;
      const stores = storesOf(deps, request);
      const row = await stores.artifacts.get(request.params.artifactId);
      const parts = parseObjectKey(row.s3Key);
      if (parts.area !== 'artifacts' || parts.ownerId !== ownerId || parts.id !== row.id) {
        throw new InternalError(`Artifact '${row.id}' records a key outside its owner's area.`);
      }
      const download = await stores.artifactFiles.presignGet({
        id: parts.id,
        fileName: parts.fileName,
        disposition: 'attachment',
        expiresInSeconds: deps.limits.downloadUrlTtlSeconds,
      });
      return { url: download.url, expiresAt: download.expiresAt.toISOString() };
    },
  );
}
