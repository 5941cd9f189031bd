/**
 * The parsers' output: a document as an ordered list of structural blocks. The chunker consumes
 * this shape, so it stays stable: add optional fields, never rename or remove.
 */

/** The content types LGM can parse, as sniffed from the bytes (never trusted from the name). */
export type DocumentContentType =
  | 'application/pdf'
  | 'application/vnd.openxmlformats-officedocument.wordprocessingml.document'
  | 'text/html'
  | 'text/markdown'
  | 'text/plain'
  | 'text/csv';

/** Fields every block carries. */
interface BlockBase {
  /** 1-based page number; set by the PDF parser only (other formats have no pages). */
  readonly page?: number;
}

/** A section heading; `level` is 1 (top) to 6. */
export interface HeadingBlock extends BlockBase {
  readonly kind: 'heading';
  readonly level: number;
  readonly text: string;
}

/** Running text, whitespace collapsed. */
export interface ParagraphBlock extends BlockBase {
  readonly kind: 'paragraph';
  readonly text: string;
}

/**
 * A table as rows of cell text. When the source had a header row it is `rows[0]`; a large table
 * (CSV) is split into several table blocks, each repeating the header row so it reads on its own.
 */
export interface TableBlock extends BlockBase {
  readonly kind: 'table';
  readonly rows: readonly (readonly string[])[];
}

/** One item of a bulleted or numbered list (nesting is flattened). */
export interface ListItemBlock extends BlockBase {
  readonly kind: 'list-item';
  readonly text: string;
}

/** Preformatted text (code fences, `<pre>`): line breaks and indentation are kept. */
export interface CodeBlock extends BlockBase {
  readonly kind: 'code';
  readonly text: string;
}

/** One structural unit of a parsed document. Discriminate on `kind`. */
export type DocumentBlock = HeadingBlock | ParagraphBlock | TableBlock | ListItemBlock | CodeBlock;

/** A parsed document: its blocks in reading order plus document-level facts. All text is NFC. */
export interface ParsedDocument {
  readonly contentType: DocumentContentType;
  /** From the document's metadata, `<title>`, or its first top-level heading, when there is one. */
  readonly title?: string;
  /** Number of pages (PDF only). */
  readonly pageCount?: number;
  readonly blocks: readonly DocumentBlock[];
}
