import { SseParser } from './openai-sse';

describe('SseParser', () => {
  it('parses events split at every byte, with CRLF, comments and multi-byte characters', () => {
    // Arrange
    const text =
      ': keep-alive\r\n\r\ndata: {"a":"é€"}\r\n\r\nevent: x\r\ndata: one\r\ndata: two\r\n\r\n';
    const bytes = new TextEncoder().encode(text);
    const parser = new SseParser();

    // Act
    const events = [];
    for (let i = 0; i < bytes.length; i += 1) events.push(...parser.push(bytes.subarray(i, i + 1)));
    events.push(...parser.end());

    // Assert
    expect(events).toEqual([
      { event: '', data: '{"a":"é€"}' },
      { event: 'x', data: 'one\ntwo' },
    ]);
  });

  it('dispatches a final event that lacks its blank line', () => {
    const parser = new SseParser();
    const events = [...parser.push('data: [DONE]'), ...parser.end()];
    expect(events).toEqual([{ event: '', data: '[DONE]' }]);
  });
});
