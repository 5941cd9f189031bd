import type { MessageView } from '@lgm/contracts';

import { ANSWER_MESSAGE_ID, SESSION_ID, TURN_ID, turnScript } from '../test-support/fake-socket';
import { answerFromMessage, applyTurnEvent, emptyAnswer } from './turn-view';

const script = turnScript();

describe('applyTurnEvent', () => {
  it('builds an answer from a turn’s events', () => {
    // Arrange
    const events = [
      script.started(0),
      script.citation(1, '1'),
      script.toolCall(2, 'tu-1', 'lgm__run_code', { language: 'python', code: 'print(1)' }),
      script.toolResult(3, 'tu-1', 'lgm__run_code', '{"stdout":"1\\n","stderr":""}'),
      script.delta(4, 'One [1]'),
      script.delta(5, '.'),
      script.completed(6),
    ];

    // Act
    const answer = events.reduce(applyTurnEvent, emptyAnswer(TURN_ID));

    // Assert
    expect(answer).toMatchObject({
      text: 'One [1].',
      status: 'complete',
      model: 'extractive',
      messageId: ANSWER_MESSAGE_ID,
      usage: { inputTokens: 120, outputTokens: 45 },
      lastSeq: 6,
    });
    expect(answer.citations.map((citation) => citation.id)).toEqual(['1']);
    expect(answer.toolCalls).toEqual([
      expect.objectContaining({ toolUseId: 'tu-1', status: 'success', durationMs: 1234 }),
    ]);
  });

  it('changes nothing for an event it has already applied', () => {
    // Arrange
    const answer = [script.started(0), script.delta(1, 'a'), script.delta(2, 'b')].reduce(
      applyTurnEvent,
      emptyAnswer(TURN_ID),
    );

    // Act
    const replayed = [script.delta(1, 'a'), script.delta(2, 'b')].reduce(applyTurnEvent, answer);

    // Assert
    expect(replayed).toBe(answer);
    expect(replayed.text).toBe('ab');
  });

  it('marks a failed turn with its error and settles tool calls still running', () => {
    // Arrange
    const events = [
      script.started(0),
      script.toolCall(1, 'tu-1', 'weather__forecast', { city: 'Seoul' }),
      script.delta(2, 'Partial'),
      script.failed(3, 'Throttled.'),
    ];

    // Act
    const answer = events.reduce(applyTurnEvent, emptyAnswer(TURN_ID));

    // Assert
    expect(answer).toMatchObject({
      status: 'failed',
      text: 'Partial',
      error: { code: 'MODEL_ERROR', message: 'Throttled.' },
    });
    expect(answer.toolCalls[0]?.status).toBe('error');
  });

  it('records a cancelled turn', () => {
    // Act
    const answer = [
      script.started(0),
      script.delta(1, 'Half'),
      script.completed(2, 'cancelled'),
    ].reduce(applyTurnEvent, emptyAnswer(TURN_ID));

    // Assert
    expect(answer.status).toBe('cancelled');
  });
});

describe('answerFromMessage', () => {
  it('reads a stored assistant message', () => {
    // Arrange
    const message: MessageView = {
      id: ANSWER_MESSAGE_ID,
      sessionId: SESSION_ID,
      role: 'assistant',
      text: 'Stored [1]',
      content: [{ type: 'text', text: 'Stored [1]' }],
      createdAt: '2026-01-01T00:00:00.000Z',
      status: 'complete',
      turnId: TURN_ID,
      model: 'claude-haiku-4-5',
      citations: [],
      toolCalls: [
        {
          toolUseId: 't',
          name: 'x',
          input: {},
          status: 'success',
          output: 'ok',
          truncated: false,
          durationMs: 3,
        },
      ],
    };

    // Act
    const answer = answerFromMessage(message);

    // Assert
    expect(answer).toMatchObject({
      text: 'Stored [1]',
      status: 'complete',
      turnId: TURN_ID,
      model: 'claude-haiku-4-5',
      lastSeq: -1,
    });
    expect(answer.toolCalls[0]).toMatchObject({ status: 'success', output: 'ok' });
  });
});
