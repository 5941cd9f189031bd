/**
 * Text utilities of the turn engine: splitting deltas for socket frames, shortening for display.
 */

/**
 * Largest `text.delta` text, in bytes of its UTF-8 JSON string. API Gateway frames are 32 KB and
 * ws-gateway adds an envelope; 8 KiB leaves room and keeps one event far below a frame.
 */
export const MAX_DELTA_BYTES = 8 * 1024;

// One UTF-16 unit is at most 6 bytes of JSON (`\u001f`); below this length no split is needed.
const ALWAYS_FITS = Math.floor((MAX_DELTA_BYTES - 2) / 6);

/** Bytes a code point takes inside a JSON string. */
function jsonBytes(codePoint: number): number {
  if (codePoint === 0x22 || codePoint === 0x5c) return 2; // \" and \\
  if (codePoint < 0x20) return [0x08, 0x09, 0x0a, 0x0c, 0x0d].includes(codePoint) ? 2 : 6;
  if (codePoint < 0x80) return 1;
  if (codePoint < 0x800) return 2;
  if (codePoint < 0x10000) return 3;
  return 4;
}

/**
 * Splits a delta into pieces whose JSON string is at most `maxBytes` bytes, never inside a code
 * point (a surrogate pair stays whole). Short deltas — nearly all of them — are returned as they
 * are without measuring.
 */
export function splitDelta(text: string, maxBytes = MAX_DELTA_BYTES): string[] {
  if (text.length <= Math.min(ALWAYS_FITS, Math.floor((maxBytes - 2) / 6))) return [text];
  // The two quotes of the JSON string count too.
  const budget = Math.max(6, maxBytes - 2);
  const pieces: string[] = [];
  let start = 0;
  let bytes = 0;
  let index = 0;
  while (index < text.length) {
    const codePoint = text.codePointAt(index) ?? 0;
    const width = codePoint > 0xffff ? 2 : 1;
    const size = jsonBytes(codePoint);
    if (bytes + size > budget && index > start) {
      pieces.push(text.slice(start, index));
      start = index;
      bytes = 0;
    }
    bytes += size;
    index += width;
  }
  if (index > start) pieces.push(text.slice(start, index));
  return pieces;
}

/** Shortens text to at most `max` characters, at a word boundary when one is near, with `…`. */
export function shorten(text: string, max: number): { text: string; shortened: boolean } {
  if (text.length <= max) return { text, shortened: false };
  let cut = max - 1;
  // Never leave half a surrogate pair.
  if (/[\uD800-\uDBFF]/u.test(text.charAt(cut - 1))) cut -= 1;
  const space = text.lastIndexOf(' ', cut);
  if (space > max * 0.8) cut = space;
  return { text: `${text.slice(0, cut).trimEnd()}…`, shortened: true };
}

// Control characters would corrupt titles in list UIs and logs.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/gu;

/** One line of plain text: control characters and runs of whitespace become single spaces. */
export function oneLine(text: string): string {
  return text.replace(CONTROL, ' ').replace(/\s+/gu, ' ').trim();
}
