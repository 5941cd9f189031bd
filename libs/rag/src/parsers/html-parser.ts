import { Parser } from 'htmlparser2';

import type { DocumentBlock, ParsedDocument } from './parsed-document';
import { cleanPreformatted, cleanText } from './text-utils';

// Content that is code, not text, or that would only be shown by a browser executing something.
const SKIPPED = new Set([
  'script',
  'style',
  'noscript',
  'iframe',
  'template',
  'svg',
  'math',
  'object',
  'embed',
  'canvas',
]);
// Elements that end the running paragraph.
const BLOCK = new Set([
  'address',
  'article',
  'aside',
  'blockquote',
  'body',
  'br',
  'dd',
  'details',
  'div',
  'dl',
  'dt',
  'fieldset',
  'figcaption',
  'figure',
  'footer',
  'form',
  'header',
  'hr',
  'li',
  'main',
  'nav',
  'ol',
  'p',
  'section',
  'summary',
  'ul',
  'caption',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'pre',
  'table',
]);

type Mode =
  | { kind: 'paragraph' }
  | { kind: 'list-item' }
  | { kind: 'heading'; level: number }
  | { kind: 'code' };

interface TableState {
  rows: string[][];
  row: string[] | undefined;
  cell: string | undefined;
}

/** The blocks of an HTML document plus its title (from `<title>`, else the first `<h1>`). */
export interface HtmlExtraction {
  readonly title?: string;
  readonly blocks: DocumentBlock[];
}

/**
 * Extracts structural blocks from HTML without executing or fetching anything: scripts, styles,
 * embedded frames and comments are dropped; headings, paragraphs, list items, `<pre>` and tables
 * (as rows of cell text, nested tables flattened into their cell) are kept; entities are decoded.
 */
export function extractHtmlBlocks(html: string): HtmlExtraction {
  const blocks: DocumentBlock[] = [];
  const modes: Mode[] = [{ kind: 'paragraph' }];
  let buffer = '';
  let skipDepth = 0;
  let inTitle = false;
  let title = '';
  let firstH1: string | undefined;
  let tableDepth = 0;
  let table: TableState | undefined;

  const mode = (): Mode => modes[modes.length - 1] ?? { kind: 'paragraph' };
  const flush = (): void => {
    const current = mode();
    const raw = buffer;
    buffer = '';
    if (current.kind === 'code') {
      const text = cleanPreformatted(raw);
      if (text !== '') blocks.push({ kind: 'code', text });
      return;
    }
    const text = cleanText(raw);
    if (text === '') return;
    if (current.kind === 'heading') {
      blocks.push({ kind: 'heading', level: current.level, text });
      if (current.level === 1) firstH1 ??= text;
    } else {
      blocks.push({ kind: current.kind, text });
    }
  };

  const parser = new Parser(
    {
      onopentag(rawName) {
        const name = rawName.toLowerCase();
        // <title> inside <svg> is skipped with its parent; only the document's title counts.
        if (name === 'title' && skipDepth === 0) inTitle = true;
        if (SKIPPED.has(name)) {
          skipDepth += 1;
          return;
        }
        if (skipDepth > 0) return;
        if (name === 'table') {
          tableDepth += 1;
          if (tableDepth === 1) {
            flush();
            table = { rows: [], row: undefined, cell: undefined };
            return;
          }
        }
        if (table !== undefined) {
          // Inside a table only rows and cells matter; other blocks become spaces in the cell.
          if (tableDepth === 1 && name === 'tr') table.row = [];
          else if (tableDepth === 1 && (name === 'td' || name === 'th')) table.cell = '';
          else if (table.cell !== undefined) table.cell += ' ';
          return;
        }
        if (BLOCK.has(name)) flush();
        const heading = /^h([1-6])$/.exec(name);
        if (heading) modes.push({ kind: 'heading', level: Number(heading[1]) });
        else if (name === 'li') modes.push({ kind: 'list-item' });
        else if (name === 'pre') modes.push({ kind: 'code' });
        else if (name === 'br' && mode().kind === 'code') buffer += '\n';
      },
      ontext(text) {
        if (inTitle) {
          title += text;
          return;
        }
        if (skipDepth > 0) return;
        if (table !== undefined) {
          if (table.cell !== undefined) table.cell += text;
          else buffer += text; // caption or stray text: a paragraph of its own
          return;
        }
        buffer += text;
      },
      onclosetag(rawName) {
        const name = rawName.toLowerCase();
        if (name === 'title') inTitle = false;
        if (SKIPPED.has(name)) {
          skipDepth = Math.max(0, skipDepth - 1);
          return;
        }
        if (skipDepth > 0) return;
        if (table !== undefined) {
          if (name === 'table') {
            tableDepth -= 1;
            if (tableDepth === 0) {
              closeRow(table);
              flush(); // caption
              const rows = table.rows.filter((row) => row.some((cell) => cell !== ''));
              if (rows.length > 0) blocks.push({ kind: 'table', rows });
              table = undefined;
            }
          } else if (tableDepth === 1 && (name === 'td' || name === 'th')) {
            closeCell(table);
          } else if (tableDepth === 1 && name === 'tr') {
            closeRow(table);
          } else if (table.cell !== undefined) {
            table.cell += ' ';
          }
          return;
        }
        if (BLOCK.has(name)) flush();
        if (/^h[1-6]$/.test(name) || name === 'li' || name === 'pre') {
          const kind = name === 'li' ? 'list-item' : name === 'pre' ? 'code' : 'heading';
          // Pop back to the matching mode; tolerate mis-nested HTML.
          const index = modes.map((m) => m.kind).lastIndexOf(kind);
          if (index > 0) modes.length = index;
        }
      },
    },
    { decodeEntities: true, lowerCaseTags: true, recognizeSelfClosing: true },
  );
  parser.write(html);
  parser.end();
  if (table !== undefined) {
    closeRow(table);
    const rows = table.rows.filter((row) => row.some((cell) => cell !== ''));
    if (rows.length > 0) blocks.push({ kind: 'table', rows });
  }
  flush();

  const cleanTitle = cleanText(title);
  const resolved = cleanTitle !== '' ? cleanTitle : firstH1;
  return resolved === undefined ? { blocks } : { title: resolved, blocks };
}

function closeCell(table: TableState): void {
  if (table.cell === undefined) return;
  table.row ??= [];
  table.row.push(cleanText(table.cell));
  table.cell = undefined;
}

function closeRow(table: TableState): void {
  closeCell(table);
  if (table.row !== undefined && table.row.length > 0) table.rows.push(table.row);
  table.row = undefined;
}

/** Parses an HTML document into a {@link ParsedDocument}. */
export function parseHtml(html: string): ParsedDocument {
  const { title, blocks } = extractHtmlBlocks(html);
  return { contentType: 'text/html', ...(title === undefined ? {} : { title }), blocks };
}
