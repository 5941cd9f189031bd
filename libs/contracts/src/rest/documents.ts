import * as z from 'zod';

import { ulidSchema } from '../chat';
import { displayTextSchema, pageQuerySchema, pageSchema, timestampSchema } from './common';

/**
 * The document types ingestion understands, with the file extensions each usually has. A browser
 * may report no type for `.md` or `.csv` files: the web picks one with {@link documentContentTypeFor}.
 */
export const DOCUMENT_CONTENT_TYPES = {
  'application/pdf': ['.pdf'],
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': ['.docx'],
  'text/html': ['.html', '.htm'],
  'text/markdown': ['.md', '.markdown'],
  'text/plain': ['.txt', '.text'],
  'text/csv': ['.csv'],
} as const satisfies Record<string, readonly string[]>;

export type DocumentContentType = keyof typeof DOCUMENT_CONTENT_TYPES;

/** The media type without parameters, lower-cased: `Text/Plain; charset=utf-8` → `text/plain`. */
export function baseMediaType(contentType: string): string {
  return (contentType.split(';')[0] ?? '').trim().toLowerCase();
}

/** True when ingestion accepts this media type (parameters such as charset are allowed). */
export function isDocumentContentType(contentType: string): boolean {
  return Object.hasOwn(DOCUMENT_CONTENT_TYPES, baseMediaType(contentType));
}

/** The media type of a file name's extension, or undefined when it is not a document type. */
export function documentContentTypeFor(fileName: string): DocumentContentType | undefined {
  const dot = fileName.lastIndexOf('.');
  if (dot < 0) return undefined;
  const extension = fileName.slice(dot).toLowerCase();
  for (const [type, extensions] of Object.entries(DOCUMENT_CONTENT_TYPES)) {
    if ((extensions as readonly string[]).includes(extension)) return type as DocumentContentType;
  }
  return undefined;
}

/** `type/subtype` with optional `; name=value` parameters (RFC 9110 tokens, no controls). */
const TOKEN = "[A-Za-z0-9!#$%&'*+.^_`|~-]+";
const MEDIA_TYPE = new RegExp(
  `^${TOKEN}/${TOKEN}(?:[ \\t]*;[ \\t]*${TOKEN}=(?:${TOKEN}|"[\\x20\\x21\\x23-\\x5B\\x5D-\\x7E]*"))*$`,
);

export const documentStatusSchema = z.enum(['pending', 'processing', 'ready', 'failed']);
export type DocumentStatusView = z.infer<typeof documentStatusSchema>;

/** A document and where its ingestion stands. */
export const documentSchema = z.strictObject({
  id: ulidSchema,
  title: z.string(),
  fileName: z.string(),
  contentType: z.string(),
  sizeBytes: z.number().int().nonnegative(),
  /** `pending` until the upload's event arrives, `processing` with `progress`, then the end. */
  status: documentStatusSchema,
  /** 0–100 while processing. */
  progress: z.number().int().min(0).max(100),
  /** Why ingestion failed, when it did. */
  error: z.strictObject({ code: z.string(), message: z.string() }).nullable(),
  createdAt: timestampSchema,
  updatedAt: timestampSchema,
});
export type DocumentView = z.infer<typeof documentSchema>;

/** Longest document title. */
export const MAX_DOCUMENT_TITLE_CHARACTERS = 300;

/**
 * `POST /documents`: announces an upload. The answer holds a presigned PUT whose size and type
 * are signed: the file must be sent with exactly this `Content-Type` and this many bytes.
 */
export const createDocumentRequestSchema = z.strictObject({
  /** The file's name (a browser's `File.name`); paths are cut to the last segment. */
  fileName: z.string().min(1).max(1024),
  /** One of {@link DOCUMENT_CONTENT_TYPES}; anything else is answered 415. */
  contentType: z
    .string()
    .max(200)
    .regex(MEDIA_TYPE, 'must be a media type such as text/plain or text/plain; charset=utf-8'),
  /** The exact size in bytes; above the server's limit is answered 413. */
  sizeBytes: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
  /** Shown in lists and citations; the file name when absent. */
  title: displayTextSchema(MAX_DOCUMENT_TITLE_CHARACTERS).optional(),
});
export type CreateDocumentRequest = z.infer<typeof createDocumentRequestSchema>;

/** Where and how to upload the file. */
export const presignedUploadSchema = z.strictObject({
  url: z.url(),
  method: z.literal('PUT'),
  /** Headers to send verbatim with the PUT. */
  headers: z.record(z.string(), z.string()),
  expiresAt: timestampSchema,
});
export type PresignedUploadView = z.infer<typeof presignedUploadSchema>;

export const createDocumentResponseSchema = z.strictObject({
  document: documentSchema,
  upload: presignedUploadSchema,
});
export type CreateDocumentResponse = z.infer<typeof createDocumentResponseSchema>;

export const documentParamsSchema = z.strictObject({ documentId: ulidSchema });

export const listDocumentsQuerySchema = pageQuerySchema.extend({
  status: documentStatusSchema.optional(),
});
export type ListDocumentsQuery = z.infer<typeof listDocumentsQuerySchema>;

export const documentPageSchema = pageSchema(documentSchema);
export type DocumentPage = z.infer<typeof documentPageSchema>;

/** `POST /documents/:documentId/reindex`: accepted; ingestion runs again from the stored file. */
export const reindexDocumentResponseSchema = z.strictObject({ document: documentSchema });
export type ReindexDocumentResponse = z.infer<typeof reindexDocumentResponseSchema>;
