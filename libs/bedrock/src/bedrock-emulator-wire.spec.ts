// The emulator's bytes on the wire, read without the SDK (over HTTP/1.1, which it also speaks):
// frames, headers and payloads as Bedrock sends them.
import { type BedrockEmulator, bedrockScripts, startBedrockEmulator } from '@lgm/testing';
import { EventStreamCodec } from '@smithy/eventstream-codec';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';

const codec = new EventStreamCodec(toUtf8, fromUtf8);

/** Splits an event-stream body into decoded messages (each frame starts with its total length). */
function decodeFrames(bytes: Uint8Array) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const messages = [];
  for (let offset = 0; offset < bytes.byteLength;) {
    const length = view.getUint32(offset);
    const message = codec.decode(bytes.subarray(offset, offset + length));
    messages.push({
      headers: Object.fromEntries(
        Object.entries(message.headers).map(([name, header]) => [name, header.value]),
      ),
      payload: JSON.parse(toUtf8(message.body)) as Record<string, unknown>,
    });
    offset += length;
  }
  return messages;
}

describe('Bedrock emulator wire format', () => {
  let emulator: BedrockEmulator;
  const post = (path: string, body: unknown) =>
    fetch(`${emulator.endpoint}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const request = { messages: [{ role: 'user', content: [{ text: 'hi there' }] }] };

  beforeAll(async () => {
    emulator = await startBedrockEmulator();
  });
  afterAll(async () => {
    await emulator.close();
  });
  beforeEach(() => emulator.reset());

  it('frames a streamed answer as Bedrock event-stream messages', async () => {
    emulator.enqueue(
      bedrockScripts.toolUse([{ toolUseId: 't1', name: 'lookup', input: { q: 'x' }, deltas: 1 }], {
        text: 'Hi',
      }),
    );

    const response = await post('/model/m1/converse-stream', request);
    const messages = decodeFrames(new Uint8Array(await response.arrayBuffer()));

    expect(response.headers.get('content-type')).toBe('application/vnd.amazon.eventstream');
    expect(messages.map((message) => message.headers[':event-type'])).toEqual([
      'messageStart',
      'contentBlockDelta',
      'contentBlockStop',
      'contentBlockStart',
      'contentBlockDelta',
      'contentBlockStop',
      'messageStop',
      'metadata',
    ]);
    for (const message of messages) {
      expect(message.headers[':message-type']).toBe('event');
      expect(message.headers[':content-type']).toBe('application/json');
    }
    expect(messages[3]?.payload).toMatchObject({
      contentBlockIndex: 1,
      start: { toolUse: { toolUseId: 't1', name: 'lookup' } },
    });
    expect(messages[4]?.payload).toMatchObject({ delta: { toolUse: { input: '{"q":"x"}' } } });
    expect(messages[6]?.payload).toMatchObject({ stopReason: 'tool_use' });
    expect(messages[7]?.payload).toMatchObject({
      usage: { inputTokens: 2, outputTokens: 2, totalTokens: 4 },
      metrics: { latencyMs: expect.any(Number) },
    });
  });

  it('sends exceptions as exception messages', async () => {
    emulator.enqueue(bedrockScripts.streamException('a b', 'modelStreamErrorException', 'bad'));

    const response = await post('/model/m1/converse-stream', request);
    const messages = decodeFrames(new Uint8Array(await response.arrayBuffer()));
    const last = messages.at(-1);

    expect(last?.headers).toEqual({
      ':message-type': 'exception',
      ':exception-type': 'modelStreamErrorException',
      ':content-type': 'application/json',
    });
    expect(last?.payload).toMatchObject({ message: 'bad', originalStatusCode: 500 });
  });

  it('reports HTTP errors the restJson1 way', async () => {
    emulator.enqueue(bedrockScripts.throttle(1));

    const response = await post('/model/m1/converse', request);

    expect(response.status).toBe(429);
    expect(response.headers.get('x-amzn-errortype')).toMatch(/^ThrottlingException:/);
    expect(await response.json()).toEqual({
      message: 'Too many requests, please wait before trying again.',
    });
  });

  it('rejects Titan requests Bedrock would reject', async () => {
    const bad = await post('/model/amazon.titan-embed-text-v2:0/invoke', {
      inputText: 'x',
      dimensions: 300,
    });
    const unknown = await post('/model/amazon.nothing/invoke', { inputText: 'x' });

    expect(bad.status).toBe(400);
    expect(bad.headers.get('x-amzn-errortype')).toMatch(/^ValidationException:/);
    expect(unknown.status).toBe(400);
  });
});
