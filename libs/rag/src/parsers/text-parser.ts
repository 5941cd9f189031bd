import type { DocumentBlock, ParsedDocument } from './parsed-document';
import { cleanText } from './text-utils';

/** Parses plain text: paragraphs are separated by blank lines; line breaks inside fold to spaces. */
export function parsePlainText(text: string): ParsedDocument {
  const blocks: DocumentBlock[] = text
    .normalize('NFC')
    .replace(/\r\n?/g, '\n')
    .split(/\n[ \t\f]*\n/)
    .map((part) => cleanText(part))
    .filter((part) => part !== '')
    .map((part) => ({ kind: 'paragraph', text: part }));
  return { contentType: 'text/plain', blocks };
}
