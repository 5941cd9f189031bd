/** Text helpers shared by the parsers. */

/** NFC-normalises and collapses runs of whitespace (including NBSP) to one space, trimmed. */
export function cleanText(text: string): string {
  return text.normalize('NFC').replace(/\s+/gu, ' ').trim();
}

/** NFC-normalises preformatted text, keeping line breaks and indentation but not trailing blanks. */
export function cleanPreformatted(text: string): string {
  return text
    .normalize('NFC')
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((line) => line.replace(/\s+$/u, ''))
    .join('\n')
    .replace(/^\n+|\n+$/g, '');
}

const UTF8_BOM = [0xef, 0xbb, 0xbf] as const;

/**
 * Decodes bytes as text: UTF-8 (BOM optional), UTF-16 with a BOM, or, for legacy Korean files,
 * EUC-KR/CP949. Returns `undefined` when the bytes are not plausible text (invalid encoding, NULs
 * or many control characters), so binary junk is never parsed as a document.
 */
export function decodeText(bytes: Uint8Array): string | undefined {
  const b0 = bytes[0];
  const b1 = bytes[1];
  if (b0 === 0xff && b1 === 0xfe) return tryDecode('utf-16le', bytes.subarray(2));
  if (b0 === 0xfe && b1 === 0xff) return tryDecode('utf-16be', bytes.subarray(2));
  const hasBom = UTF8_BOM.every((byte, i) => bytes[i] === byte);
  const utf8 = tryDecode('utf-8', hasBom ? bytes.subarray(3) : bytes);
  if (utf8 !== undefined) return utf8;
  // Korean documents from older Windows tools are often CP949. That decoder accepts most byte
  // pairs, so only take the result when it is mostly Hangul.
  const legacy = tryDecode('euc-kr', bytes);
  if (legacy !== undefined && hangulShareOfNonAscii(legacy) >= 0.6) return legacy;
  return undefined;
}

function tryDecode(encoding: string, bytes: Uint8Array): string | undefined {
  let text: string;
  try {
    text = new TextDecoder(encoding, { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return undefined;
  }
  return looksLikeText(text) ? text : undefined;
}

/** No NULs and under 1% control characters other than tab, newlines and form feed. */
function looksLikeText(text: string): boolean {
  if (text.includes('\u0000')) return false;
  let control = 0;
  for (let i = 0; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    if (
      (code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d && code !== 0x0c) ||
      code === 0x7f
    ) {
      control += 1;
    }
  }
  return control <= text.length * 0.01;
}

function hangulShareOfNonAscii(text: string): number {
  let nonAscii = 0;
  let hangul = 0;
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    if (code < 0x80) continue;
    nonAscii += 1;
    if (code >= 0xac00 && code <= 0xd7a3) hangul += 1;
  }
  return nonAscii === 0 ? 0 : hangul / nonAscii;
}
