import { detectDocumentType } from './detect-document-type';

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

describe('detectDocumentType', () => {
  it('sniffs PDF and HTML from the bytes, not the name', () => {
    expect(detectDocumentType(utf8('%PDF-1.7\n...'), { fileName: 'notes.txt' })).toBe(
      'application/pdf',
    );
    expect(detectDocumentType(utf8('\uFEFF \n<!DOCTYPE html><p>x</p>'), { fileName: 'a.md' })).toBe(
      'text/html',
    );
    expect(detectDocumentType(utf8('<!-- c --><HTML><body>x</body></HTML>'))).toBe('text/html');
  });

  it('tells Markdown, CSV and plain text apart by content, using hints only when plausible', () => {
    expect(detectDocumentType(utf8('# Title\n\nBody'))).toBe('text/markdown');
    expect(detectDocumentType(utf8('a,b,c\n1,2,3\n4,5,6\n'))).toBe('text/csv');
    expect(detectDocumentType(utf8('이름\t나이\n철수\t30\n영희\t28\n'))).toBe('text/csv');
    expect(detectDocumentType(utf8('Hello, world.\nJust prose.'))).toBe('text/plain');
    expect(detectDocumentType(utf8('Just prose.'), { fileName: 'x.md' })).toBe('text/markdown');
    expect(detectDocumentType(utf8('no delimiters here'), { fileName: 'x.csv' })).toBe(
      'text/plain',
    );
    expect(
      detectDocumentType(utf8('# Title'), { declaredContentType: 'text/plain; charset=utf-8' }),
    ).toBe('text/markdown');
  });

  it('decodes UTF-16 and legacy Korean (CP949) text', () => {
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('안녕하세요', 'utf16le')]);
    expect(detectDocumentType(new Uint8Array(utf16))).toBe('text/plain');
    // "안녕하세요" in EUC-KR.
    const eucKr = Uint8Array.from([0xbe, 0xc8, 0xb3, 0xe7, 0xc7, 0xcf, 0xbc, 0xbc, 0xbf, 0xe4]);
    expect(detectDocumentType(eucKr)).toBe('text/plain');
  });

  it('rejects NUL-heavy binary content', () => {
    expect(() => detectDocumentType(utf8('abc\u0000def'))).toThrow(
      expect.objectContaining({ code: 'UNSUPPORTED_DOCUMENT_TYPE' }),
    );
  });
});
