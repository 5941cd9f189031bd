import { type OpenAiFake, openAiFakeErrors, startOpenAiFake } from '@lgm/testing';

import { OpenAiChatModel, type OpenAiChatModelOptions } from './openai-chat-model';
import type { ChatRequest, ChatStreamEvent } from './ports';

const API_KEY = 'sk-test-very-secret-key';

async function collect(iterable: AsyncIterable<ChatStreamEvent>): Promise<ChatStreamEvent[]> {
  const events: ChatStreamEvent[] = [];
  for await (const event of iterable) events.push(event);
  return events;
}

function textOf(events: readonly ChatStreamEvent[]): string {
  return events.map((event) => (event.type === 'text_delta' ? event.text : '')).join('');
}

const question: ChatRequest = {
  modelId: 'llama3.1',
  system: 'Be brief.',
  messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi?' }] }],
};

describe('OpenAiChatModel against the OpenAI fake', () => {
  let fake: OpenAiFake;
  let delays: number[];

  function model(options: Partial<OpenAiChatModelOptions> = {}): OpenAiChatModel {
    return new OpenAiChatModel({
      baseUrl: fake.baseUrl,
      apiKey: API_KEY,
      sleep: async (ms) => {
        delays.push(ms);
      },
      random: () => 0.5,
      ...options,
    });
  }

  beforeEach(async () => {
    fake = await startOpenAiFake();
    delays = [];
  });

  afterEach(async () => {
    await fake.close();
  });

  it('streams an answer in order with usage and the stop reason', async () => {
    // Arrange
    fake.enqueue({
      type: 'text',
      text: 'Hello there, friend.',
      usage: { prompt_tokens: 12, completion_tokens: 4 },
    });

    // Act
    const events = await collect(
      model().stream({
        ...question,
        inference: { maxTokens: 100, temperature: 0.2, topP: 0.9, stopSequences: ['END'] },
      }),
    );

    // Assert
    expect(events).toEqual([
      { type: 'text_delta', text: 'Hello ' },
      { type: 'text_delta', text: 'there, ' },
      { type: 'text_delta', text: 'friend.' },
      { type: 'usage', usage: { inputTokens: 12, outputTokens: 4 } },
      { type: 'stop', reason: 'end_turn' },
    ]);
    const [sent] = fake.requestsTo('/chat/completions');
    expect(sent?.authorization).toBe(`Bearer ${API_KEY}`);
    expect(sent?.body).toEqual({
      model: 'llama3.1',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hi?' },
      ],
      max_tokens: 100,
      temperature: 0.2,
      top_p: 0.9,
      stop: ['END'],
      stream: true,
      stream_options: { include_usage: true },
    });
  });

  it('parses SSE events split across TCP writes, with CRLF and keepalive comments', async () => {
    fake.enqueue({
      type: 'text',
      text: 'Grüße aus dem Süden',
      writeSize: 7,
      crlf: true,
      keepAlive: true,
      usageOnFinishChunk: true,
    });

    const events = await collect(model().stream(question));

    expect(textOf(events)).toBe('Grüße aus dem Süden');
    expect(events.slice(-2)).toEqual([
      { type: 'usage', usage: { inputTokens: 10, outputTokens: 4 } },
      { type: 'stop', reason: 'end_turn' },
    ]);
  });

  it('runs a tool-call round trip', async () => {
    // Arrange
    fake.enqueue({
      type: 'tool_calls',
      text: 'Let me look.',
      calls: [
        { id: 'call_a', name: 'search', arguments: '{"query":"pgvector","limit":3}' },
        { id: 'call_b', name: 'clock', arguments: '' },
      ],
      argumentChunkSize: 5,
    });
    fake.enqueue({ type: 'text', text: 'Found it.' });
    const tools = [
      {
        name: 'search',
        description: 'Search the knowledge base.',
        inputSchema: { type: 'object', properties: { query: { type: 'string' } } },
      },
    ];
    const chat = model();

    // Act
    const first = await collect(chat.stream({ ...question, tools }));
    const second = await collect(
      chat.stream({
        ...question,
        tools,
        messages: [
          ...question.messages,
          {
            role: 'assistant',
            content: [
              { type: 'text', text: 'Let me look.' },
              {
                type: 'tool_use',
                toolUseId: 'call_a',
                name: 'search',
                input: { query: 'pgvector' },
              },
            ],
          },
          {
            role: 'user',
            content: [
              {
                type: 'tool_result',
                toolUseId: 'call_a',
                status: 'success',
                content: [{ type: 'json', json: { hits: 1 } }],
              },
            ],
          },
        ],
      }),
    );

    // Assert
    const toolEvents = first.filter((event) => event.type.startsWith('tool_use'));
    expect(toolEvents[0]).toEqual({ type: 'tool_use_start', toolUseId: 'call_a', name: 'search' });
    const fragments = toolEvents
      .filter((event) => event.type === 'tool_use_input_delta' && event.toolUseId === 'call_a')
      .map((event) => (event.type === 'tool_use_input_delta' ? event.json : ''));
    expect(fragments.length).toBeGreaterThan(1);
    expect(fragments.join('')).toBe('{"query":"pgvector","limit":3}');
    expect(toolEvents.filter((event) => event.type === 'tool_use_stop')).toEqual([
      { type: 'tool_use_stop', toolUseId: 'call_a', input: { query: 'pgvector', limit: 3 } },
      { type: 'tool_use_stop', toolUseId: 'call_b', input: {} },
    ]);
    expect(first.at(-1)).toEqual({ type: 'stop', reason: 'tool_use' });
    expect(textOf(second)).toBe('Found it.');

    const [firstSent, secondSent] = fake.requestsTo('/chat/completions');
    expect((firstSent?.body as { tools: unknown }).tools).toEqual([
      {
        type: 'function',
        function: {
          name: 'search',
          description: 'Search the knowledge base.',
          parameters: { type: 'object', properties: { query: { type: 'string' } } },
        },
      },
    ]);
    expect((secondSent?.body as { messages: unknown[] }).messages.slice(2)).toEqual([
      {
        role: 'assistant',
        content: 'Let me look.',
        tool_calls: [
          {
            id: 'call_a',
            type: 'function',
            function: { name: 'search', arguments: '{"query":"pgvector"}' },
          },
        ],
      },
      { role: 'tool', tool_call_id: 'call_a', content: '{"hits":1}' },
    ]);
  });

  it('reports a tool call with broken JSON as an error event', async () => {
    fake.enqueue({ type: 'tool_calls', calls: [{ id: 'c1', name: 'search', arguments: '{"q":' }] });

    const events = await collect(model().stream(question));

    expect(events.at(-1)).toMatchObject({ type: 'error', code: 'MODEL_TOOL_INPUT_INVALID' });
  });

  it('retries throttling before output without duplicating text', async () => {
    fake.enqueue(openAiFakeErrors.throttled(), 2);
    fake.enqueue({ type: 'text', text: 'Once only.' });

    const events = await collect(model().stream(question));

    expect(textOf(events)).toBe('Once only.');
    expect(fake.requestsTo('/chat/completions')).toHaveLength(3);
    expect(delays).toEqual([125, 250]);
  });

  it('honours Retry-After, capped by the largest delay', async () => {
    fake.enqueue(openAiFakeErrors.throttled(2));
    fake.enqueue({ type: 'text', text: 'ok' });

    await collect(model({ maxDelayMs: 1500 }).stream(question));

    expect(delays).toEqual([1500]);
  });

  it.each([
    ['401', openAiFakeErrors.unauthorized(), 'MODEL_ACCESS_DENIED'],
    ['404 model', openAiFakeErrors.modelNotFound('llama3.1'), 'MODEL_NOT_AVAILABLE'],
    ['400 context length', openAiFakeErrors.contextLengthExceeded(), 'CONTEXT_TOO_LONG'],
    ['other 400', openAiFakeErrors.badRequest('temperature out of range'), 'MODEL_REQUEST_INVALID'],
  ])('maps %s to %s without retrying', async (_label, reply, code) => {
    fake.enqueue(reply);

    const error = await collect(model().stream(question)).catch((caught: unknown) => caught);

    expect(error).toMatchObject({ code });
    expect(fake.requestsTo('/chat/completions')).toHaveLength(1);
    expect(String((error as Error).message)).not.toContain(API_KEY);
  });

  it('maps throttling after all retries to MODEL_THROTTLED and 5xx to MODEL_UNAVAILABLE', async () => {
    fake.enqueue(openAiFakeErrors.throttled(), 4);
    await expect(collect(model().stream(question))).rejects.toMatchObject({
      code: 'MODEL_THROTTLED',
      status: 429,
    });
    expect(fake.requestsTo('/chat/completions')).toHaveLength(4);

    fake.enqueue(openAiFakeErrors.serverError(502), 2);
    await expect(collect(model({ maxRetries: 1 }).stream(question))).rejects.toMatchObject({
      code: 'MODEL_UNAVAILABLE',
    });
  });

  it('maps an unreachable server to MODEL_UNAVAILABLE', async () => {
    const url = fake.baseUrl;
    await fake.close();
    const chat = new OpenAiChatModel({ baseUrl: url, apiKey: API_KEY, maxRetries: 0 });

    const error = await collect(chat.stream(question)).catch((caught: unknown) => caught);

    expect(error).toMatchObject({ code: 'MODEL_UNAVAILABLE' });
    expect(JSON.stringify(error) + String(error)).not.toContain(API_KEY);
    fake = await startOpenAiFake();
  });

  it('keeps partial text and ends with an error event when the stream breaks mid-way', async () => {
    fake.enqueue({ type: 'text', text: 'one two three four five', breakAfterEvents: 3 });

    const events = await collect(model().stream(question));

    expect(textOf(events)).toBe('one two ');
    expect(events.at(-1)).toMatchObject({ type: 'error', code: 'MODEL_UNAVAILABLE' });
    expect(fake.requestsTo('/chat/completions')).toHaveLength(1);
  });

  it('retries a stream that breaks before any output', async () => {
    fake.enqueue({ type: 'text', text: 'lost', breakAfterEvents: 1 });
    fake.enqueue({ type: 'text', text: 'kept' });

    const events = await collect(model().stream(question));

    expect(textOf(events)).toBe('kept');
  });

  it('stops with cancelled when the caller aborts, and closes the connection', async () => {
    fake.enqueue({ type: 'text', text: 'a b c d e f g h i j k l', delayMs: 40 });
    const controller = new AbortController();
    const events: ChatStreamEvent[] = [];

    for await (const event of model().stream({ ...question, signal: controller.signal })) {
      events.push(event);
      if (event.type === 'text_delta') controller.abort();
    }

    expect(events).toEqual([
      { type: 'text_delta', text: 'a ' },
      { type: 'stop', reason: 'cancelled' },
    ]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(fake.requestsTo('/chat/completions')[0]?.closedEarly).toBe(true);
  });

  it('fails a silent stream with MODEL_TIMEOUT after the idle timeout, without retrying', async () => {
    fake.enqueue({ type: 'text', text: 'slow words here', delayMs: 300 });

    await expect(collect(model({ idleTimeoutMs: 100 }).stream(question))).rejects.toMatchObject({
      code: 'MODEL_TIMEOUT',
    });
    expect(fake.requestsTo('/chat/completions')).toHaveLength(1);
  });

  it('completes without streaming', async () => {
    fake.enqueue({
      type: 'tool_calls',
      text: 'Checking.',
      calls: [{ id: 'call_x', name: 'search', arguments: '{"query":"x"}' }],
      usage: { prompt_tokens: 7, completion_tokens: 3 },
    });

    const completion = await model().complete(question);

    expect(completion).toEqual({
      message: {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Checking.' },
          { type: 'tool_use', toolUseId: 'call_x', name: 'search', input: { query: 'x' } },
        ],
      },
      stopReason: 'tool_use',
      usage: { inputTokens: 7, outputTokens: 3 },
    });
    expect((fake.requestsTo('/chat/completions')[0]?.body as { stream: unknown }).stream).toBe(
      false,
    );
  });

  it('sends images as data URLs and documents as fenced text', async () => {
    fake.enqueue({ type: 'text', text: 'ok' });

    await collect(
      model().stream({
        modelId: 'llava',
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'What is this?' },
              { type: 'image', format: 'png', bytes: new Uint8Array([1, 2, 3]) },
              { type: 'document', format: 'md', name: 'notes', bytes: Buffer.from('# Notes') },
            ],
          },
        ],
      }),
    );

    const sent = fake.requestsTo('/chat/completions')[0]?.body as { messages: unknown[] };
    expect(sent.messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'What is this?' },
          { type: 'image_url', image_url: { url: 'data:image/png;base64,AQID' } },
          { type: 'text', text: '<document name="notes" format="md">\n# Notes\n</document>' },
        ],
      },
    ]);
  });
});
