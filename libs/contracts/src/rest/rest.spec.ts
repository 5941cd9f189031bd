import {
  createDocumentRequestSchema,
  createSessionRequestSchema,
  documentContentTypeFor,
  isDocumentContentType,
  listDocumentsQuerySchema,
  pageQuerySchema,
  postMessageRequestSchema,
  registerMcpServerRequestSchema,
  searchRequestSchema,
  updateSessionRequestSchema,
  usageQuerySchema,
} from '../index';

describe('REST request schemas', () => {
  it.each([
    ['a session with an unknown field', createSessionRequestSchema, { title: 'x', owner: 'me' }],
    ['a blank title', createSessionRequestSchema, { title: '   ' }],
    ['a title with a control character', createSessionRequestSchema, { title: 'a\u0007b' }],
    ['a patch with nothing to change', updateSessionRequestSchema, { expectedVersion: 1 }],
    ['a patch at version 0', updateSessionRequestSchema, { title: 'x', expectedVersion: 0 }],
    [
      'a message with unknown options',
      postMessageRequestSchema,
      { content: 'hi', clientMessageId: 'c', options: { temperature: 1 } },
    ],
    [
      'a message of 32,001 characters',
      postMessageRequestSchema,
      { content: 'x'.repeat(32_001), clientMessageId: 'c' },
    ],
    [
      'an upload of 0 bytes',
      createDocumentRequestSchema,
      { fileName: 'a.txt', contentType: 'text/plain', sizeBytes: 0 },
    ],
    [
      'a content type with a header injected',
      createDocumentRequestSchema,
      { fileName: 'a.txt', contentType: 'text/plain\r\nx: y', sizeBytes: 1 },
    ],
    ['a search of 51 passages', searchRequestSchema, { query: 'x', k: 51 }],
    [
      'an MCP server name with a space',
      registerMcpServerRequestSchema,
      { name: 'my tools', url: 'https://x.example' },
    ],
    ['an unknown query parameter', pageQuerySchema, { limit: '5', offset: '10' }],
    ['a limit of 101', pageQuerySchema, { limit: '101' }],
    ['a cursor with a slash', pageQuerySchema, { cursor: 'a/b' }],
    ['an unknown document status', listDocumentsQuerySchema, { status: 'done' }],
    ['a day that does not exist', usageQuerySchema, { from: '2026-02-30' }],
  ])('refuses %s', (_what, schema, input) => {
    expect(schema.safeParse(input).success).toBe(false);
  });

  it('reads query strings as the server receives them (text), with their numbers', () => {
    expect(pageQuerySchema.parse({ limit: '25', cursor: 'eyJ4Ijox' })).toEqual({
      limit: 25,
      cursor: 'eyJ4Ijox',
    });
  });

  it('accepts an upload with a charset parameter and trims a message', () => {
    expect(
      createDocumentRequestSchema.parse({
        fileName: 'notes.txt',
        contentType: 'text/plain; charset=utf-8',
        sizeBytes: 12,
      }).contentType,
    ).toBe('text/plain; charset=utf-8');
    expect(
      postMessageRequestSchema.parse({ content: '  hi  ', clientMessageId: 'c-1' }).content,
    ).toBe('hi');
  });
});

describe('document types', () => {
  it.each([
    ['report.PDF', 'application/pdf'],
    ['보고서.docx', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document'],
    ['page.htm', 'text/html'],
    ['README.md', 'text/markdown'],
    ['data.csv', 'text/csv'],
    ['notes.txt', 'text/plain'],
  ])('knows the type of %s', (fileName, type) => {
    expect(documentContentTypeFor(fileName)).toBe(type);
    expect(isDocumentContentType(type)).toBe(true);
  });

  it('knows no type for other files, and refuses other types', () => {
    expect(documentContentTypeFor('setup.exe')).toBeUndefined();
    expect(documentContentTypeFor('Makefile')).toBeUndefined();
    expect(isDocumentContentType('application/zip')).toBe(false);
    expect(isDocumentContentType('Text/Markdown; charset=utf-8')).toBe(true);
  });
});
