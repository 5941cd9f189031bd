import type { ChatMessage } from '@lgm/bedrock';
import type { Message } from '@lgm/persistence';

/**
 * The conversation before a turn, as the model sees it: the text of earlier user and assistant
 * messages (tool calls and citations stay on the stored messages), at most `limit` messages,
 * alternating roles and starting with a user message as Bedrock's Converse API requires.
 */
export function toHistory(
  messages: readonly Message[],
  options: { readonly beforeMessageId: string; readonly limit: number },
): ChatMessage[] {
  const turns: { role: 'user' | 'assistant'; text: string }[] = [];
  for (const message of messages) {
    // ULIDs sort by time: the turn's own message and anything a later turn wrote are left out.
    if (message.id >= options.beforeMessageId) continue;
    if (message.role !== 'user' && message.role !== 'assistant') continue;
    // A failed answer is an error the user saw, not something the assistant said.
    if (message.role === 'assistant' && message.status === 'failed') continue;
    const text = message.content
      .map((block) =>
        block.type === 'text' && typeof block['text'] === 'string' ? block['text'] : '',
      )
      .filter((part) => part.trim() !== '')
      .join('\n\n');
    if (text.trim() === '') continue;
    const last = turns.at(-1);
    // Roles must alternate: an unanswered question followed by another one becomes one message.
    if (last !== undefined && last.role === message.role) last.text = `${last.text}\n\n${text}`;
    else turns.push({ role: message.role, text });
  }
  let kept = options.limit > 0 ? turns.slice(-options.limit) : [];
  while (kept[0]?.role === 'assistant') kept = kept.slice(1);
  return kept.map((turn) => ({ role: turn.role, content: [{ type: 'text', text: turn.text }] }));
}
