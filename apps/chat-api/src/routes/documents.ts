import {
  baseMediaType,
  createDocumentRequestSchema,
  createDocumentResponseSchema,
  DOCUMENT_CONTENT_TYPES,
  documentPageSchema,
  documentParamsSchema,
  documentSchema,
  isDocumentContentType,
  listDocumentsQuerySchema,
  reindexDocumentResponseSchema,
} from '@lgm/contracts';
import {
  AppError,
  ConflictError,
  InternalError,
  isAppError,
  PayloadTooLargeError,
} from '@lgm/core';
import {
  type BlobKey,
  buildObjectKey,
  type DocumentRow,
  parseObjectKey,
  sanitizeFileName,
} from '@lgm/persistence';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import * as z from 'zod';

import type { AppDeps } from '../deps';
import { documentView } from '../views';
import { errorResponses, noQuerySchema, storesOf } from './common';

const tags = ['documents'];

/**
 * The caller's documents. Uploads go straight to S3 with a presigned PUT under
 * `documents/<sub>/<documentId>/<file>`, the layout doc-ingestor reads; its object events drive
 * status and progress from there.
 */
export function registerDocumentRoutes(app: FastifyInstance, deps: AppDeps): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const { limits } = deps;

  api.post(
    '/documents',
    {
      schema: {
        tags,
        summary:
          'Announce an upload: creates the document (pending) and answers a presigned PUT with its size and type signed',
        body: createDocumentRequestSchema,
        response: { 201: createDocumentResponseSchema, ...errorResponses },
        querystring: noQuerySchema,
      },
    },
    async (request, reply) => {
      const ownerId = request.principal.sub;
      const { contentType, sizeBytes, title } = request.body;
      if (!isDocumentContentType(contentType)) {
        throw new AppError(
          'UNSUPPORTED_DOCUMENT_TYPE',
          415,
          `Documents of type '${baseMediaType(contentType)}' cannot be indexed.`,
          { details: { allowed: Object.keys(DOCUMENT_CONTENT_TYPES) } },
        );
      }
      if (sizeBytes > limits.maxUploadBytes) {
        throw new PayloadTooLargeError(
          `The file is larger than the ${limits.maxUploadBytes} bytes allowed.`,
          { code: 'UPLOAD_TOO_LARGE', details: { maxBytes: limits.maxUploadBytes } },
        );
      }
      const fileName = sanitizeFileName(request.body.fileName);
      const id = deps.nextId();
      const stores = storesOf(deps, request);
      // Signing first: a refused upload leaves no pending row behind.
      const upload = await stores.documentFiles.presignPut({
        id,
        fileName,
        contentType,
        contentLength: sizeBytes,
        maxBytes: limits.maxUploadBytes,
        expiresInSeconds: limits.uploadUrlTtlSeconds,
      });
      const document = await stores.documents.create({
        id,
        title: title ?? fileName,
        fileName,
        contentType,
        sizeBytes,
        s3Key: buildObjectKey({ area: 'documents', ownerId, id, fileName }),
      });
      return reply.code(201).send({
        document: documentView(document),
        upload: {
          url: upload.url,
          method: upload.method,
          headers: { ...upload.headers },
          expiresAt: upload.expiresAt.toISOString(),
        },
      });
    },
  );

  api.get(
    '/documents',
    {
      schema: {
        tags,
        summary: 'List documents, newest first, optionally by status',
        querystring: listDocumentsQuerySchema,
        response: { 200: documentPageSchema, ...errorResponses },
      },
    },
    async (request) => {
      const page = await storesOf(deps, request).documents.list(request.query);
      return {
        items: page.items.map(documentView),
        ...(page.nextCursor === undefined ? {} : { nextCursor: page.nextCursor }),
      };
    },
  );

  api.get(
    '/documents/:documentId',
    {
      schema: {
        tags,
        summary: 'Read a document: status, progress and why it failed',
        params: documentParamsSchema,
        response: { 200: documentSchema, ...errorResponses },
        querystring: noQuerySchema,
      },
    },
    async (request) =>
      documentView(await storesOf(deps, request).documents.get(request.params.documentId)),
  );

  api.delete(
    '/documents/:documentId',
    {
      schema: {
        tags,
        summary: 'Delete a document, its file and its passages',
        params: documentParamsSchema,
        querystring: noQuerySchema,
      },
    },
    async (request, reply) => {
      const stores = storesOf(deps, request);
      const row = await stores.documents.get(request.params.documentId);
      // The file first: if that fails nothing has changed and a retry works. Then the row, whose
      // chunks go with it (cascade), so the document leaves search at once; the ingestor's
      // ObjectRemoved event then finds no row and does nothing.
      await stores.documentFiles.delete(fileOf(row, request.principal.sub));
      await stores.documents.delete(row.id);
      return reply.code(204).send();
    },
  );

  api.post(
    '/documents/:documentId/reindex',
    {
      schema: {
        tags,
        summary: 'Index the stored file again (after a failure, or with a new embedding model)',
        params: documentParamsSchema,
        body: z.strictObject({}).nullish(),
        response: { 202: reindexDocumentResponseSchema, ...errorResponses },
        querystring: noQuerySchema,
      },
    },
    async (request, reply) => {
      const ownerId = request.principal.sub;
      const row = await storesOf(deps, request).documents.get(request.params.documentId);
      try {
        await deps.documentSources.reindex(ownerId, fileOf(row, ownerId));
      } catch (error) {
        if (isAppError(error) && error.code === 'OBJECT_NOT_FOUND') {
          throw new ConflictError(
            `Document '${row.id}' has no uploaded file to index: upload it first.`,
            { code: 'DOCUMENT_NOT_UPLOADED' },
          );
        }
        throw error;
      }
      return reply.code(202).send({ document: documentView(row) });
    },
  );
}

/** The document's file in the owner's blob store, from the key the row recorded. */
function fileOf(row: DocumentRow, ownerId: string): BlobKey {
  const parts = parseObjectKey(row.s3Key);
  if (parts.area !== 'documents' || parts.ownerId !== ownerId || parts.id !== row.id) {
    throw new InternalError(`Document '${row.id}' records a key outside its owner's area.`);
  }
  return { id: parts.id, fileName: parts.fileName };
}
