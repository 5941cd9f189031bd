/**
 * Link targets allowed in rendered Markdown: web pages and mail addresses. Anything else
 * (`javascript:`, `data:`, `vbscript:`, relative paths into this app) is rendered as plain text.
 * Browsers ignore tabs, newlines and leading control characters in a scheme
 * (`java\tscript:`), so the URL is judged as the URL parser reads it, not as written.
 */
export function safeLinkHref(href: string): string | undefined {
  const trimmed = href.trim();
  if (trimmed === '') return undefined;
  let url: URL;
  try {
    // No base: a relative URL throws, so it can never point into the app itself.
    url = new URL(trimmed);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:' && url.protocol !== 'mailto:') {
    return undefined;
  }
  return url.toString();
}

const NAMED_ENTITIES: Readonly<Record<string, string>> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: '\u00a0',
  copy: '©',
  reg: '®',
  hellip: '…',
  mdash: '—',
  ndash: '–',
};

/**
 * Resolves the character references Markdown allows in text (`&amp;`, `&#39;`, `&#x1F600;`).
 * The result is plain text for React to escape, never HTML.
 */
export function decodeEntities(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(/&(#x[0-9a-f]{1,6}|#[0-9]{1,7}|[a-z]{2,8});/gi, (whole, body: string) => {
    if (body[0] === '#') {
      const code =
        body[1] === 'x' || body[1] === 'X'
          ? parseInt(body.slice(2), 16)
          : parseInt(body.slice(1), 10);
      return Number.isFinite(code) &&
        code > 0 &&
        code <= 0x10ffff &&
        !(code >= 0xd800 && code <= 0xdfff)
        ? String.fromCodePoint(code)
        : '\ufffd';
    }
    return NAMED_ENTITIES[body.toLowerCase()] ?? whole;
  });
}
