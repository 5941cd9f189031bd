import { parse as parseCsv } from 'csv-parse/sync';

import { DocumentError } from './document-error';
import type { DocumentContentType } from './parsed-document';
import { decodeText } from './text-utils';

/** What the uploader claimed. Hints only: the bytes decide. */
export interface DocumentTypeHints {
  readonly fileName?: string;
  readonly declaredContentType?: string;
}

/** The sniffed type, with the decoded text for text formats so it is not decoded twice. */
export interface SniffedDocument {
  readonly contentType: DocumentContentType;
  readonly text?: string;
}

export const DOCX_CONTENT_TYPE =
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document' as const;

type TextHint = 'markdown' | 'plain' | 'csv' | undefined;

/**
 * Decides a document's type from its bytes. The file name and declared content type only break
 * ties between text formats, and only when the content is plausible for them.
 *
 * @throws DocumentError `EMPTY_DOCUMENT`, `UNSUPPORTED_DOCUMENT_TYPE` or `DOCUMENT_CORRUPT`.
 * @example
 * detectDocumentType(bytes, { fileName: 'report.pdf' }); // 'application/pdf' only if it is one
 */
export function detectDocumentType(
  bytes: Uint8Array,
  hints: DocumentTypeHints = {},
): DocumentContentType {
  return sniffDocument(bytes, hints).contentType;
}

/** {@link detectDocumentType}, also returning the decoded text of text formats. */
export function sniffDocument(bytes: Uint8Array, hints: DocumentTypeHints = {}): SniffedDocument {
  if (bytes.length === 0) throw new DocumentError('EMPTY_DOCUMENT', 'The document is empty.');
  if (isPdf(bytes)) return { contentType: 'application/pdf' };
  if (startsWith(bytes, [0x50, 0x4b, 0x03, 0x04])) {
    if (zipHasEntry(bytes, 'word/document.xml')) return { contentType: DOCX_CONTENT_TYPE };
    throw new DocumentError(
      'UNSUPPORTED_DOCUMENT_TYPE',
      'The file is a ZIP archive but not a Word (.docx) document.',
    );
  }
  const text = decodeText(bytes);
  if (text === undefined) {
    throw new DocumentError(
      'UNSUPPORTED_DOCUMENT_TYPE',
      'The file is not a supported document type (PDF, DOCX, HTML, Markdown, text or CSV).',
    );
  }
  if (text.trim() === '') throw new DocumentError('EMPTY_DOCUMENT', 'The document is empty.');
  if (isHtml(text)) return { contentType: 'text/html', text };

  const hint = textHint(hints);
  if (hint === 'csv' && csvPlausible(text, true)) return { contentType: 'text/csv', text };
  if (hint === 'markdown') return { contentType: 'text/markdown', text };
  if (hint === 'plain') return { contentType: 'text/plain', text };
  if (looksLikeMarkdown(text)) return { contentType: 'text/markdown', text };
  if (csvPlausible(text, false)) return { contentType: 'text/csv', text };
  return { contentType: 'text/plain', text };
}

function startsWith(bytes: Uint8Array, prefix: readonly number[], at = 0): boolean {
  return prefix.every((byte, i) => bytes[at + i] === byte);
}

// The PDF spec lets readers accept the header anywhere in the first 1024 bytes.
function isPdf(bytes: Uint8Array): boolean {
  const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, 1024));
  return head.indexOf('%PDF-', 0, 'latin1') !== -1;
}

/** Reads the ZIP central directory (names only) to see whether `name` is an entry. */
function zipHasEntry(bytes: Uint8Array, name: string): boolean {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // The end-of-central-directory record is in the last 22 + 65535 (max comment) bytes.
  const stop = Math.max(0, bytes.length - 22 - 0xffff);
  let eocd = -1;
  for (let i = bytes.length - 22; i >= stop; i -= 1) {
    if (view.getUint32(i, true) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) {
    throw new DocumentError('DOCUMENT_CORRUPT', 'The ZIP container is damaged or truncated.');
  }
  const entries = view.getUint16(eocd + 10, true);
  let offset = view.getUint32(eocd + 16, true);
  const decoder = new TextDecoder();
  for (let i = 0; i < entries && offset + 46 <= bytes.length; i += 1) {
    if (view.getUint32(offset, true) !== 0x02014b50) break;
    const nameLength = view.getUint16(offset + 28, true);
    const extraLength = view.getUint16(offset + 30, true);
    const commentLength = view.getUint16(offset + 32, true);
    const entryName = decoder.decode(bytes.subarray(offset + 46, offset + 46 + nameLength));
    if (entryName === name) return true;
    offset += 46 + nameLength + extraLength + commentLength;
  }
  return false;
}

function isHtml(text: string): boolean {
  // Skip whitespace and leading comments, then look at the first tag.
  const head = text
    .slice(0, 4096)
    .replace(/^(?:\s|<!--[\s\S]*?-->)+/, '')
    .toLowerCase();
  return /^(?:<!doctype\s+html|<html[\s>]|<head[\s>]|<body[\s>])/.test(head);
}

function textHint(hints: DocumentTypeHints): TextHint {
  const extension = /\.([a-z0-9]+)$/i.exec(hints.fileName ?? '')?.[1]?.toLowerCase();
  switch (extension) {
    case 'md':
    case 'markdown':
    case 'mdown':
      return 'markdown';
    case 'txt':
    case 'text':
    case 'log':
      return 'plain';
    case 'csv':
    case 'tsv':
      return 'csv';
  }
  const declared = hints.declaredContentType?.split(';')[0]?.trim().toLowerCase();
  if (declared === 'text/markdown' || declared === 'text/x-markdown') return 'markdown';
  if (declared === 'text/csv' || declared === 'text/tab-separated-values') return 'csv';
  // text/plain is what many clients send for anything textual, so it decides nothing.
  return undefined;
}

function looksLikeMarkdown(text: string): boolean {
  const sample = text.slice(0, 65536);
  const strong =
    /^ {0,3}#{1,6}[ \t]+\S/m.test(sample) ||
    /^ {0,3}(?:```|~~~)/m.test(sample) ||
    /^ {0,3}\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)+\|?\s*$/m.test(sample) ||
    /^\S.*\n {0,3}=+[ \t]*$/m.test(sample);
  if (strong) return true;
  const weak = [
    /^ {0,3}[-*+][ \t]+\S/m,
    /^ {0,3}\d{1,9}[.)][ \t]+\S/m,
    /\[[^\]\n]+\]\([^)\s]+\)/,
    /(?:\*\*|__)[^*_\n]+(?:\*\*|__)/,
    /^ {0,3}>[ \t]?\S/m,
    /`[^`\n]+`/,
  ].filter((pattern) => pattern.test(sample)).length;
  return weak >= 2;
}

const CSV_DELIMITERS = [',', '\t', ';'] as const;

/**
 * The delimiter that splits the first lines into the same number (≥ 2) of columns, if any.
 * Only a sample is parsed, so the check stays cheap on large files.
 */
export function detectCsvDelimiter(text: string): string | undefined {
  const sample = sampleLines(text, 50);
  for (const delimiter of CSV_DELIMITERS) {
    let rows: string[][];
    try {
      rows = parseCsv(sample, { delimiter, skip_empty_lines: true, relax_column_count: true });
    } catch {
      continue;
    }
    const first = rows[0]?.length ?? 0;
    if (first >= 2 && rows.every((row) => row.length === first)) return delimiter;
  }
  return undefined;
}

function csvPlausible(text: string, hinted: boolean): boolean {
  const sample = sampleLines(text, 50);
  const lines = sample.split('\n').filter((line) => line.trim() !== '');
  if (hinted) {
    // A named .csv with delimiters is CSV even if malformed, so it fails as DOCUMENT_CORRUPT.
    return CSV_DELIMITERS.some((d) => lines[0]?.includes(d) ?? false);
  }
  // Without a hint, demand several rows of short fields so prose with commas is not a table.
  if (lines.length < 3) return false;
  if (detectCsvDelimiter(text) === undefined) return false;
  const averageLineLength = lines.reduce((sum, line) => sum + line.length, 0) / lines.length;
  return averageLineLength < 400;
}

function sampleLines(text: string, maxLines: number): string {
  let end = 0;
  for (let i = 0; i < maxLines; i += 1) {
    const next = text.indexOf('\n', end);
    if (next < 0) return text;
    end = next + 1;
  }
  return text.slice(0, end);
}
