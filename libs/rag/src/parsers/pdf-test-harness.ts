/**
 * Runs the PDF parser on generated fixtures in a plain Node process and prints the outcomes as
 * JSON. pdf-parser.spec.ts starts it with tsx because pdfjs-dist is ESM only and jest compiles to
 * CommonJS, where pdfjs's `import.meta` and dynamic `import()` cannot run.
 */
import { isAppError } from '@lgm/core';
import { PDFDocument, StandardFonts } from 'pdf-lib';

import { parseDocument } from './parse-document';
import { parsePdfPages } from './pdf-parser';

async function multiPagePdf(): Promise<Uint8Array> {
  const pdf = await PDFDocument.create();
  const font = await pdf.embedFont(StandardFonts.Helvetica);
  for (let n = 1; n <= 3; n += 1) {
    const page = pdf.addPage([595, 842]);
    page.drawText(`Chapter ${n}`, { x: 50, y: 780, size: 24, font });
    page.drawText(`This sentence lives on page ${n} of the test document.`, {
      x: 50,
      y: 730,
      size: 11,
      font,
    });
    page.drawText('It continues on a second line of the same paragraph.', {
      x: 50,
      y: 716,
      size: 11,
      font,
    });
    page.drawText(`A separate paragraph on page ${n}.`, { x: 50, y: 660, size: 11, font });
  }
  return pdf.save();
}

async function blankPdf(): Promise<Uint8Array> {
  const pdf = await PDFDocument.create();
  pdf.addPage([200, 200]).drawRectangle({ x: 10, y: 10, width: 50, height: 50 });
  return pdf.save();
}

/** A minimal PDF whose trailer names an /Encrypt dictionary, so readers must ask for a password. */
function encryptedPdf(): Uint8Array {
  const hex = (byte: string): string => `<${byte.repeat(32)}>`;
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>',
    `<< /Filter /Standard /V 1 /R 2 /O ${hex('ab')} /U ${hex('cd')} /P -4 >>`,
  ];
  let body = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((object, i) => {
    offsets.push(body.length);
    body += `${i + 1} 0 obj\n${object}\nendobj\n`;
  });
  const xref = body.length;
  body += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const offset of offsets) body += `${String(offset).padStart(10, '0')} 00000 n \n`;
  body +=
    `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R /Encrypt 4 0 R ` +
    `/ID [<0123456789abcdef0123456789abcdef> <0123456789abcdef0123456789abcdef>] >>\n` +
    `startxref\n${xref}\n%%EOF\n`;
  return new TextEncoder().encode(body);
}

async function outcome(run: () => Promise<unknown>): Promise<unknown> {
  try {
    return { ok: await run() };
  } catch (error) {
    return isAppError(error)
      ? { code: error.code, cause: error.cause instanceof Error ? error.cause.name : undefined }
      : { unexpected: String(error) };
  }
}

async function main(): Promise<void> {
  const good = await multiPagePdf();
  const garbled = new TextEncoder().encode(
    `%PDF-1.7\n${'\u0001garbage\u0002 obj << >> '.repeat(20)}`,
  );
  const results = {
    document: await outcome(() => parseDocument(good, { fileName: 'book.pdf' })),
    pages: await outcome(async () => {
      const pages: number[] = [];
      for await (const page of parsePdfPages(good)) pages.push(page.pageNumber);
      return pages;
    }),
    truncated: await outcome(() => parseDocument(good.subarray(0, 40))),
    garbled: await outcome(() => parseDocument(garbled)),
    encrypted: await outcome(() => parseDocument(encryptedPdf())),
    noText: await outcome(async () => parseDocument(await blankPdf())),
  };
  process.stdout.write(JSON.stringify(results));
}

void main();
