import type { DocumentBlock, ParsedDocument } from './parsed-document';
import { cleanPreformatted, cleanText } from './text-utils';

const ATX = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/;
const FENCE = /^( {0,3})(`{3,}|~{3,})(.*)$/;
const THEMATIC_BREAK = /^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$/;
const SETEXT_H1 = /^ {0,3}=+[ \t]*$/;
const SETEXT_H2 = /^ {0,3}-+[ \t]*$/;
const LIST_ITEM = /^[ \t]*(?:[-*+]|\d{1,9}[.)])[ \t]+(?:\[[ xX]\][ \t]+)?(.*)$/;
const TABLE_DELIMITER = /^ {0,3}\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$/;
const REFERENCE_DEFINITION = /^ {0,3}\[[^\]]+\]:[ \t]*\S+/;
const BLOCKQUOTE = /^ {0,3}>[ \t]?/;

/**
 * Parses Markdown (CommonMark + GFM tables) into blocks: ATX and setext headings, fenced and
 * indented code, list items, pipe tables and paragraphs. Inline markup is reduced to its text:
 * link and image URLs are dropped, their text kept; raw HTML tags and comments are removed.
 */
export function parseMarkdown(markdown: string): ParsedDocument {
  const lines = markdown.normalize('NFC').replace(/\r\n?/g, '\n').split('\n');
  const blocks: DocumentBlock[] = [];
  let paragraph: string[] = [];
  let listItem: string[] | undefined;

  const flushParagraph = (): void => {
    const text = inlineText(paragraph.join(' '));
    paragraph = [];
    if (text !== '') blocks.push({ kind: 'paragraph', text });
  };
  const flushListItem = (): void => {
    if (listItem === undefined) return;
    const text = inlineText(listItem.join(' '));
    listItem = undefined;
    if (text !== '') blocks.push({ kind: 'list-item', text });
  };
  const flushAll = (): void => {
    flushParagraph();
    flushListItem();
  };

  for (let i = 0; i < lines.length; i += 1) {
    const rawLine = lines[i] ?? '';
    const line = rawLine.replace(BLOCKQUOTE, '');

    const fence = FENCE.exec(line);
    if (fence && !(fence[2]?.startsWith('`') && fence[3]?.includes('`'))) {
      flushAll();
      const marker = fence[2] ?? '```';
      const code: string[] = [];
      i += 1;
      for (; i < lines.length; i += 1) {
        const inner = (lines[i] ?? '').replace(BLOCKQUOTE, '');
        if (
          new RegExp(`^ {0,3}${marker[0] === '`' ? '`' : '~'}{${marker.length},}[ \\t]*$`).test(
            inner,
          )
        )
          break;
        code.push(inner);
      }
      const text = cleanPreformatted(code.join('\n'));
      if (text !== '') blocks.push({ kind: 'code', text });
      continue;
    }

    if (line.trim() === '') {
      flushAll();
      continue;
    }

    // Indented code only starts after a blank line or another block, never inside a paragraph.
    if (paragraph.length === 0 && listItem === undefined && /^(?: {4}|\t)/.test(line)) {
      const code: string[] = [];
      for (; i < lines.length; i += 1) {
        const inner = lines[i] ?? '';
        if (inner.trim() !== '' && !/^(?: {4}|\t)/.test(inner)) break;
        code.push(inner.replace(/^(?: {4}|\t)/, ''));
      }
      i -= 1;
      const text = cleanPreformatted(code.join('\n'));
      if (text !== '') blocks.push({ kind: 'code', text });
      continue;
    }

    const atx = ATX.exec(line);
    if (atx) {
      flushAll();
      const text = inlineText(atx[2] ?? '');
      if (text !== '') blocks.push({ kind: 'heading', level: atx[1]?.length ?? 1, text });
      continue;
    }

    if (paragraph.length > 0 && (SETEXT_H1.test(line) || SETEXT_H2.test(line))) {
      const text = inlineText(paragraph.join(' '));
      paragraph = [];
      if (text !== '') blocks.push({ kind: 'heading', level: SETEXT_H1.test(line) ? 1 : 2, text });
      continue;
    }

    if (THEMATIC_BREAK.test(line)) {
      flushAll();
      continue;
    }

    const next = (lines[i + 1] ?? '').replace(BLOCKQUOTE, '');
    if (line.includes('|') && TABLE_DELIMITER.test(next) && next.includes('-')) {
      flushAll();
      const rows: string[][] = [splitTableRow(line)];
      i += 2;
      for (; i < lines.length; i += 1) {
        const rowLine = (lines[i] ?? '').replace(BLOCKQUOTE, '');
        if (rowLine.trim() === '' || !rowLine.includes('|')) break;
        rows.push(splitTableRow(rowLine));
      }
      i -= 1;
      blocks.push({ kind: 'table', rows });
      continue;
    }

    if (REFERENCE_DEFINITION.test(line) && paragraph.length === 0) continue;

    const item = LIST_ITEM.exec(line);
    if (item) {
      flushAll();
      listItem = [item[1] ?? ''];
      continue;
    }
    if (listItem !== undefined) {
      // A lazy continuation line belongs to the open list item.
      listItem.push(line.trim());
      continue;
    }
    paragraph.push(line.trim());
  }
  flushAll();

  const first = blocks.find((block) => block.kind === 'heading' && block.level === 1);
  const title = first?.kind === 'heading' ? first.text : undefined;
  return { contentType: 'text/markdown', ...(title === undefined ? {} : { title }), blocks };
}

function splitTableRow(line: string): string[] {
  const trimmed = line
    .trim()
    .replace(/^\|/, '')
    .replace(/(?<!\\)\|$/, '');
  return trimmed.split(/(?<!\\)\|/).map((cell) => inlineText(cell.replace(/\\\|/g, '|')));
}

/** Reduces inline Markdown to plain text. */
function inlineText(text: string): string {
  return cleanText(
    text
      .replace(/<!--[\s\S]*?-->/g, '')
      .replace(/<(script|style)\b[\s\S]*?<\/\1\s*>/gi, '')
      .replace(/!\[([^\]]*)\]\([^)]*\)/g, '$1')
      .replace(/\[([^\]]+)\]\((?:[^()]|\([^)]*\))*\)/g, '$1')
      .replace(/\[([^\]]+)\]\[[^\]]*\]/g, '$1')
      .replace(/<((?:https?|mailto):[^>\s]+)>/gi, '$1')
      .replace(/<\/?[a-z][^>]*>/gi, '')
      .replace(/(`+)([\s\S]*?)\1/g, '$2')
      .replace(/(\*\*|__)(?=\S)([\s\S]*?\S)\1/g, '$2')
      .replace(/~~(?=\S)([\s\S]*?\S)~~/g, '$1')
      .replace(/(^|[^\w*])\*(?=\S)([^*]*?\S)\*(?!\w)/g, '$1$2')
      .replace(/(^|[^\w])_(?=\S)([^_]*?\S)_(?!\w)/g, '$1$2')
      .replace(/\\([\\`*_{}[\]()#+\-.!|>~])/g, '$1'),
  );
}
