import mammoth from 'mammoth';

import { DOCX_CONTENT_TYPE } from './detect-document-type';
import { DocumentError } from './document-error';
import { extractHtmlBlocks } from './html-parser';
import type { ParsedDocument } from './parsed-document';

/**
 * Parses a Word document: mammoth converts it to semantic HTML (headings from Word's heading
 * styles, lists, tables), which the HTML block extractor turns into blocks. Images are dropped
 * rather than inlined as base64, which would only cost memory.
 *
 * @throws DocumentError `DOCUMENT_CORRUPT` when the package cannot be read.
 */
export async function parseDocx(bytes: Uint8Array): Promise<ParsedDocument> {
  let html: string;
  try {
    const result = await mammoth.convertToHtml(
      { buffer: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) },
      { convertImage: mammoth.images.imgElement(() => Promise.resolve({ src: '' })) },
    );
    html = result.value;
  } catch (error) {
    throw new DocumentError('DOCUMENT_CORRUPT', 'The Word document is damaged or unreadable.', {
      cause: error,
    });
  }
  const { title, blocks } = extractHtmlBlocks(html);
  return { contentType: DOCX_CONTENT_TYPE, ...(title === undefined ? {} : { title }), blocks };
}
