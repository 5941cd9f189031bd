import { ValidationError } from '@lgm/core';
import * as z from 'zod';

import type { DocumentBlock, ParsedDocument, TableBlock } from '../parsers/parsed-document';
import { splitSentences, splitToFit, tailWithin } from './split-text';
import { countTokens as estimateTokens, type TokenCounter } from './token-count';

/**
 * The structure-aware chunker: turns a parsed document's blocks into retrieval chunks of at most
 * `maxTokens` tokens.
 *
 * - A heading starts a new chunk (consecutive headings with no text between them stay together)
 *   and updates the heading path, a stack by level.
 * - Paragraphs, list items, code and tables are kept whole when they fit; a block that does not
 *   fit in what is left of the current chunk starts the next one.
 * - A paragraph larger than a chunk is split at sentence boundaries (`Intl.Segmenter`, which
 *   handles Korean and CJK), a sentence larger than a chunk at word boundaries. Code is split at
 *   line breaks.
 * - A table larger than a chunk is split by rows, each part repeating the header row (`rows[0]`).
 * - When a section continues into the next chunk, that chunk opens with up to `overlapTokens` of
 *   the previous chunk's last prose, taken at sentence boundaries, so a fact cut in two is still
 *   found whole. No overlap crosses a heading, and none is taken from tables or code.
 *
 * Memory is bounded by one chunk plus one block: {@link chunkBlocks} consumes an (async) iterable
 * and yields chunks as they complete. Output depends only on the input and the options.
 */

/** One chunk, in the shape of the chunk repository's input (without id and embedding). */
export interface Chunk {
  /** 0-based position in the document. */
  readonly ordinal: number;
  readonly text: string;
  /** Headings from the top level down to the section this chunk starts in. */
  readonly headingPath: readonly string[];
  /** First and last page the chunk's text comes from; null for formats without pages. */
  readonly pageStart: number | null;
  readonly pageEnd: number | null;
  readonly tokenCount: number;
}

/** The largest chunk accepted: ~4 characters a token stays under the repository's 32,000. */
export const MAX_CHUNK_TOKENS = 4096;
/** Heading text kept in a heading path entry (the repository accepts 500 characters). */
const MAX_HEADING_CHARS = 200;

const chunkerOptionsSchema = z
  .object({
    /** Largest chunk in tokens (default 512). */
    maxTokens: z.number().int().min(32).max(MAX_CHUNK_TOKENS).default(512),
    /** Tokens of the previous chunk repeated at the start of the next one (default 64). */
    overlapTokens: z.number().int().min(0).default(64),
    /** Token counter; defaults to the estimate of `token-count.ts`. */
    countTokens: z
      .custom<TokenCounter>((value) => typeof value === 'function', 'must be a function')
      .optional(),
  })
  .strict()
  .refine((options) => options.overlapTokens <= options.maxTokens / 2, {
    message: 'must be at most half of maxTokens',
    path: ['overlapTokens'],
  });

/** Options of the chunker; every field is optional. */
export type ChunkerOptions = z.input<typeof chunkerOptionsSchema>;

interface ResolvedOptions {
  readonly maxTokens: number;
  readonly overlapTokens: number;
  readonly count: TokenCounter;
}

function resolveOptions(options: ChunkerOptions): ResolvedOptions {
  const parsed = chunkerOptionsSchema.safeParse(options);
  if (!parsed.success) {
    throw new ValidationError('The chunker options are invalid.', {
      code: 'CHUNKER_OPTIONS_INVALID',
      details: parsed.error.issues.map((issue) => ({
        path: issue.path.join('.'),
        message: issue.message,
      })),
    });
  }
  return {
    maxTokens: parsed.data.maxTokens,
    overlapTokens: parsed.data.overlapTokens,
    count: parsed.data.countTokens ?? estimateTokens,
  };
}

/** How a piece is glued to the piece before it in a chunk's text. */
type Joint = 'block' | 'line' | 'space';
const JOINTS: Record<Joint, string> = { block: '\n\n', line: '\n', space: ' ' };

interface Piece {
  readonly text: string;
  readonly tokens: number;
  readonly page: number | undefined;
  readonly joint: Joint;
  /** Prose can seed the next chunk's overlap; tables, code and headings cannot. */
  readonly kind: 'heading' | 'prose' | 'table' | 'code' | 'overlap';
  /** Heading level, for heading pieces. */
  readonly level?: number;
}

interface Heading {
  readonly level: number;
  readonly text: string;
}

const collapse = (text: string): string => text.replace(/\s+/gu, ' ').trim();

function renderRow(row: readonly string[]): string {
  return row.map((cell) => collapse(cell).replace(/\|/g, '\\|')).join(' | ');
}

/**
 * The incremental core: feed blocks with {@link Chunker.push}, then call {@link Chunker.finish}.
 * Each call returns the chunks completed by it.
 */
export class Chunker {
  private readonly options: ResolvedOptions;
  private readonly jointTokens: Record<Joint, number>;
  private readonly headings: Heading[] = [];
  private pieces: Piece[] = [];
  private tokens = 0;
  private path: readonly string[] = [];
  private ordinal = 0;
  private out: Chunk[] = [];

  constructor(options: ChunkerOptions = {}) {
    this.options = resolveOptions(options);
    const count = this.options.count;
    this.jointTokens = {
      block: count(JOINTS.block),
      line: count(JOINTS.line),
      space: count(JOINTS.space),
    };
  }

  /** Adds one block; returns the chunks it completed. */
  push(block: DocumentBlock): Chunk[] {
    switch (block.kind) {
      case 'heading':
        this.heading(block.level, block.text, block.page);
        break;
      case 'paragraph':
        this.prose(block.text, block.page);
        break;
      case 'list-item':
        this.prose(`- ${collapse(block.text)}`, block.page);
        break;
      case 'code':
        this.code(block.text, block.page);
        break;
      case 'table':
        this.table(block);
        break;
    }
    return this.take();
  }

  /** Ends the document; returns the last chunk, if any. */
  finish(): Chunk[] {
    this.flush();
    return this.take();
  }

  private take(): Chunk[] {
    const out = this.out;
    this.out = [];
    return out;
  }

  private get hasBody(): boolean {
    return this.pieces.some((piece) => piece.kind !== 'heading' && piece.kind !== 'overlap');
  }

  private heading(level: number, raw: string, page: number | undefined): void {
    const text = collapse(raw);
    if (text === '') return;
    const depth = Number.isFinite(level) ? Math.min(Math.max(Math.trunc(level), 1), 6) : 1;
    if (this.hasBody) this.flush();
    else {
      // Headings with nothing under them yet: keep only those still on the path (`# A` `# B`
      // leaves B alone; `# A` `## B` keeps both, as a title over its first section).
      this.pieces = this.pieces.filter(
        (piece) => piece.kind === 'heading' && (piece.level ?? 0) < depth,
      );
      this.tokens = this.measure(this.pieces);
    }
    while ((this.headings.at(-1)?.level ?? 0) >= depth) this.headings.pop();
    const shortened =
      text.length > MAX_HEADING_CHARS ? `${text.slice(0, MAX_HEADING_CHARS - 1)}…` : text;
    this.headings.push({ level: depth, text: shortened });
    this.path = this.headings.map((h) => h.text);

    const tokens = this.options.count(text);
    // A heading that would eat most of a chunk is body text in disguise (bad PDF structure).
    if (tokens > this.options.maxTokens / 4) this.prose(text, page);
    else this.add({ text, tokens, page, joint: 'block', kind: 'heading', level: depth });
  }

  private prose(raw: string, page: number | undefined): void {
    const text = collapse(raw);
    if (text === '') return;
    const { maxTokens, count } = this.options;
    const tokens = count(text);
    if (tokens <= maxTokens) {
      this.place({ text, tokens, page, joint: 'block', kind: 'prose' });
      return;
    }
    // Sentence by sentence, continued with spaces, so they fill chunks like a flowing paragraph.
    // Each part leaves room for the overlap that may open its chunk.
    const budget = maxTokens - this.options.overlapTokens;
    let first = true;
    for (const sentence of splitSentences(text)) {
      const sentenceTokens = count(sentence.trim());
      const parts =
        sentenceTokens <= budget ? [sentence.trim()] : splitToFit(sentence, budget, count);
      for (const part of parts) {
        if (part === '') continue;
        const tokens = part === sentence.trim() ? sentenceTokens : count(part);
        this.place({ text: part, tokens, page, joint: first ? 'block' : 'space', kind: 'prose' });
        first = false;
      }
    }
  }

  private code(raw: string, page: number | undefined): void {
    const text = raw.replace(/^\n+|\s+$/gu, '');
    if (text.trim() === '') return;
    const { maxTokens, count } = this.options;
    const tokens = count(text);
    if (tokens <= maxTokens) {
      this.place({ text, tokens, page, joint: 'block', kind: 'code' });
      return;
    }
    let first = true;
    for (const line of text.split('\n')) {
      const parts = count(line) <= maxTokens ? [line] : splitToFit(line, maxTokens, count);
      for (const part of parts) {
        if (part.trim() === '' && first) continue;
        this.place({
          text: part,
          tokens: count(part),
          page,
          joint: first ? 'block' : 'line',
          kind: 'code',
        });
        first = false;
      }
    }
  }

  private table(block: TableBlock): void {
    const lines = block.rows.map(renderRow).filter((line) => line.replace(/[|\s]/g, '') !== '');
    if (lines.length === 0) return;
    const { maxTokens, count } = this.options;
    const page = block.page;
    const whole = lines.join('\n');
    const tokens = count(whole);
    if (tokens <= maxTokens) {
      this.place({ text: whole, tokens, page, joint: 'block', kind: 'table' });
      return;
    }
    // Too big for any chunk: parts of whole rows, each repeating the header so it reads alone.
    const [header = '', ...rows] = lines;
    let headerTokens = count(header);
    let head = header;
    if (headerTokens > maxTokens / 2) {
      // A header that big cannot be repeated; the parts go without it.
      head = '';
      headerTokens = 0;
      rows.unshift(header);
    }
    const budget = maxTokens - headerTokens - (head === '' ? 0 : this.jointTokens.line);
    let part: string[] = [];
    let partTokens = 0;
    const emit = (): void => {
      if (part.length === 0) return;
      const text = head === '' ? part.join('\n') : [head, ...part].join('\n');
      this.place({ text, tokens: count(text), page, joint: 'block', kind: 'table' });
      part = [];
      partTokens = 0;
    };
    for (const row of rows) {
      const rowTokens = count(row);
      const pieces = rowTokens <= budget ? [row] : splitToFit(row, budget, count);
      for (const piece of pieces) {
        const pieceTokens = count(piece);
        const joined = partTokens + (part.length > 0 ? this.jointTokens.line : 0) + pieceTokens;
        if (part.length > 0 && joined > budget) emit();
        partTokens += (part.length > 0 ? this.jointTokens.line : 0) + pieceTokens;
        part.push(piece);
      }
    }
    emit();
  }

  /** Adds a piece to the current chunk, or starts the next chunk (with overlap) when it does not fit. */
  private place(piece: Piece): void {
    const { maxTokens } = this.options;
    if (this.tokens + this.jointCost(piece) + piece.tokens <= maxTokens) {
      this.add(piece);
      return;
    }
    if (!this.hasBody) {
      // Only headings so far and the piece needs the whole chunk: the heading path still names
      // them, so they are dropped rather than left as a chunk of their own.
      this.pieces = [];
      this.tokens = 0;
      this.add(piece);
      return;
    }
    const overlap = this.overlapFor(piece);
    this.flush();
    if (overlap !== undefined) {
      const room = maxTokens - piece.tokens - this.jointTokens[piece.joint];
      const text =
        overlap.tokens <= room ? overlap.text : tailWithin(overlap.text, room, this.options.count);
      if (text !== '') {
        this.add({ ...overlap, text, tokens: this.options.count(text) });
      }
    }
    this.add(piece);
  }

  /** The overlap the next chunk should open with when `next` continues the current section. */
  private overlapFor(next: Piece): Piece | undefined {
    const { overlapTokens, count } = this.options;
    if (overlapTokens === 0 || next.kind === 'table' || next.kind === 'code') return undefined;
    const last = this.pieces.at(-1);
    if (last === undefined || (last.kind !== 'prose' && last.kind !== 'overlap')) return undefined;
    // Prose pieces at the end of the chunk, back to the last non-prose piece, as one text (only
    // as far back as the overlap could reach, so this stays cheap on long chunks).
    let text = '';
    for (let i = this.pieces.length - 1; i >= 0; i -= 1) {
      const piece = this.pieces[i];
      if (piece === undefined || (piece.kind !== 'prose' && piece.kind !== 'overlap')) break;
      const after = this.pieces[i + 1];
      text = after === undefined ? piece.text : piece.text + JOINTS[after.joint] + text;
      if (count(text) > overlapTokens * 2) break;
    }
    const tail = tailWithin(text, overlapTokens, count);
    if (tail === '') return undefined;
    return { text: tail, tokens: count(tail), page: last.page, joint: 'block', kind: 'overlap' };
  }

  private jointCost(piece: Piece): number {
    return this.pieces.length === 0 ? 0 : this.jointTokens[piece.joint];
  }

  private add(piece: Piece): void {
    if (this.pieces.length === 0) this.path = this.headings.map((h) => h.text);
    this.tokens += this.jointCost(piece) + piece.tokens;
    this.pieces.push(piece);
  }

  private measure(pieces: readonly Piece[]): number {
    return pieces.reduce(
      (sum, piece, i) => sum + piece.tokens + (i === 0 ? 0 : this.jointTokens[piece.joint]),
      0,
    );
  }

  private flush(): void {
    const pieces = this.pieces;
    this.pieces = [];
    this.tokens = 0;
    if (!pieces.some((piece) => piece.kind !== 'overlap')) return;
    const text = pieces
      .map((piece, i) => (i === 0 ? piece.text : JOINTS[piece.joint] + piece.text))
      .join('');
    const pages = pieces
      .map((piece) => piece.page)
      .filter((page): page is number => page !== undefined);
    const pageStart = pages.length > 0 ? Math.min(...pages) : null;
    const pageEnd = pages.length > 0 ? Math.max(...pages) : null;
    const { maxTokens, count } = this.options;
    const tokenCount = count(text);
    // Sizes come from the sum of the parts; a custom counter that is not additive across
    // whitespace could exceed the budget on the whole text, so the whole is checked and re-split.
    const texts = tokenCount <= maxTokens ? [text] : splitToFit(text, maxTokens, count);
    for (const part of texts) {
      this.out.push({
        ordinal: this.ordinal,
        text: part,
        headingPath: this.path,
        pageStart,
        pageEnd,
        tokenCount: part === text ? tokenCount : count(part),
      });
      this.ordinal += 1;
    }
  }
}

/**
 * Chunks a stream of blocks, yielding each chunk as soon as it is complete.
 *
 * @example
 * for await (const chunk of chunkBlocks(parser.blocks(), { maxTokens: 512 })) await save(chunk);
 */
export async function* chunkBlocks(
  blocks: Iterable<DocumentBlock> | AsyncIterable<DocumentBlock>,
  options: ChunkerOptions = {},
): AsyncGenerator<Chunk, void, undefined> {
  const chunker = new Chunker(options);
  for await (const block of blocks) yield* chunker.push(block);
  yield* chunker.finish();
}

/**
 * Chunks a whole parsed document at once.
 *
 * @example
 * const chunks = chunkDocument(parsed, { maxTokens: 512, overlapTokens: 64 });
 */
export function chunkDocument(document: ParsedDocument, options: ChunkerOptions = {}): Chunk[] {
  const chunker = new Chunker(options);
  const chunks: Chunk[] = [];
  for (const block of document.blocks) chunks.push(...chunker.push(block));
  chunks.push(...chunker.finish());
  return chunks;
}
