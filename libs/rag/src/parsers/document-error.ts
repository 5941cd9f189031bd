import { AppError, type AppErrorOptions } from '@lgm/core';

/** Why a document could not be parsed. Stable: the ingestor stores it as the `failed` reason. */
export type DocumentErrorCode =
  | 'UNSUPPORTED_DOCUMENT_TYPE'
  | 'EMPTY_DOCUMENT'
  | 'DOCUMENT_TOO_LARGE'
  | 'DOCUMENT_CORRUPT'
  | 'DOCUMENT_ENCRYPTED'
  | 'DOCUMENT_HAS_NO_TEXT';

// 415/413 are the HTTP statuses for "wrong type" and "too big"; the rest are well-formed uploads
// whose content we cannot use (422).
const STATUS: Record<DocumentErrorCode, number> = {
  UNSUPPORTED_DOCUMENT_TYPE: 415,
  EMPTY_DOCUMENT: 422,
  DOCUMENT_TOO_LARGE: 413,
  DOCUMENT_CORRUPT: 422,
  DOCUMENT_ENCRYPTED: 422,
  DOCUMENT_HAS_NO_TEXT: 422,
};

/**
 * A document the caller supplied cannot be parsed. A 4xx AppError: retrying the same bytes will
 * fail the same way, so the ingestor marks the document `failed` instead of retrying.
 */
export class DocumentError extends AppError {
  declare readonly code: DocumentErrorCode;

  constructor(code: DocumentErrorCode, message: string, options: AppErrorOptions = {}) {
    super(code, STATUS[code], message, options);
  }
}
