/**
 * An incremental parser of Server-Sent Events (the WHATWG `text/event-stream` format) as served by
 * OpenAI-compatible servers. Bytes arrive split anywhere: inside a line, between `\r` and `\n`, or
 * inside a multi-byte UTF-8 character, so the parser keeps every partial piece until it is whole.
 */

/** One dispatched event: `data` lines joined by `\n`; `event` is empty when the server named none. */
export interface SseEvent {
  readonly event: string;
  readonly data: string;
}

/**
 * Feed it bytes with {@link SseParser.push}, then call {@link SseParser.end} once the body is done.
 * Comments (`: keep-alive`), `id:` and `retry:` fields are ignored: the chat protocol does not use
 * them, and servers (llama.cpp, proxies) send comments as keepalives.
 *
 * @example
 * const parser = new SseParser();
 * for (const event of parser.push(bytes)) handle(event.data);
 */
export class SseParser {
  private readonly decoder = new TextDecoder('utf-8');
  private buffer = '';
  private dataLines: string[] = [];
  private eventName = '';
  /** The previous chunk ended on `\r`: a `\n` starting the next chunk belongs to the same break. */
  private skipLeadingLf = false;

  push(chunk: Uint8Array | string): SseEvent[] {
    const text = typeof chunk === 'string' ? chunk : this.decoder.decode(chunk, { stream: true });
    return this.consume(text);
  }

  /** Flushes what is left. A final event without its blank line still counts: some servers end so. */
  end(): SseEvent[] {
    const events = this.consume(this.decoder.decode());
    if (this.buffer.length > 0) {
      this.processLine(this.buffer, events);
      this.buffer = '';
    }
    this.dispatch(events);
    return events;
  }

  private consume(text: string): SseEvent[] {
    const events: SseEvent[] = [];
    let input = text;
    if (this.skipLeadingLf && input.length > 0) {
      if (input.startsWith('\n')) input = input.slice(1);
      this.skipLeadingLf = false;
    }
    const buffer = this.buffer + input;
    let start = 0;
    for (;;) {
      const lf = buffer.indexOf('\n', start);
      const cr = buffer.indexOf('\r', start);
      if (lf === -1 && cr === -1) break;
      const isCr = cr !== -1 && (lf === -1 || cr < lf);
      const at = isCr ? cr : lf;
      this.processLine(buffer.slice(start, at), events);
      if (isCr) {
        if (at + 1 < buffer.length) {
          start = buffer[at + 1] === '\n' ? at + 2 : at + 1;
        } else {
          // CR is the last byte we have: the LF of a CRLF may come in the next chunk.
          start = at + 1;
          this.skipLeadingLf = true;
        }
      } else {
        start = at + 1;
      }
    }
    this.buffer = buffer.slice(start);
    return events;
  }

  private processLine(line: string, events: SseEvent[]): void {
    if (line.length === 0) {
      this.dispatch(events);
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') this.dataLines.push(value);
    else if (field === 'event') this.eventName = value;
  }

  private dispatch(events: SseEvent[]): void {
    if (this.dataLines.length > 0) {
      events.push({ event: this.eventName, data: this.dataLines.join('\n') });
    }
    this.dataLines = [];
    this.eventName = '';
  }
}
