import { parse } from 'csv-parse/sync';

import { detectCsvDelimiter } from './detect-document-type';
import { DocumentError } from './document-error';
import type { DocumentBlock, ParsedDocument } from './parsed-document';
import { cleanText } from './text-utils';

/** Options of {@link parseCsv}. */
export interface CsvParseOptions {
  /** Data rows per table block (the header row is repeated in each). Default 50. */
  readonly rowsPerBlock?: number;
}

/**
 * Parses CSV (comma, tab or semicolon separated, detected) into table blocks of at most
 * `rowsPerBlock` data rows, each starting with the header row, so a large file never becomes one
 * giant block and every block reads on its own.
 *
 * @throws DocumentError `DOCUMENT_CORRUPT` when the CSV is malformed (e.g. an unclosed quote).
 */
export function parseCsv(text: string, options: CsvParseOptions = {}): ParsedDocument {
  const rowsPerBlock = Math.max(1, Math.floor(options.rowsPerBlock ?? 50));
  const delimiter = detectCsvDelimiter(text) ?? ',';
  let records: string[][];
  try {
    records = parse(text.normalize('NFC'), {
      delimiter,
      bom: true,
      skip_empty_lines: true,
      relax_column_count: true,
    });
  } catch (error) {
    throw new DocumentError('DOCUMENT_CORRUPT', `The CSV file is malformed: ${csvReason(error)}`, {
      cause: error,
    });
  }
  const rows = records.map((record) => record.map((cell) => cleanText(cell)));
  const [header, ...data] = rows;
  const blocks: DocumentBlock[] = [];
  if (header !== undefined && data.length === 0) blocks.push({ kind: 'table', rows: [header] });
  for (let start = 0; header !== undefined && start < data.length; start += rowsPerBlock) {
    blocks.push({ kind: 'table', rows: [header, ...data.slice(start, start + rowsPerBlock)] });
  }
  return { contentType: 'text/csv', blocks };
}

function csvReason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0] ?? 'unknown error';
}
