import { DocumentError } from './document-error';
import type { DocumentBlock, ParsedDocument } from './parsed-document';
import type { PdfjsAssets } from './pdfjs-loader';

/** One page of a PDF, as yielded by {@link parsePdfPages}. */
export interface PdfPage {
  /** 1-based. */
  readonly pageNumber: number;
  readonly pageCount: number;
  /** The page's blocks, each with `page` set. Empty for a page without text (e.g. a scan). */
  readonly blocks: readonly DocumentBlock[];
}

/** Options of the PDF parser. */
export interface PdfParseOptions {
  /** Overrides pdfjs asset locations (directories ending in `/`); resolved from node_modules. */
  readonly cMapUrl?: string;
  readonly standardFontDataUrl?: string;
}

interface TextRun {
  readonly str: string;
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly size: number;
  readonly hasEOL: boolean;
}

interface Line {
  text: string;
  readonly y: number;
  size: number;
  endX: number;
}

/**
 * Streams a PDF's text layer page by page, so a book-size file never holds more than one page's
 * text and operators at a time. Lines are rebuilt from item positions, paragraphs from vertical
 * gaps, and lines set clearly larger than the body text become headings.
 *
 * @throws DocumentError `DOCUMENT_ENCRYPTED`, `DOCUMENT_CORRUPT`, or, after the last page,
 *   `DOCUMENT_HAS_NO_TEXT` when no page had any text (a scanned PDF needs OCR).
 * @example
 * for await (const page of parsePdfPages(bytes)) progress(page.pageNumber / page.pageCount);
 */
export async function* parsePdfPages(
  bytes: Uint8Array,
  options: PdfParseOptions = {},
): AsyncGenerator<PdfPage, void, undefined> {
  const { pdfjs, assets } = await import('./pdfjs-loader').then((m) => m.loadPdfjs());
  const loadingTask = pdfjs.getDocument({
    // pdfjs may transfer (detach) the buffer it is given: hand it a copy, not the caller's bytes.
    data: new Uint8Array(bytes),
    ...assetOptions(assets, options),
    isEvalSupported: false,
    disableFontFace: true,
    useSystemFonts: false,
    verbosity: pdfjs.VerbosityLevel.ERRORS,
  });
  try {
    let document: Awaited<typeof loadingTask.promise>;
    try {
      document = await loadingTask.promise;
    } catch (error) {
      throw toDocumentError(error);
    }
    const pageCount = document.numPages;
    // Body font size is the most common size seen so far, weighted by characters; a running
    // histogram keeps memory constant while later pages refine it.
    const sizes = new Map<number, number>();
    let sawText = false;
    for (let pageNumber = 1; pageNumber <= pageCount; pageNumber += 1) {
      let runs: TextRun[];
      try {
        const page = await document.getPage(pageNumber);
        const content = await page.getTextContent();
        runs = [];
        for (const item of content.items) {
          if (!('str' in item)) continue;
          const [a = 0, b = 0, c = 0, d = 0, x = 0, y = 0] = item.transform as number[];
          const size =
            Math.round(Math.hypot(c, d) * 10) / 10 || Math.round(Math.hypot(a, b) * 10) / 10;
          runs.push({ str: item.str, x, y, width: item.width, size, hasEOL: item.hasEOL });
        }
        page.cleanup();
      } catch (error) {
        throw toDocumentError(error, pageNumber);
      }
      for (const run of runs) {
        const chars = run.str.trim().length;
        if (chars > 0) sizes.set(run.size, (sizes.get(run.size) ?? 0) + chars);
      }
      const blocks = pageBlocks(runs, bodySize(sizes), pageNumber);
      if (blocks.length > 0) sawText = true;
      yield { pageNumber, pageCount, blocks };
    }
    if (!sawText) {
      throw new DocumentError(
        'DOCUMENT_HAS_NO_TEXT',
        'The PDF has no text layer (it may be a scan); text recognition is not supported.',
      );
    }
  } finally {
    await loadingTask.destroy();
  }
}

/**
 * Parses a whole PDF into one {@link ParsedDocument}. Prefer {@link parsePdfPages} for large files.
 */
export async function parsePdf(
  bytes: Uint8Array,
  options: PdfParseOptions = {},
): Promise<ParsedDocument> {
  const blocks: DocumentBlock[] = [];
  let pageCount = 0;
  for await (const page of parsePdfPages(bytes, options)) {
    pageCount = page.pageCount;
    blocks.push(...page.blocks);
  }
  const first = blocks.find((block) => block.kind === 'heading');
  const title = first?.kind === 'heading' ? first.text : undefined;
  return {
    contentType: 'application/pdf',
    ...(title === undefined ? {} : { title }),
    pageCount,
    blocks,
  };
}

function assetOptions(assets: PdfjsAssets, options: PdfParseOptions): PdfjsAssets {
  const cMapUrl = options.cMapUrl ?? assets.cMapUrl;
  const standardFontDataUrl = options.standardFontDataUrl ?? assets.standardFontDataUrl;
  return {
    ...(cMapUrl === undefined ? {} : { cMapUrl }),
    ...(standardFontDataUrl === undefined ? {} : { standardFontDataUrl }),
  };
}

function bodySize(sizes: ReadonlyMap<number, number>): number {
  let best = 0;
  let bestCount = -1;
  for (const [size, count] of sizes) {
    if (count > bestCount) {
      best = size;
      bestCount = count;
    }
  }
  return best;
}

/** Rebuilds lines, then paragraphs and headings, from positioned text runs in content order. */
function pageBlocks(runs: readonly TextRun[], body: number, page: number): DocumentBlock[] {
  const lines: Line[] = [];
  let line: Line | undefined;
  let breakAfter = false;
  for (const run of runs) {
    if (run.str === '') {
      if (run.hasEOL) breakAfter = true;
      continue;
    }
    const size = run.size || body || 10;
    const sameLine =
      line !== undefined &&
      !breakAfter &&
      Math.abs(run.y - line.y) <= Math.max(line.size, size) * 0.5;
    if (!sameLine) {
      line = { text: run.str, y: run.y, size, endX: run.x + run.width };
      lines.push(line);
    } else if (line !== undefined) {
      // A gap wider than ~a quarter of the font size is a word space the PDF did not encode.
      const gap = run.x - line.endX;
      const needsSpace = gap > size * 0.25 && !/\s$/u.test(line.text) && !/^\s/u.test(run.str);
      line.text += (needsSpace ? ' ' : '') + run.str;
      line.endX = run.x + run.width;
      line.size = Math.max(line.size, size);
    }
    breakAfter = run.hasEOL;
  }

  const blocks: DocumentBlock[] = [];
  let paragraph: Line[] = [];
  const flush = (): void => {
    if (paragraph.length === 0) return;
    const text = joinLines(paragraph.map((l) => l.text));
    const size = paragraph[0]?.size ?? body;
    paragraph = [];
    if (text === '') return;
    const ratio = body > 0 ? size / body : 1;
    if (ratio >= 1.15 && text.length <= 200) {
      blocks.push({ kind: 'heading', level: ratio >= 1.8 ? 1 : ratio >= 1.4 ? 2 : 3, text, page });
    } else {
      blocks.push({ kind: 'paragraph', text, page });
    }
  };
  for (const current of lines) {
    if (current.text.trim() === '') continue;
    const previous = paragraph[paragraph.length - 1];
    if (previous !== undefined) {
      const gap = previous.y - current.y;
      const sizeChanged =
        Math.abs(current.size - previous.size) > Math.min(current.size, previous.size) * 0.1;
      // Normal leading is ~1.2× the font size; a clearly larger step (or a step up the page, as
      // at a column break) starts a new paragraph.
      if (sizeChanged || gap > previous.size * 1.6 || gap < -previous.size * 0.5) flush();
    }
    paragraph.push(current);
  }
  flush();
  return blocks;
}

function joinLines(lines: readonly string[]): string {
  let text = '';
  for (const raw of lines) {
    const line = raw.replace(/\s+/gu, ' ').trim();
    if (line === '') continue;
    // Re-join words hyphenated across a line break ("exam-" + "ple").
    if (/\p{L}-$/u.test(text) && /^\p{Ll}/u.test(line)) text = text.slice(0, -1) + line;
    else text = text === '' ? line : `${text} ${line}`;
  }
  return text.normalize('NFC');
}

function toDocumentError(error: unknown, page?: number): DocumentError {
  if (error instanceof DocumentError) return error;
  const name = error instanceof Error ? error.name : '';
  if (name === 'PasswordException') {
    return new DocumentError('DOCUMENT_ENCRYPTED', 'The PDF is password-protected.', {
      cause: error,
    });
  }
  const where = page === undefined ? '' : ` (page ${page})`;
  return new DocumentError('DOCUMENT_CORRUPT', `The PDF is damaged or unreadable${where}.`, {
    cause: error,
  });
}
