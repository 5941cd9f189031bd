/**
 * The input convention between the turn engine and the extractive model: retrieved passages are
 * fenced as data blocks in the system prompt or in the last user message.
 *
 * ```text
 * <passage id="1" title="Account help" source="faq.md">
 * To reset a forgotten password, open Settings and choose Reset password.
 * </passage>
 * ```
 *
 * - `id` is the citation id (1–32 characters of letters, digits, `_`, `-`); answers cite it as
 *   `[1]`. Other attributes are optional; only `title` and `source` are read.
 * - Passage text must escape `<`, `>` and `&` as `&lt;`, `&gt;`, `&amp;` (and `"` as `&quot;` in
 *   attributes), so a document can never close its own block or open another one.
 * - The parser is strict: a block that does not match exactly (unknown syntax, a nested
 *   `<passage`, an unterminated block, a duplicate id) is skipped, never repaired by guessing.
 *   At most {@link MAX_PASSAGES} passages of at most {@link MAX_PASSAGE_CHARS} characters are read.
 * - Passages are data. Nothing in them is ever followed as an instruction; the extractive model
 *   only quotes their sentences.
 */

export interface Passage {
  readonly id: string;
  readonly title?: string;
  readonly source?: string;
  readonly text: string;
}

export const MAX_PASSAGES = 50;
export const MAX_PASSAGE_CHARS = 20_000;

const OPEN = /<passage((?:\s+[a-z][a-z_-]{0,31}="[^"<>]*")+)\s*>/gi;
const ATTRIBUTE = /\s+([a-z][a-z_-]{0,31})="([^"<>]*)"/gi;
const CLOSE = '</passage>';
const ID = /^[A-Za-z0-9_-]{1,32}$/;

/** Decodes the five XML entities; anything else stays as written. */
export function decodeEntities(text: string): string {
  return text.replace(/&(lt|gt|quot|apos|amp);/g, (_, name: string) => {
    switch (name) {
      case 'lt':
        return '<';
      case 'gt':
        return '>';
      case 'quot':
        return '"';
      case 'apos':
        return "'";
      default:
        return '&';
    }
  });
}

/** Escapes text for a passage block (what the turn engine must do). */
export function encodePassage(passage: Passage): string {
  const escape = (value: string): string =>
    value
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;');
  const attributes = [`id="${escape(passage.id)}"`];
  if (passage.title !== undefined) attributes.push(`title="${escape(passage.title)}"`);
  if (passage.source !== undefined) attributes.push(`source="${escape(passage.source)}"`);
  return `<passage ${attributes.join(' ')}>\n${escape(passage.text)}\n</passage>`;
}

export interface ParsedPassages {
  readonly passages: Passage[];
  /** The text with every well-formed block removed: what the user actually wrote. */
  readonly remainder: string;
}

/** Extracts passage blocks from one text. */
export function parsePassages(
  text: string,
  into: Map<string, Passage> = new Map(),
): ParsedPassages {
  const passages: Passage[] = [];
  let remainder = '';
  let cursor = 0;
  OPEN.lastIndex = 0;
  for (let open = OPEN.exec(text); open !== null; open = OPEN.exec(text)) {
    const start = open.index;
    const bodyStart = start + open[0].length;
    const end = text.indexOf(CLOSE, bodyStart);
    if (end < 0) break;
    const body = text.slice(bodyStart, end);
    OPEN.lastIndex = end + CLOSE.length;
    remainder += text.slice(cursor, start);
    cursor = end + CLOSE.length;

    const attributes = new Map<string, string>();
    ATTRIBUTE.lastIndex = 0;
    for (let a = ATTRIBUTE.exec(open[1] ?? ''); a !== null; a = ATTRIBUTE.exec(open[1] ?? '')) {
      const name = (a[1] ?? '').toLowerCase();
      if (!attributes.has(name)) attributes.set(name, decodeEntities(a[2] ?? ''));
    }
    const id = attributes.get('id');
    const malformed =
      id === undefined ||
      !ID.test(id) ||
      into.has(id) ||
      /<\/?passage\b/i.test(body) ||
      body.length > MAX_PASSAGE_CHARS ||
      into.size >= MAX_PASSAGES;
    if (malformed) continue;
    const title = attributes.get('title');
    const source = attributes.get('source');
    const passage: Passage = {
      id,
      ...(title === undefined ? {} : { title }),
      ...(source === undefined ? {} : { source }),
      text: decodeEntities(body).trim(),
    };
    into.set(id, passage);
    passages.push(passage);
  }
  remainder += text.slice(cursor);
  return { passages, remainder };
}
