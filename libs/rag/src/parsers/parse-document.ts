import { parseCsv } from './csv-parser';
import { type DocumentTypeHints, sniffDocument } from './detect-document-type';
import { DocumentError } from './document-error';
import { parseDocx } from './docx-parser';
import { parseHtml } from './html-parser';
import { parseMarkdown } from './markdown-parser';
import type { ParsedDocument } from './parsed-document';
import { parsePdf, type PdfParseOptions } from './pdf-parser';
import { parsePlainText } from './text-parser';

/** 100 MB: the default largest document accepted. */
export const DEFAULT_MAX_DOCUMENT_BYTES = 100 * 1024 * 1024;

/** Options of {@link parseDocument}. */
export interface ParseDocumentOptions extends DocumentTypeHints, PdfParseOptions {
  /** Larger inputs fail with `DOCUMENT_TOO_LARGE`. Default {@link DEFAULT_MAX_DOCUMENT_BYTES}. */
  readonly maxBytes?: number;
  /** Data rows per CSV table block. Default 50. */
  readonly csvRowsPerBlock?: number;
}

/**
 * Parses a document of any supported type into blocks. The type is sniffed from the bytes; the
 * name and declared type are only hints. Failures are {@link DocumentError}s with a stable code.
 *
 * @example
 * const doc = await parseDocument(bytes, { fileName: 'guide.md' });
 * doc.blocks.filter((b) => b.kind === 'heading');
 */
export async function parseDocument(
  bytes: Uint8Array,
  options: ParseDocumentOptions = {},
): Promise<ParsedDocument> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_DOCUMENT_BYTES;
  if (bytes.length > maxBytes) {
    throw new DocumentError(
      'DOCUMENT_TOO_LARGE',
      `The document is ${bytes.length} bytes; the limit is ${maxBytes}.`,
      { details: { size: bytes.length, maxBytes } },
    );
  }
  const sniffed = sniffDocument(bytes, options);
  const text = sniffed.text ?? '';
  let parsed: ParsedDocument;
  switch (sniffed.contentType) {
    case 'application/pdf':
      parsed = await parsePdf(bytes, options);
      break;
    case 'application/vnd.openxmlformats-officedocument.wordprocessingml.document':
      parsed = await parseDocx(bytes);
      break;
    case 'text/html':
      parsed = parseHtml(text);
      break;
    case 'text/markdown':
      parsed = parseMarkdown(text);
      break;
    case 'text/csv':
      parsed = parseCsv(text, {
        ...(options.csvRowsPerBlock === undefined ? {} : { rowsPerBlock: options.csvRowsPerBlock }),
      });
      break;
    case 'text/plain':
      parsed = parsePlainText(text);
      break;
  }
  if (parsed.blocks.length === 0) {
    throw new DocumentError('DOCUMENT_HAS_NO_TEXT', 'The document contains no text.');
  }
  return parsed;
}
