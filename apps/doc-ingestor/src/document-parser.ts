import {
  type DocumentBlock,
  type DocumentTypeHints,
  parseDocument,
  parsePdfPages,
  sniffDocument,
} from '@lgm/rag';

/** One step of parsing: the blocks found and how far through the document it is. */
export interface ParsedPart {
  readonly blocks: readonly DocumentBlock[];
  /** 0–1: the share of the document parsed so far (pages for a PDF). */
  readonly fraction: number;
}

/** Options a parser receives. */
export interface ParseOptions extends DocumentTypeHints {
  readonly maxBytes: number;
}

/**
 * The parsing port: bytes in, blocks out, step by step. Failures are `DocumentError`s from
 * `@lgm/rag` carrying their stable code.
 */
export type DocumentParser = (
  bytes: Uint8Array,
  options: ParseOptions,
) => AsyncIterable<ParsedPart>;

/**
 * The real parser: PDFs page by page through `parsePdfPages` (the text of one page at a time, so
 * a book does not sit in memory twice), every other type whole through `parseDocument` (they are
 * text formats or DOCX, parsed in one go by their libraries anyway).
 */
export async function* parseInParts(
  bytes: Uint8Array,
  options: ParseOptions,
): AsyncGenerator<ParsedPart, void, undefined> {
  const { contentType } = sniffDocument(bytes, options);
  if (contentType === 'application/pdf') {
    for await (const page of parsePdfPages(bytes)) {
      yield { blocks: page.blocks, fraction: page.pageNumber / Math.max(page.pageCount, 1) };
    }
    return;
  }
  const parsed = await parseDocument(bytes, options);
  yield { blocks: parsed.blocks, fraction: 1 };
}
