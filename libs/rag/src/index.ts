export {
  type Chunk,
  chunkBlocks,
  chunkDocument,
  Chunker,
  type ChunkerOptions,
  MAX_CHUNK_TOKENS,
} from './chunking/chunker';
export { splitSentences, splitToFit, splitWords } from './chunking/split-text';
export { countTokens, type TokenCounter } from './chunking/token-count';
export { type CsvParseOptions, parseCsv } from './parsers/csv-parser';
export {
  detectDocumentType,
  type DocumentTypeHints,
  sniffDocument,
  type SniffedDocument,
} from './parsers/detect-document-type';
export { DocumentError, type DocumentErrorCode } from './parsers/document-error';
export { parseDocx } from './parsers/docx-parser';
export { extractHtmlBlocks, type HtmlExtraction, parseHtml } from './parsers/html-parser';
export { parseMarkdown } from './parsers/markdown-parser';
export {
  DEFAULT_MAX_DOCUMENT_BYTES,
  parseDocument,
  type ParseDocumentOptions,
} from './parsers/parse-document';
export type {
  CodeBlock,
  DocumentBlock,
  DocumentContentType,
  HeadingBlock,
  ListItemBlock,
  ParagraphBlock,
  ParsedDocument,
  TableBlock,
} from './parsers/parsed-document';
export { parsePdf, parsePdfPages, type PdfPage, type PdfParseOptions } from './parsers/pdf-parser';
export { parsePlainText } from './parsers/text-parser';
export {
  type AnswerLanguage,
  type AssembledPrompt,
  assemblePrompt,
  type AssemblePromptInput,
  type Citation,
  type PromptBudgetOptions,
  type PromptPassage,
  systemInstructions,
} from './prompt/assemble';
export {
  DEFAULT_CANDIDATES,
  DEFAULT_RETRIEVAL_K,
  DEFAULT_RRF_K,
  HybridRetriever,
  type HybridRetrieverDeps,
  type HybridRetrieverOptions,
  MAX_QUERY_CHARACTERS,
  type MethodRanks,
  type PassageSearch,
  type RankedList,
  reciprocalRankFusion,
  type Reranker,
  type RerankScore,
  type RetrievedPassage,
} from './retrieval/hybrid-retriever';
export { bestSnippet, MAX_SNIPPET_CHARACTERS } from './retrieval/snippet';
