import { capOutput, renderCallResult } from './tool-result';

describe('renderCallResult', () => {
  it('joins text and describes binary content without inlining it', () => {
    const output = renderCallResult({
      content: [
        { type: 'text', text: 'Line one' },
        { type: 'image', data: 'aGVsbG8=', mimeType: 'image/png' },
        { type: 'audio', data: 'AAAA', mimeType: 'audio/wav' },
        { type: 'resource', resource: { uri: 'file:///a.txt', mimeType: 'text/plain', text: 'A' } },
        { type: 'resource', resource: { uri: 'file:///b.bin', blob: 'AAAAAA==' } },
        { type: 'resource_link', uri: 'file:///c.md', name: 'c.md' },
        { type: 'video', data: 'x' },
      ],
    });
    expect(output.split('\n')).toEqual([
      'Line one',
      '[image: image/png, 5 bytes, not shown]',
      '[audio: audio/wav, 3 bytes, not shown]',
      '[resource file:///a.txt (text/plain)]',
      'A',
      '[resource file:///b.bin] 4 bytes of binary content, not shown',
      '[resource link: c.md file:///c.md]',
      '[content of type "video", not shown]',
    ]);
  });

  it('adds structured content unless a text block already carries it', () => {
    expect(
      renderCallResult({
        content: [{ type: 'text', text: '{"sum": 5}' }],
        structuredContent: { sum: 5 },
      }),
    ).toBe('{"sum": 5}');
    expect(
      renderCallResult({
        content: [{ type: 'text', text: 'Five.' }],
        structuredContent: { sum: 5 },
      }),
    ).toBe('Five.\n{"sum":5}');
    expect(renderCallResult({ content: [], structuredContent: { sum: 5 } })).toBe('{"sum":5}');
    expect(renderCallResult({ content: [] })).toBe('(the tool returned no content)');
    expect(renderCallResult({ toolResult: { old: true } })).toBe('{"old":true}');
  });
});

describe('capOutput', () => {
  it('leaves short output alone', () => {
    expect(capOutput('short', 100)).toEqual({ output: 'short', truncated: false });
  });

  it('cuts at a character boundary within the budget and says so', () => {
    const text = 'é'.repeat(1_000); // 2 bytes each
    const { output, truncated } = capOutput(text, 301);
    expect(truncated).toBe(true);
    expect(Buffer.byteLength(output)).toBeLessThanOrEqual(301);
    expect(output).not.toContain('\uFFFD');
    expect(output).toMatch(/^é+\n\[output truncated: showing \d+ of 2000 bytes\]$/);
  });
});
