import { crc32 } from 'node:zlib';

import { isAppError } from '@lgm/core';
import {
  Document,
  HeadingLevel,
  Packer,
  Paragraph,
  Table,
  TableCell,
  TableRow,
  TextRun,
} from 'docx';

import { detectDocumentType } from './detect-document-type';
import { parseDocument } from './parse-document';

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

/** A minimal stored (uncompressed) ZIP archive with the given entries. */
function zip(entries: Record<string, string>): Uint8Array {
  const local: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const [name, content] of Object.entries(entries)) {
    const nameBytes = Buffer.from(name);
    const data = Buffer.from(content);
    const crc = crc32(data);
    const header = Buffer.alloc(30);
    header.writeUInt32LE(0x04034b50, 0);
    header.writeUInt16LE(20, 4);
    header.writeUInt32LE(crc, 14);
    header.writeUInt32LE(data.length, 18);
    header.writeUInt32LE(data.length, 22);
    header.writeUInt16LE(nameBytes.length, 26);
    local.push(header, nameBytes, data);
    const entry = Buffer.alloc(46);
    entry.writeUInt32LE(0x02014b50, 0);
    entry.writeUInt16LE(20, 4);
    entry.writeUInt16LE(20, 6);
    entry.writeUInt32LE(crc, 16);
    entry.writeUInt32LE(data.length, 20);
    entry.writeUInt32LE(data.length, 24);
    entry.writeUInt16LE(nameBytes.length, 28);
    entry.writeUInt32LE(offset, 42);
    central.push(entry, nameBytes);
    offset += 30 + nameBytes.length + data.length;
  }
  const directory = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(local.length / 3, 8);
  end.writeUInt16LE(local.length / 3, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return new Uint8Array(Buffer.concat([...local, directory, end]));
}

async function expectCode(promise: Promise<unknown>, code: string): Promise<void> {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isAppError(error) ? error.code : error).toBe(code);
}

describe('parseDocument', () => {
  it('parses a DOCX with a heading, Korean paragraph, list and table', async () => {
    const docx = new Document({
      numbering: {
        config: [{ reference: 'bullets', levels: [{ level: 0, format: 'bullet', text: '•' }] }],
      },
      sections: [
        {
          children: [
            new Paragraph({ text: '보안 가이드', heading: HeadingLevel.HEADING_1 }),
            new Paragraph({ children: [new TextRun('보안그룹은 인바운드 트래픽을 제어합니다.')] }),
            new Paragraph({ text: 'First item', numbering: { reference: 'bullets', level: 0 } }),
            new Paragraph({ text: '두 번째 항목', numbering: { reference: 'bullets', level: 0 } }),
            new Table({
              rows: [
                new TableRow({
                  children: [
                    new TableCell({ children: [new Paragraph('Port')] }),
                    new TableCell({ children: [new Paragraph('설명')] }),
                  ],
                }),
                new TableRow({
                  children: [
                    new TableCell({ children: [new Paragraph('443')] }),
                    new TableCell({ children: [new Paragraph('HTTPS 허용')] }),
                  ],
                }),
              ],
            }),
          ],
        },
      ],
    });
    const bytes = new Uint8Array(await Packer.toBuffer(docx));

    const doc = await parseDocument(bytes, { fileName: 'guide.docx' });

    expect(doc.contentType).toBe(
      'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    );
    expect(doc.title).toBe('보안 가이드');
    expect(doc.blocks).toEqual([
      { kind: 'heading', level: 1, text: '보안 가이드' },
      { kind: 'paragraph', text: '보안그룹은 인바운드 트래픽을 제어합니다.' },
      { kind: 'list-item', text: 'First item' },
      { kind: 'list-item', text: '두 번째 항목' },
      {
        kind: 'table',
        rows: [
          ['Port', '설명'],
          ['443', 'HTTPS 허용'],
        ],
      },
    ]);
  });

  it('parses HTML without ever keeping script content', async () => {
    const html = `<!DOCTYPE html><html><head><title>Ops &amp; 보안</title>
      <script>window.secret = "SCRIPT_PAYLOAD";</script><style>p { color: red }</style></head>
      <body><!-- COMMENT_PAYLOAD --><h1>Runbook</h1><p>Restart   the <b>service</b>&nbsp;first.</p>
      <noscript>NOSCRIPT_PAYLOAD</noscript><h2>Ports</h2>
      <table><tr><th>Port</th><th>Use</th></tr><tr><td>22</td><td>SSH <script>alert(1)</script></td></tr></table>
      <ul><li>one</li><li>two</li></ul><pre>line 1
  line 2</pre><svg><title>SVG_PAYLOAD</title><text>SVG_TEXT</text></svg></body></html>`;

    const doc = await parseDocument(utf8(html), { fileName: 'runbook.txt' });

    expect(doc.contentType).toBe('text/html');
    expect(doc.title).toBe('Ops & 보안');
    expect(doc.blocks).toEqual([
      { kind: 'heading', level: 1, text: 'Runbook' },
      { kind: 'paragraph', text: 'Restart the service first.' },
      { kind: 'heading', level: 2, text: 'Ports' },
      {
        kind: 'table',
        rows: [
          ['Port', 'Use'],
          ['22', 'SSH'],
        ],
      },
      { kind: 'list-item', text: 'one' },
      { kind: 'list-item', text: 'two' },
      { kind: 'code', text: 'line 1\n  line 2' },
    ]);
    expect(JSON.stringify(doc)).not.toMatch(/PAYLOAD|alert|SVG_TEXT/);
  });

  it('parses Markdown headings, code, tables, lists and links', async () => {
    const markdown = [
      '# 설치 안내',
      '',
      'Read the [guide](https://example.com/guide) **first**.',
      '',
      'Setext heading',
      '--------------',
      '',
      '```bash',
      'npm start',
      '# not a heading',
      '```',
      '',
      '| Key | 값 |',
      '|-----|:---:|',
      '| a | 가 |',
      '',
      '- item one',
      '- [x] done item',
    ].join('\n');

    const doc = await parseDocument(utf8(markdown), { fileName: 'README' });

    expect(doc.contentType).toBe('text/markdown');
    expect(doc.title).toBe('설치 안내');
    expect(doc.blocks).toEqual([
      { kind: 'heading', level: 1, text: '설치 안내' },
      { kind: 'paragraph', text: 'Read the guide first.' },
      { kind: 'heading', level: 2, text: 'Setext heading' },
      { kind: 'code', text: 'npm start\n# not a heading' },
      {
        kind: 'table',
        rows: [
          ['Key', '값'],
          ['a', '가'],
        ],
      },
      { kind: 'list-item', text: 'item one' },
      { kind: 'list-item', text: 'done item' },
    ]);
  });

  it('parses CSV with a header and Korean cells into table blocks of N rows', async () => {
    const rows = Array.from({ length: 5 }, (_, i) => `${i + 1},"서울, 한국",값${i + 1}`);
    const csv = ['id,도시,값', ...rows].join('\r\n');

    const doc = await parseDocument(utf8(csv), { fileName: 'cities.csv', csvRowsPerBlock: 2 });

    expect(doc.contentType).toBe('text/csv');
    expect(doc.blocks).toHaveLength(3);
    expect(doc.blocks[0]).toEqual({
      kind: 'table',
      rows: [
        ['id', '도시', '값'],
        ['1', '서울, 한국', '값1'],
        ['2', '서울, 한국', '값2'],
      ],
    });
    expect(doc.blocks[2]).toEqual({
      kind: 'table',
      rows: [
        ['id', '도시', '값'],
        ['5', '서울, 한국', '값5'],
      ],
    });
  });

  it('parses plain text into paragraphs and NFC-normalises Korean', async () => {
    const decomposed = '보안그룹'.normalize('NFD');
    const text = `First paragraph\nwraps here.\n\n\n${decomposed}은 중요합니다.\r\n`;

    const doc = await parseDocument(utf8(text), { fileName: 'notes.txt' });

    expect(doc.contentType).toBe('text/plain');
    expect(doc.blocks).toEqual([
      { kind: 'paragraph', text: 'First paragraph wraps here.' },
      { kind: 'paragraph', text: '보안그룹은 중요합니다.' },
    ]);
  });

  it('fails with specific codes', async () => {
    await expectCode(parseDocument(new Uint8Array(0)), 'EMPTY_DOCUMENT');
    await expectCode(parseDocument(utf8(' \n\t \n')), 'EMPTY_DOCUMENT');
    const junk = Uint8Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 256);
    await expectCode(parseDocument(junk, { fileName: 'junk.txt' }), 'UNSUPPORTED_DOCUMENT_TYPE');
    await expectCode(parseDocument(utf8('hello world'), { maxBytes: 5 }), 'DOCUMENT_TOO_LARGE');
    await expectCode(
      parseDocument(utf8('a,b\n1,"unclosed\n'), { fileName: 'bad.csv' }),
      'DOCUMENT_CORRUPT',
    );
  });

  it('rejects a zip renamed .pdf and a corrupt DOCX', async () => {
    const archive = zip({ 'hello.txt': 'hi' });
    expect(() => detectDocumentType(archive, { fileName: 'report.pdf' })).toThrow(
      expect.objectContaining({ code: 'UNSUPPORTED_DOCUMENT_TYPE', status: 415 }),
    );
    await expectCode(
      parseDocument(archive, { fileName: 'report.pdf' }),
      'UNSUPPORTED_DOCUMENT_TYPE',
    );

    const brokenDocx = zip({ 'word/document.xml': '<not-xml' });
    expect(detectDocumentType(brokenDocx)).toBe(
      'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    );
    await expectCode(parseDocument(brokenDocx), 'DOCUMENT_CORRUPT');
    // A truncated archive has lost its central directory.
    await expectCode(parseDocument(brokenDocx.subarray(0, 40)), 'DOCUMENT_CORRUPT');
  });
});
