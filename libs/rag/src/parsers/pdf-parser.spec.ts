import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

// pdfjs-dist is ESM only; jest runs CommonJS. The harness runs the real parser under tsx in a
// child process and reports outcomes as JSON (see pdf-test-harness.ts).
const workspaceRoot = join(__dirname, '../../../..');

interface Outcome {
  ok?: unknown;
  code?: string;
  cause?: string;
}

describe('PDF parser (pdfjs in a child process)', () => {
  let results: Record<string, Outcome>;

  beforeAll(() => {
    const stdout = execFileSync(
      process.execPath,
      ['--import', 'tsx', join(__dirname, 'pdf-test-harness.ts')],
      { cwd: workspaceRoot, encoding: 'utf8', timeout: 60_000 },
    );
    results = JSON.parse(stdout) as Record<string, Outcome>;
  }, 60_000);

  it('keeps page numbers: the text of page 2 comes back with page 2', () => {
    const doc = results['document']?.ok as {
      pageCount: number;
      blocks: { kind: string; text: string; page: number; level?: number }[];
    };
    expect(doc.pageCount).toBe(3);
    const sentence = doc.blocks.find((b) => b.text.includes('lives on page 2'));
    expect(sentence).toMatchObject({ kind: 'paragraph', page: 2 });
    expect(sentence?.text).toBe(
      'This sentence lives on page 2 of the test document. It continues on a second line of the same paragraph.',
    );
    expect(doc.blocks).toContainEqual({ kind: 'heading', level: 1, text: 'Chapter 2', page: 2 });
  });

  it('streams pages in order', () => {
    expect(results['pages']?.ok).toEqual([1, 2, 3]);
  });

  it('reports truncated and garbled PDFs as DOCUMENT_CORRUPT', () => {
    expect(results['truncated']).toMatchObject({ code: 'DOCUMENT_CORRUPT' });
    expect(results['garbled']).toMatchObject({ code: 'DOCUMENT_CORRUPT' });
  });

  it('reports a PDF with an /Encrypt dictionary as DOCUMENT_ENCRYPTED (pdfjs PasswordException)', () => {
    expect(results['encrypted']).toEqual({
      code: 'DOCUMENT_ENCRYPTED',
      cause: 'PasswordException',
    });
  });

  it('reports a PDF without a text layer as DOCUMENT_HAS_NO_TEXT', () => {
    expect(results['noText']).toMatchObject({ code: 'DOCUMENT_HAS_NO_TEXT' });
  });
});
