import type { Citation, MessageView, ToolCallRecord, TurnEvent, TurnUsage } from '@lgm/contracts';

/** A tool call as the UI shows it: running until its result arrives. */
export interface ToolCallView {
  readonly toolUseId: string;
  readonly name: string;
  readonly server?: string;
  readonly input: unknown;
  readonly status: 'running' | 'success' | 'error';
  readonly output?: string;
  readonly truncated?: boolean;
  readonly durationMs?: number;
}

export type AnswerStatus = 'streaming' | 'complete' | 'cancelled' | 'failed';

/** An assistant answer: built from a turn's events while it streams, or from the stored message. */
export interface AnswerView {
  readonly turnId?: string;
  readonly messageId?: string;
  readonly text: string;
  readonly citations: readonly Citation[];
  readonly toolCalls: readonly ToolCallView[];
  readonly status: AnswerStatus;
  readonly model?: string;
  readonly knowledgeBase?: boolean;
  readonly usage?: TurnUsage;
  readonly stopReason?: string;
  readonly error?: { readonly code: string; readonly message: string };
  /** The highest seq applied; -1 for none, so `afterSeq` for a resume. */
  readonly lastSeq: number;
}

export function emptyAnswer(turnId: string): AnswerView {
  return { turnId, text: '', citations: [], toolCalls: [], status: 'streaming', lastSeq: -1 };
}

/**
 * Applies one turn event to an answer. Idempotent by seq: an event at or below `lastSeq` changes
 * nothing, so replays that overlap what was already shown never duplicate text.
 */
export function applyTurnEvent(answer: AnswerView, event: TurnEvent): AnswerView {
  if (event.seq <= answer.lastSeq) return answer;
  const next = { ...answer, lastSeq: event.seq };
  switch (event.type) {
    case 'turn.started':
      return {
        ...next,
        model: event.data.model,
        knowledgeBase: event.data.knowledgeBase,
      };
    case 'text.delta':
      return { ...next, text: answer.text + event.data.text };
    case 'citation':
      return {
        ...next,
        citations: [...answer.citations.filter((c) => c.id !== event.data.id), event.data],
      };
    case 'tool.call':
      return {
        ...next,
        toolCalls: [
          ...answer.toolCalls.filter((call) => call.toolUseId !== event.data.toolUseId),
          { ...event.data, status: 'running' },
        ],
      };
    case 'tool.result': {
      const { toolUseId, status, output, truncated, durationMs, name } = event.data;
      const known = answer.toolCalls.some((call) => call.toolUseId === toolUseId);
      const calls = known
        ? answer.toolCalls
        : [...answer.toolCalls, { toolUseId, name, input: undefined, status: 'running' as const }];
      return {
        ...next,
        toolCalls: calls.map((call) =>
          call.toolUseId === toolUseId ? { ...call, status, output, truncated, durationMs } : call,
        ),
      };
    }
    case 'turn.completed':
      return {
        ...next,
        messageId: event.data.messageId,
        status: event.data.status,
        stopReason: event.data.stopReason,
        usage: event.data.usage,
        toolCalls: settleRunningCalls(answer.toolCalls),
      };
    case 'turn.failed':
      return {
        ...next,
        messageId: event.data.messageId ?? answer.messageId,
        status: 'failed',
        error: event.data.error,
        toolCalls: settleRunningCalls(answer.toolCalls),
      };
  }
}

/** A call still running when its turn ended never finished: show it as failed. */
function settleRunningCalls(calls: readonly ToolCallView[]): ToolCallView[] {
  return calls.map((call) => (call.status === 'running' ? { ...call, status: 'error' } : call));
}

/** The answer stored as an assistant message. */
export function answerFromMessage(message: MessageView): AnswerView {
  return {
    turnId: message.turnId,
    messageId: message.id,
    text: message.text,
    citations: message.citations,
    toolCalls: message.toolCalls.map(toolCallFromRecord),
    status: message.status ?? 'complete',
    usage: message.usage,
    stopReason: message.stopReason,
    ...(message.model === undefined ? {} : { model: message.model }),
    lastSeq: -1,
  };
}

function toolCallFromRecord(record: ToolCallRecord): ToolCallView {
  return { ...record };
}
