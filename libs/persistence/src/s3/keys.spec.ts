import {
  assertFileName,
  buildObjectKey,
  decodeEventObjectKey,
  MAX_FILE_NAME_BYTES,
  ownerPrefix,
  parseObjectKey,
  sanitizeFileName,
} from './keys';

const ID = '01J9Z3K4M5N6P7Q8R9S0T1V2W3';
const OWNER = '3f1c2b8e-6a7d-4e2f-9b1a-0c5d7e8f9a01';

function codeOf(action: () => unknown): string | undefined {
  try {
    action();
  } catch (error) {
    return (error as { code?: string }).code;
  }
  return undefined;
}

describe('object keys', () => {
  it('builds and parses documents/<owner>/<id>/<fileName>, keeping Korean and spaces', () => {
    const parts = {
      area: 'documents',
      ownerId: OWNER,
      id: ID,
      fileName: '분기 보고서 1.pdf',
    } as const;

    const key = buildObjectKey(parts);

    expect(key).toBe(`documents/${OWNER}/${ID}/분기 보고서 1.pdf`);
    expect(parseObjectKey(key)).toEqual(parts);
    expect(ownerPrefix('artifacts', OWNER)).toBe(`artifacts/${OWNER}/`);
  });

  it.each([
    ['empty owner', { ownerId: '' }],
    ['owner with a slash', { ownerId: 'a/b' }],
    ['owner traversal', { ownerId: '..' }],
    ['owner too long', { ownerId: 'a'.repeat(129) }],
    ['lowercase id', { id: ID.toLowerCase() }],
    ['id traversal', { id: `../${ID}` }],
  ])('rejects %s with INVALID_OBJECT_KEY', (_name, override) => {
    const parts = {
      area: 'documents' as const,
      ownerId: OWNER,
      id: ID,
      fileName: 'a.txt',
      ...override,
    };

    expect(codeOf(() => buildObjectKey(parts))).toBe('INVALID_OBJECT_KEY');
  });

  it.each([
    ['empty', ''],
    ['a slash', 'a/b.txt'],
    ['a backslash', 'a\\b.txt'],
    ['dot-dot', '..'],
    ['dot', '.'],
    ['embedded dot-dot', 'a..b'],
    ['a NUL', 'a\u0000b'],
    ['a newline', 'a\nb'],
    ['a bidi override', 'invoice\u202Efdp.exe'],
    ['surrounding space', ' a.txt'],
    ['NFD Korean', '보고서'.normalize('NFD')],
    ['over 255 bytes', '가'.repeat(86)],
  ])('rejects a file name with %s as INVALID_FILE_NAME', (_name, fileName) => {
    expect(codeOf(() => assertFileName(fileName))).toBe('INVALID_FILE_NAME');
  });

  it('rejects keys it could not have built', () => {
    for (const key of [
      'documents/u1/not-a-ulid/a.txt',
      `photos/u1/${ID}/a.txt`,
      `documents/u1/${ID}/a/b.txt`,
      `documents/../${ID}/a.txt`,
    ]) {
      expect(codeOf(() => parseObjectKey(key))).toBe('INVALID_OBJECT_KEY');
    }
  });
});

describe('sanitizeFileName', () => {
  it.each([
    ['C:\\fakepath\\보고서.pdf', '보고서.pdf'],
    ['../../etc/passwd', 'passwd'],
    ['my..report.pdf', 'my.report.pdf'],
    ['  spaced name .txt  ', 'spaced name .txt'],
    ['tab\there\u0007.md', 'tabhere.md'],
    ['invoice\u202Efdp.exe', 'invoicefdp.exe'],
    ['보고서'.normalize('NFD') + '.pdf', '보고서.pdf'],
  ])('turns %j into %j', (raw, expected) => {
    expect(sanitizeFileName(raw)).toBe(expected);
  });

  it('truncates to 255 UTF-8 bytes on a character boundary and keeps the extension', () => {
    const name = sanitizeFileName(`${'가'.repeat(200)}.pdf`);

    expect(Buffer.byteLength(name, 'utf8')).toBeLessThanOrEqual(MAX_FILE_NAME_BYTES);
    expect(name.endsWith('가.pdf')).toBe(true);
    expect(() => assertFileName(name)).not.toThrow();
  });

  it('refuses names with nothing usable left', () => {
    for (const raw of ['', '   ', '/', '..', '\u0000']) {
      expect(codeOf(() => sanitizeFileName(raw))).toBe('INVALID_FILE_NAME');
    }
  });
});

describe('decodeEventObjectKey', () => {
  it('decodes the form-style encoding of S3 event records', () => {
    expect(decodeEventObjectKey('documents/u1/x/%EB%B3%B4%EA%B3%A0%EC%84%9C+1%2B2.pdf')).toBe(
      'documents/u1/x/보고서 1+2.pdf',
    );
  });

  it('rejects malformed escapes', () => {
    expect(codeOf(() => decodeEventObjectKey('a%E0%A4'))).toBe('INVALID_OBJECT_KEY');
  });
});
