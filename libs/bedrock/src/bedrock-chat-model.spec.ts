import type { AppError } from '@lgm/core';
import { type BedrockEmulator, bedrockScripts, startBedrockEmulator } from '@lgm/testing';

import { BedrockChatModel } from './bedrock-chat-model';
import { createBedrockRuntimeClient } from './bedrock-client';
import type { ChatMessage, ChatRequest, ChatStreamEvent, ToolSpec } from './ports';

const MODEL = 'anthropic.claude-test-v1:0';
const question: ChatMessage = { role: 'user', content: [{ type: 'text', text: 'Hello?' }] };

const weatherTool: ToolSpec = {
  name: 'get_weather',
  description: 'Current weather for a city.',
  inputSchema: {
    type: 'object',
    properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['C', 'F'] } },
    required: ['city'],
  },
};

async function collect(stream: AsyncIterable<ChatStreamEvent>): Promise<ChatStreamEvent[]> {
  const events: ChatStreamEvent[] = [];
  for await (const event of stream) events.push(event);
  return events;
}

async function failure(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (error) {
    return error as AppError;
  }
  throw new Error('expected a failure');
}

const textOf = (events: readonly ChatStreamEvent[]): string =>
  events.map((event) => (event.type === 'text_delta' ? event.text : '')).join('');

describe('BedrockChatModel against the Bedrock emulator (real SDK client)', () => {
  let emulator: BedrockEmulator;
  let sleeps: number[];
  let model: BedrockChatModel;

  const build = (options: Partial<ConstructorParameters<typeof BedrockChatModel>[0]> = {}) =>
    new BedrockChatModel({
      client: createBedrockRuntimeClient({
        region: 'us-east-1',
        endpoint: emulator.endpoint,
        credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
      }),
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      random: () => 0.5,
      ...options,
    });

  beforeAll(async () => {
    emulator = await startBedrockEmulator();
  });
  afterAll(async () => {
    await emulator.close();
  });
  beforeEach(() => {
    emulator.reset();
    sleeps = [];
    model = build();
  });

  it('streams an answer: deltas in order, usage, then stop end_turn', async () => {
    // Arrange
    emulator.enqueue(
      bedrockScripts.text('The quick brown fox jumps.', {
        usage: { inputTokens: 12, outputTokens: 5 },
      }),
    );
    const guarded = build({ guardrail: { id: 'gr-123', version: '2' } });

    // Act
    const events = await collect(
      guarded.stream({
        modelId: MODEL,
        system: 'Be brief.',
        messages: [question],
        inference: { maxTokens: 256, temperature: 0.2, topP: 0.9, stopSequences: ['END'] },
      }),
    );

    // Assert
    expect(events.map((event) => event.type)).toEqual([
      'text_delta',
      'text_delta',
      'text_delta',
      'text_delta',
      'text_delta',
      'usage',
      'stop',
    ]);
    expect(textOf(events)).toBe('The quick brown fox jumps.');
    expect(events.at(-2)).toEqual({ type: 'usage', usage: { inputTokens: 12, outputTokens: 5 } });
    expect(events.at(-1)).toEqual({ type: 'stop', reason: 'end_turn' });
    const [received] = emulator.requests;
    expect(received?.operation).toBe('converse-stream');
    expect(received?.modelId).toBe(MODEL);
    expect(received?.body).toMatchObject({
      system: [{ text: 'Be brief.' }],
      messages: [{ role: 'user', content: [{ text: 'Hello?' }] }],
      inferenceConfig: { maxTokens: 256, temperature: 0.2, topP: 0.9, stopSequences: ['END'] },
      guardrailConfig: { guardrailIdentifier: 'gr-123', guardrailVersion: '2', trace: 'disabled' },
    });
    expect(received?.body).not.toHaveProperty('toolConfig');
  });

  it('maps a catalog id to its Bedrock model id', async () => {
    emulator.enqueue(bedrockScripts.text('Hi'));

    await collect(model.stream({ modelId: 'nova-lite', messages: [question] }));

    expect(emulator.requests[0]?.modelId).toBe('us.amazon.nova-lite-v1:0');
  });

  it('round-trips a tool call: parsed input, then the tool result reaches Bedrock as data', async () => {
    // Arrange
    emulator.enqueue(
      bedrockScripts.toolUse(
        [{ toolUseId: 'tooluse_abc', name: 'get_weather', input: { city: 'Paris', unit: 'C' } }],
        { text: 'Let me check.' },
      ),
      bedrockScripts.text('It is 21 °C in Paris.'),
    );

    // Act: first turn asks for the tool
    const first = await collect(
      model.stream({ modelId: MODEL, messages: [question], tools: [weatherTool] }),
    );

    // Assert
    expect(
      first.filter((event) => event.type !== 'text_delta' && event.type !== 'tool_use_input_delta'),
    ).toEqual([
      { type: 'tool_use_start', toolUseId: 'tooluse_abc', name: 'get_weather' },
      { type: 'tool_use_stop', toolUseId: 'tooluse_abc', input: { city: 'Paris', unit: 'C' } },
      { type: 'usage', usage: expect.objectContaining({ inputTokens: expect.any(Number) }) },
      { type: 'stop', reason: 'tool_use' },
    ]);
    const fragments = first.flatMap((event) =>
      event.type === 'tool_use_input_delta' ? [event.json] : [],
    );
    expect(fragments.length).toBeGreaterThan(1);
    expect(JSON.parse(fragments.join(''))).toEqual({ city: 'Paris', unit: 'C' });
    expect(emulator.requests[0]?.body['toolConfig']).toEqual({
      tools: [
        {
          toolSpec: {
            name: 'get_weather',
            description: 'Current weather for a city.',
            inputSchema: { json: weatherTool.inputSchema },
          },
        },
      ],
    });

    // Act: second turn carries the tool result
    const second = await collect(
      model.stream({
        modelId: MODEL,
        tools: [weatherTool],
        messages: [
          question,
          {
            role: 'assistant',
            content: [
              { type: 'text', text: 'Let me check.' },
              {
                type: 'tool_use',
                toolUseId: 'tooluse_abc',
                name: 'get_weather',
                input: { city: 'Paris', unit: 'C' },
              },
            ],
          },
          {
            role: 'user',
            content: [
              {
                type: 'tool_result',
                toolUseId: 'tooluse_abc',
                status: 'success',
                content: [
                  { type: 'json', json: { temperature: 21, unit: 'C' } },
                  { type: 'text', text: 'Sunny.' },
                ],
              },
            ],
          },
        ],
      }),
    );

    // Assert
    expect(textOf(second)).toBe('It is 21 °C in Paris.');
    expect(emulator.requests[1]?.body['messages']).toEqual([
      { role: 'user', content: [{ text: 'Hello?' }] },
      {
        role: 'assistant',
        content: [
          { text: 'Let me check.' },
          {
            toolUse: {
              toolUseId: 'tooluse_abc',
              name: 'get_weather',
              input: { city: 'Paris', unit: 'C' },
            },
          },
        ],
      },
      {
        role: 'user',
        content: [
          {
            toolResult: {
              toolUseId: 'tooluse_abc',
              status: 'success',
              content: [{ json: { temperature: 21, unit: 'C' } }, { text: 'Sunny.' }],
            },
          },
        ],
      },
    ]);
  });

  it('sends images and documents as Bedrock blocks with base64 bytes', async () => {
    emulator.enqueue(bedrockScripts.text('Seen.'));

    await collect(
      model.stream({
        modelId: MODEL,
        messages: [
          {
            role: 'user',
            content: [
              { type: 'image', format: 'png', bytes: new Uint8Array([1, 2, 3]) },
              { type: 'document', format: 'txt', name: 'notes', bytes: new Uint8Array([104, 105]) },
              { type: 'text', text: 'Describe.' },
            ],
          },
        ],
      }),
    );

    expect(emulator.requests[0]?.body['messages']).toEqual([
      {
        role: 'user',
        content: [
          { image: { format: 'png', source: { bytes: 'AQID' } } },
          { document: { format: 'txt', name: 'notes', source: { bytes: 'aGk=' } } },
          { text: 'Describe.' },
        ],
      },
    ]);
  });

  it('retries throttling twice with jittered backoff, then streams once without duplicates', async () => {
    emulator.enqueue(bedrockScripts.throttle(2), bedrockScripts.text('Finally here.'));

    const events = await collect(model.stream({ modelId: MODEL, messages: [question] }));

    expect(textOf(events)).toBe('Finally here.');
    expect(events.at(-1)).toEqual({ type: 'stop', reason: 'end_turn' });
    expect(emulator.requests).toHaveLength(3);
    // random() = 0.5 of windows 250 ms and 500 ms
    expect(sleeps).toEqual([125, 250]);
  });

  it('retries an exception event that arrives before any output', async () => {
    emulator.enqueue(
      bedrockScripts.streamException('', 'throttlingException', 'Too many tokens, slow down.'),
      bedrockScripts.text('Recovered.'),
    );

    const events = await collect(model.stream({ modelId: MODEL, messages: [question] }));

    expect(textOf(events)).toBe('Recovered.');
    expect(emulator.requests).toHaveLength(2);
  });

  it('fails with MODEL_THROTTLED once the retry budget is spent', async () => {
    emulator.enqueue(bedrockScripts.throttle(4));

    const error = await failure(collect(model.stream({ modelId: MODEL, messages: [question] })));

    expect(error).toMatchObject({ code: 'MODEL_THROTTLED', status: 429 });
    expect(emulator.requests).toHaveLength(4);
    expect(sleeps).toHaveLength(3);
  });

  it('retries a 5xx and maps a persistent one to MODEL_UNAVAILABLE', async () => {
    const twice = build({ retryPolicy: { maxAttempts: 2, baseDelayMs: 100, maxDelayMs: 1000 } });
    emulator.enqueue(bedrockScripts.internalError(), bedrockScripts.internalError());

    const error = await failure(collect(twice.stream({ modelId: MODEL, messages: [question] })));

    expect(error).toMatchObject({ code: 'MODEL_UNAVAILABLE', status: 503 });
    expect(emulator.requests).toHaveLength(2);
  });

  it('ends with an error event after partial text when the stream fails mid-answer (no retry)', async () => {
    emulator.enqueue(
      bedrockScripts.streamException('Here is a partial', 'modelStreamErrorException', 'boom'),
    );

    const events = await collect(model.stream({ modelId: MODEL, messages: [question] }));

    expect(textOf(events)).toBe('Here is a partial');
    expect(events.at(-1)).toMatchObject({ type: 'error', code: 'MODEL_STREAM_ERROR' });
    expect(events.some((event) => event.type === 'stop')).toBe(false);
    expect(emulator.requests).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it('cancels mid-stream: stop cancelled, partial text kept, connection closed', async () => {
    emulator.enqueue(
      bedrockScripts.text(Array.from({ length: 200 }, (_, i) => `w${i}`).join(' '), {
        tokenDelayMs: 5,
      }),
    );
    const controller = new AbortController();
    const events: ChatStreamEvent[] = [];

    for await (const event of model.stream({
      modelId: MODEL,
      messages: [question],
      signal: controller.signal,
    })) {
      events.push(event);
      if (events.length === 3) controller.abort();
    }

    expect(events.at(-1)).toEqual({ type: 'stop', reason: 'cancelled' });
    const deltas = events.filter((event) => event.type === 'text_delta');
    expect(deltas.length).toBeGreaterThanOrEqual(3);
    expect(deltas.length).toBeLessThan(200);
    expect(textOf(events).startsWith('w0 w1 w2')).toBe(true);
    await expect(emulator.requests[0]?.outcome).resolves.toBe('disconnected');
  });

  it('closes the connection when the consumer stops reading early', async () => {
    emulator.enqueue(bedrockScripts.text('one two three four five six', { tokenDelayMs: 20 }));

    for await (const event of model.stream({ modelId: MODEL, messages: [question] })) {
      if (event.type === 'text_delta') break;
    }

    await expect(emulator.requests[0]?.outcome).resolves.toBe('disconnected');
  });

  it('stops at once when the signal is already aborted', async () => {
    const events = await collect(
      model.stream({ modelId: MODEL, messages: [question], signal: AbortSignal.abort() }),
    );

    expect(events).toEqual([{ type: 'stop', reason: 'cancelled' }]);
    expect(emulator.requests).toHaveLength(0);
  });

  it.each([
    ['input too long', bedrockScripts.inputTooLong(), 'CONTEXT_TOO_LONG', 400],
    ['access denied', bedrockScripts.accessDenied(), 'MODEL_ACCESS_DENIED', 403],
    ['unknown model', bedrockScripts.invalidModel(), 'MODEL_NOT_AVAILABLE', 400],
    [
      'other validation',
      {
        kind: 'error' as const,
        status: 400,
        errorType: 'ValidationException',
        message: 'temperature must be between 0 and 1',
      },
      'MODEL_REQUEST_INVALID',
      400,
    ],
  ])('maps %s to its AppError without retrying', async (_name, script, code, status) => {
    emulator.enqueue(script);

    const error = await failure(collect(model.stream({ modelId: MODEL, messages: [question] })));

    expect(error).toMatchObject({ code, status });
    expect(error.constructor.name).not.toMatch(/Exception$/);
    expect(emulator.requests).toHaveLength(1);
  });

  it('completes a whole answer via Converse, with tool calls and usage', async () => {
    emulator.enqueue(
      bedrockScripts.throttle(1),
      bedrockScripts.toolUse(
        [{ toolUseId: 'tooluse_1', name: 'get_weather', input: { city: 'Oslo' } }],
        {
          text: 'Checking.',
          usage: { inputTokens: 30, outputTokens: 8 },
        },
      ),
    );

    const completion = await model.complete({
      modelId: MODEL,
      messages: [question],
      tools: [weatherTool],
    });

    expect(completion).toEqual({
      message: {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Checking.' },
          {
            type: 'tool_use',
            toolUseId: 'tooluse_1',
            name: 'get_weather',
            input: { city: 'Oslo' },
          },
        ],
      },
      stopReason: 'tool_use',
      usage: { inputTokens: 30, outputTokens: 8 },
    });
    expect(emulator.requests.map((request) => request.operation)).toEqual(['converse', 'converse']);
  });

  it('maps Converse failures to AppErrors', async () => {
    emulator.enqueue(bedrockScripts.accessDenied());

    const error = await failure(model.complete({ modelId: MODEL, messages: [question] }));

    expect(error).toMatchObject({ code: 'MODEL_ACCESS_DENIED', status: 403 });
  });
});

describe('BedrockChatModel stream translation (fake client)', () => {
  it('turns tool input that is not JSON into an error event', async () => {
    // A scripted SDK client: the emulator always sends valid JSON, Bedrock models sometimes do not.
    const events = [
      { messageStart: { role: 'assistant' } },
      {
        contentBlockStart: {
          contentBlockIndex: 0,
          start: { toolUse: { toolUseId: 't1', name: 'get_weather' } },
        },
      },
      {
        contentBlockDelta: { contentBlockIndex: 0, delta: { toolUse: { input: '{"city": "Par' } } },
      },
      { contentBlockStop: { contentBlockIndex: 0 } },
    ];
    const client = {
      send: async () => ({
        stream: (async function* () {
          yield* events;
        })(),
      }),
    } as unknown as ConstructorParameters<typeof BedrockChatModel>[0]['client'];
    const model = new BedrockChatModel({ client });
    const request: ChatRequest = { modelId: MODEL, messages: [question] };

    const out = await collect(model.stream(request));

    expect(out.map((event) => event.type)).toEqual([
      'tool_use_start',
      'tool_use_input_delta',
      'error',
    ]);
    expect(out.at(-1)).toMatchObject({ code: 'MODEL_TOOL_INPUT_INVALID' });
  });
});
