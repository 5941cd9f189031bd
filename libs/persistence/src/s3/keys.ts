import { isUlid, ValidationError } from '@lgm/core';

import { requireOwnerId } from '../shared/owner-id';

/**
 * Object keys of the blob store: `<area>/<ownerId>/<id>/<fileName>`.
 *
 * The owner is the second segment so that one prefix holds everything a user owns (IAM conditions,
 * lifecycle rules and the ingestion trigger all filter on `documents/`). Keys are only ever built
 * from validated parts, never accepted raw from a caller, so a key cannot point into another
 * owner's prefix.
 */

/** The top-level areas of the bucket. Ingestion listens on `documents/` only. */
export const BLOB_AREAS = ['documents', 'artifacts'] as const;
export type BlobArea = (typeof BLOB_AREAS)[number];

export interface ObjectKeyParts {
  readonly area: BlobArea;
  readonly ownerId: string;
  /** A ULID: the document or artifact id. */
  readonly id: string;
  readonly fileName: string;
}

/** S3 allows 1,024 bytes per key; 255 bytes per name keeps every key far below that. */
export const MAX_FILE_NAME_BYTES = 255;

/** Cognito subs are UUIDs and dev ids are ULIDs; both fit, and no separator or dot does. */

/**
 * Characters a stored file name never contains: path separators, C0/C1 controls (invalid in the
 * XML of ListObjects), lone surrogates, and bidirectional overrides (they make `exe.pdf` look like
 * `fdp.exe`).
 */
const FORBIDDEN_IN_FILE_NAME = /[/\\\p{Cc}\p{Cs}\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/u;
const FORBIDDEN_IN_FILE_NAME_GLOBAL = new RegExp(FORBIDDEN_IN_FILE_NAME.source, 'gu');

function invalidKey(message: string, field: string): ValidationError {
  return new ValidationError(message, { code: 'INVALID_OBJECT_KEY', details: { field } });
}

function invalidFileName(message: string): ValidationError {
  return new ValidationError(message, {
    code: 'INVALID_FILE_NAME',
    details: { field: 'fileName' },
  });
}

export function isBlobArea(value: string): value is BlobArea {
  return (BLOB_AREAS as readonly string[]).includes(value);
}

/** Throws `INVALID_OBJECT_KEY` unless `ownerId` passes the one owner-id rule of every store. */
export function assertOwnerId(ownerId: string): void {
  try {
    requireOwnerId(ownerId);
  } catch {
    throw invalidKey('The owner id is not valid for an object key.', 'ownerId');
  }
}

/** Throws `INVALID_OBJECT_KEY` unless `id` is a ULID. */
export function assertObjectId(id: string): void {
  if (!isUlid(id)) throw invalidKey('The object id must be a ULID.', 'id');
}

/**
 * Throws `INVALID_FILE_NAME` unless `fileName` is already safe: non-empty, NFC, at most 255 UTF-8
 * bytes, no separators, controls or bidi overrides, no `..`, no surrounding whitespace. Names from
 * users go through {@link sanitizeFileName} first; this check never rewrites, so the key written
 * is the key read.
 */
export function assertFileName(fileName: string): void {
  if (fileName.length === 0) throw invalidFileName('The file name is empty.');
  if (Buffer.byteLength(fileName, 'utf8') > MAX_FILE_NAME_BYTES) {
    throw invalidFileName(`The file name is longer than ${MAX_FILE_NAME_BYTES} bytes.`);
  }
  if (FORBIDDEN_IN_FILE_NAME.test(fileName)) {
    throw invalidFileName('The file name contains a separator or a control character.');
  }
  if (fileName === '.' || fileName.includes('..')) {
    throw invalidFileName('The file name must not contain "..".');
  }
  if (fileName.trim() !== fileName) {
    throw invalidFileName('The file name must not start or end with whitespace.');
  }
  // Two spellings of the same Korean or accented name must not become two objects.
  if (fileName.normalize('NFC') !== fileName) {
    throw invalidFileName('The file name must be in Unicode NFC form.');
  }
}

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** Cuts `text` to at most `maxBytes` UTF-8 bytes without splitting a character. */
function truncateUtf8(text: string, maxBytes: number): string {
  let result = '';
  let bytes = 0;
  for (const { segment } of graphemes.segment(text)) {
    const size = Buffer.byteLength(segment, 'utf8');
    if (bytes + size > maxBytes) break;
    result += segment;
    bytes += size;
  }
  return result;
}

/**
 * Turns a user-supplied file name (a browser's `File.name`, an upload form field) into one that
 * {@link assertFileName} accepts, keeping letters of every script: `C:\fakepath\보고서 1.pdf` →
 * `보고서 1.pdf`. Throws `INVALID_FILE_NAME` when nothing usable is left.
 *
 * @example
 * sanitizeFileName('../../etc/passwd'); // 'passwd'
 */
export function sanitizeFileName(raw: string): string {
  // Browsers and old upload tools may send a full client path; only its last segment is the name.
  const base = raw.split(/[/\\]/).pop() ?? '';
  let name = base
    .normalize('NFC')
    .replace(FORBIDDEN_IN_FILE_NAME_GLOBAL, '')
    .replace(/\.{2,}/g, '.')
    .trim();
  if (Buffer.byteLength(name, 'utf8') > MAX_FILE_NAME_BYTES) {
    const dot = name.lastIndexOf('.');
    const extension = dot > 0 ? name.slice(dot) : '';
    // Keep a short extension (`.pdf`) so the type survives truncation of a very long name.
    if (extension.length > 0 && Buffer.byteLength(extension, 'utf8') <= 16) {
      const stemBytes = MAX_FILE_NAME_BYTES - Buffer.byteLength(extension, 'utf8');
      name = truncateUtf8(name.slice(0, dot), stemBytes).trimEnd() + extension;
    } else {
      name = truncateUtf8(name, MAX_FILE_NAME_BYTES).trimEnd();
    }
  }
  if (name === '' || name === '.') throw invalidFileName('The file name has no usable characters.');
  assertFileName(name);
  return name;
}

/** The prefix holding everything one owner has in one area: `documents/<ownerId>/`. */
export function ownerPrefix(area: BlobArea, ownerId: string): string {
  if (!isBlobArea(area)) throw invalidKey('Unknown blob area.', 'area');
  assertOwnerId(ownerId);
  return `${area}/${ownerId}/`;
}

/**
 * Builds `<area>/<ownerId>/<id>/<fileName>` after validating every part.
 *
 * @example
 * buildObjectKey({ area: 'documents', ownerId: 'u1', id: '01J0…', fileName: '보고서.pdf' });
 */
export function buildObjectKey(parts: ObjectKeyParts): string {
  const prefix = ownerPrefix(parts.area, parts.ownerId);
  assertObjectId(parts.id);
  assertFileName(parts.fileName);
  return `${prefix}${parts.id}/${parts.fileName}`;
}

/**
 * Splits a stored key (already URL-decoded; see {@link decodeEventObjectKey}) into its parts.
 * Throws `INVALID_OBJECT_KEY` for anything {@link buildObjectKey} could not have produced.
 */
export function parseObjectKey(key: string): ObjectKeyParts {
  const segments = key.split('/');
  if (segments.length !== 4) throw invalidKey('The object key has the wrong shape.', 'key');
  const [area, ownerId, id, fileName] = segments as [string, string, string, string];
  if (!isBlobArea(area)) throw invalidKey('Unknown blob area.', 'area');
  assertOwnerId(ownerId);
  assertObjectId(id);
  try {
    assertFileName(fileName);
  } catch {
    throw invalidKey('The object key has an invalid file name.', 'fileName');
  }
  return { area, ownerId, id, fileName };
}

/**
 * Decodes the key of an S3 event notification record, which S3 URL-encodes with spaces as `+`
 * (`documents/u1/01J…/my+report.pdf`). Throws `INVALID_OBJECT_KEY` on malformed escapes.
 */
export function decodeEventObjectKey(encoded: string): string {
  try {
    return decodeURIComponent(encoded.replace(/\+/g, ' '));
  } catch (error) {
    throw new ValidationError('The event object key is not URL-encoded correctly.', {
      code: 'INVALID_OBJECT_KEY',
      details: { field: 'key' },
      cause: error,
    });
  }
}
