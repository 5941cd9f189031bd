import { type JSX, memo, useMemo, useState } from 'react';

import { useI18n } from '../i18n/i18n';
import { Markdown, type MarkdownLabels } from '../markdown/markdown';
import { formatUsd } from '../ui/format';
import { AlertIcon, CheckIcon, CopyIcon, RefreshIcon, SparkIcon } from '../ui/icons';
import type { AssistantEntry, UserEntry } from './chat-store';
import { ToolCallCard } from './tool-call-card';

export function useMarkdownLabels(): MarkdownLabels {
  const { t } = useI18n();
  return useMemo(
    () => ({
      copy: t('code.copy'),
      copied: t('code.copied'),
      copyFailed: t('code.copyFailed'),
      code: t('code.label'),
      table: t('code.table'),
    }),
    [t],
  );
}

export const UserMessage = memo(function UserMessage({
  entry,
  onRetry,
}: {
  entry: UserEntry;
  onRetry: () => void;
}): JSX.Element {
  const { t } = useI18n();
  return (
    <li className="message message-user" data-testid="user-message">
      <h2 className="visually-hidden">{t('chat.you')}</h2>
      <div className={`bubble${entry.sendState === 'failed' ? ' bubble-failed' : ''}`}>
        <p className="user-text">{entry.text}</p>
      </div>
      {entry.sendState === 'sending' && <p className="message-note">{t('chat.sending')}</p>}
      {entry.sendState === 'failed' && (
        <div className="message-note message-note-error" role="alert">
          <AlertIcon size={14} />
          <span>{t('chat.sendFailed', { reason: entry.error?.message ?? '' })}</span>
          <button type="button" className="link-button" onClick={onRetry}>
            {t('action.retry')}
          </button>
        </div>
      )}
    </li>
  );
});

export const AssistantMessage = memo(function AssistantMessage({
  entry,
  onCitation,
  onRetry,
  canRetry,
  fallbackModel,
}: {
  entry: AssistantEntry;
  onCitation: (turnKey: string, citationId: string) => void;
  onRetry: () => void;
  canRetry: boolean;
  /** The model named when the answer does not say (a stored message carries no model). */
  fallbackModel?: string;
}): JSX.Element {
  const { t, locale, formatNumber } = useI18n();
  const labels = useMarkdownLabels();
  const { answer } = entry;
  const streaming = answer.status === 'streaming';
  const [copied, setCopied] = useState(false);

  const citationTargets = useMemo(
    () =>
      new Map(
        answer.citations.map((citation) => [
          citation.id,
          {
            id: citation.id,
            label: t('citations.marker', { id: citation.id, title: citation.title }),
          },
        ]),
      ),
    [answer.citations, t],
  );

  const copy = () => {
    void navigator.clipboard?.writeText(answer.text).then(() => {
      setCopied(true);
      setTimeout(() => setCopied(false), 2000);
    });
  };

  const shownModel = answer.model ?? fallbackModel;
  const waiting = streaming && answer.text === '' && answer.toolCalls.length === 0;
  return (
    <li
      className={`message message-assistant${streaming ? ' message-streaming' : ''}`}
      data-testid="assistant-message"
      data-status={answer.status}
      aria-busy={streaming}
    >
      <div className="avatar" aria-hidden="true">
        <SparkIcon size={16} />
      </div>
      <div className="message-body">
        <h2 className="visually-hidden">{t('chat.assistant')}</h2>
        {answer.toolCalls.length > 0 && (
          <div className="tool-calls">
            {answer.toolCalls.map((call) => (
              <ToolCallCard key={call.toolUseId} call={call} />
            ))}
          </div>
        )}
        {waiting ? (
          <p className="thinking" role="status">
            <span className="visually-hidden">{t('chat.thinking')}</span>
            <span className="dot" aria-hidden="true" />
            <span className="dot" aria-hidden="true" />
            <span className="dot" aria-hidden="true" />
          </p>
        ) : (
          <div className="markdown">
            <Markdown
              text={answer.text}
              citations={citationTargets}
              onCitation={(id) => onCitation(entry.key, id)}
              labels={labels}
            />
          </div>
        )}
        {answer.citations.length > 0 && !streaming && (
          <div className="sources" aria-label={t('citations.sources')}>
            {answer.citations.map((citation) => (
              <button
                key={citation.id}
                type="button"
                className="source-chip"
                onClick={() => onCitation(entry.key, citation.id)}
              >
                <span className="source-chip-number">{citation.id}</span>
                <span className="source-chip-title">{citation.title}</span>
              </button>
            ))}
          </div>
        )}
        {answer.status === 'cancelled' && <p className="message-note">{t('chat.stopped')}</p>}
        {answer.status === 'failed' && (
          <div className="message-note message-note-error" role="alert">
            <AlertIcon size={14} />
            <span>
              {answer.error?.message
                ? t('chat.failedWith', { reason: answer.error.message })
                : t('chat.failed')}
            </span>
            {canRetry && (
              <button type="button" className="link-button" onClick={onRetry}>
                <RefreshIcon size={14} />
                {t('action.retry')}
              </button>
            )}
          </div>
        )}
        {!streaming && answer.text !== '' && (
          <div className="message-footer">
            <button
              type="button"
              className="icon-button icon-button-small"
              onClick={copy}
              aria-label={copied ? t('code.copied') : t('chat.copyAnswer')}
              title={copied ? t('code.copied') : t('chat.copyAnswer')}
            >
              {copied ? <CheckIcon size={14} /> : <CopyIcon size={14} />}
            </button>
            {shownModel && <span className="message-meta">{shownModel}</span>}
            {answer.usage && (
              <span className="message-meta">
                {t('chat.tokens', {
                  input: formatNumber(answer.usage.inputTokens),
                  output: formatNumber(answer.usage.outputTokens),
                })}
                {answer.usage.costUsd !== null && ` · ${formatUsd(answer.usage.costUsd, locale)}`}
              </span>
            )}
          </div>
        )}
      </div>
    </li>
  );
});
