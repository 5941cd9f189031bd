import { PDFDocument, StandardFonts } from 'pdf-lib';

/** Text of a page: lines drawn top-down. */
export type PdfPage = readonly string[];

/** A real PDF (text drawn with Helvetica, one text layer per page) with a title in its metadata. */
export async function buildPdf(title: string, pages: readonly PdfPage[]): Promise<Uint8Array> {
  const pdf = await PDFDocument.create();
  pdf.setTitle(title);
  const font = await pdf.embedFont(StandardFonts.Helvetica);
  for (const lines of pages) {
    pdf.addPage([595, 842]).drawText(lines.join('\n'), {
      x: 56,
      y: 770,
      size: 12,
      lineHeight: 18,
      font,
    });
  }
  return pdf.save();
}
