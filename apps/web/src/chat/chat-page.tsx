import type { Session } from '@lgm/contracts';
import { type JSX, useCallback, useEffect, useMemo, useRef, useState } from 'react';

import { isApiError } from '../api/api-client';
import { useServices } from '../app/services';
import { useI18n } from '../i18n/i18n';
import { Link, paths, useRouter } from '../router/router';
import { ChatIcon, ChevronIcon, SparkIcon } from '../ui/icons';
import { EmptyState, ErrorState, Skeleton } from '../ui/states';
import { useToast } from '../ui/toast';
import type { AssistantEntry, ChatEntry } from './chat-store';
import { CitationPanel } from './citation-panel';
import { Composer, type ComposerHandle } from './composer';
import { AssistantMessage, UserMessage } from './message-view';
import { readKnowledgeBase, useChatState, useModels, writeKnowledgeBase } from './use-chat';

const SUGGESTIONS = [
  'chat.suggestion.summarize',
  'chat.suggestion.compare',
  'chat.suggestion.code',
] as const;

/** The conversation: messages streaming in, the composer, and the sources of an answer. */
export function ChatPage({ sessionId }: { sessionId?: string }): JSX.Element {
  const { chat, api } = useServices();
  const { t } = useI18n();
  const { navigate } = useRouter();
  const toast = useToast();
  const state = useChatState();
  const models = useModels();
  const composer = useRef<ComposerHandle>(null);
  const conversation = sessionId ? state.conversations[sessionId] : undefined;
  const listed = sessionId
    ? state.sessions.items.find((session) => session.id === sessionId)
    : undefined;
  const [fetched, setFetched] = useState<Session>();
  const [missing, setMissing] = useState(false);
  const session = listed ?? (fetched?.id === sessionId ? fetched : undefined);
  const [draftModel, setDraftModel] = useState<string>();
  const [knowledgeBase, setKnowledgeBase] = useState(() => readKnowledgeBase(sessionId));
  const [selected, setSelected] = useState<{ entryKey: string; citationId: string }>();

  useEffect(() => {
    setMissing(false);
    setSelected(undefined);
    setKnowledgeBase(readKnowledgeBase(sessionId));
    if (sessionId) void chat.openConversation(sessionId);
    composer.current?.focus();
  }, [chat, sessionId]);

  // A session opened by its URL may not be in the first page of the list.
  useEffect(() => {
    if (!sessionId || listed || state.sessions.status === 'loading') return undefined;
    const controller = new AbortController();
    api.getSession(sessionId, controller.signal).then(setFetched, (error: unknown) => {
      if (!controller.signal.aborted && isApiError(error) && error.status === 404) setMissing(true);
    });
    return () => controller.abort();
  }, [api, sessionId, listed, state.sessions.status]);

  useEffect(() => {
    const title = sessionId ? session?.title || t('chat.untitled') : t('chat.newChat');
    document.title = `${title} · LGM`;
  }, [sessionId, session?.title, t]);

  const entries = conversation?.entries ?? [];
  const active = useMemo(
    () =>
      [...entries]
        .reverse()
        .find(
          (entry): entry is AssistantEntry =>
            entry.kind === 'assistant' && entry.answer.status === 'streaming',
        ),
    [entries],
  );
  const sending = entries.some((entry) => entry.kind === 'user' && entry.sendState === 'sending');
  const streaming = Boolean(active) || sending;

  const stop = useCallback(() => {
    if (active?.answer.turnId) chat.cancel(active.answer.turnId);
  }, [chat, active]);

  // Escape stops the answer being written (dialogs and panels handle their own Escape first).
  useEffect(() => {
    if (!active) return undefined;
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape' && !event.defaultPrevented) stop();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [active, stop]);

  const model = session?.model ?? draftModel;
  // A stored answer does not say which model wrote it (only its turn.started event does), so
  // after a reload the footer names the session's model rather than dropping the name.
  const fallbackModel = session?.model;
  const changeModel = async (next: string) => {
    if (!sessionId) {
      setDraftModel(next);
      return;
    }
    try {
      await chat.setSessionModel(sessionId, next);
    } catch {
      toast.show('error', t('chat.modelChangeFailed'));
    }
  };
  const changeKnowledgeBase = (enabled: boolean) => {
    setKnowledgeBase(enabled);
    if (sessionId) writeKnowledgeBase(sessionId, enabled);
  };

  const send = async (text: string) => {
    const options = { knowledgeBase, ...(model ? { model } : {}) };
    if (sessionId) {
      await chat.send(sessionId, text, options);
      return;
    }
    try {
      const created = await chat.createSession(draftModel);
      if (!knowledgeBase) writeKnowledgeBase(created.id, false);
      navigate(paths.chat(created.id));
      await chat.send(created.id, text, options);
    } catch {
      toast.show('error', t('chat.createFailed'));
      composer.current?.setText(text);
    }
  };

  const selectedEntry = selected
    ? entries.find(
        (entry): entry is AssistantEntry =>
          entry.key === selected.entryKey && entry.kind === 'assistant',
      )
    : undefined;

  const openCitation = useCallback((entryKey: string, citationId: string) => {
    setSelected({ entryKey, citationId });
  }, []);

  if (missing && !conversation?.entries.length) {
    return (
      <div className="chat-page">
        <EmptyState icon={<ChatIcon size={28} />} title={t('chat.notFound.title')}>
          <p>{t('chat.notFound.body')}</p>
          <Link to={paths.chat()} className="button">
            {t('chat.newChat')}
          </Link>
        </EmptyState>
      </div>
    );
  }

  return (
    <div className={`chat-page${selectedEntry ? ' chat-page-with-panel' : ''}`}>
      <div className="chat-column">
        <header className="chat-header">
          <h1 className="chat-title" title={session?.title}>
            {sessionId ? session?.title || t('chat.untitled') : t('chat.newChat')}
          </h1>
        </header>
        <MessageScroller entries={entries} streaming={streaming}>
          {!sessionId || (conversation?.status === 'ready' && entries.length === 0) ? (
            <Welcome
              onPick={(text) => composer.current?.setText(text)}
              suggestions={SUGGESTIONS.map((key) => t(key))}
            />
          ) : conversation?.status === 'error' ? (
            <ErrorState
              title={t('chat.loadFailed')}
              error={conversation.error}
              onRetry={() => sessionId && void chat.openConversation(sessionId, { force: true })}
            />
          ) : conversation?.status === 'loading' && entries.length === 0 ? (
            <div className="message-skeleton">
              <Skeleton lines={2} label={t('chat.loading')} />
              <Skeleton lines={4} label={t('chat.loading')} />
            </div>
          ) : (
            // The live region wraps the list: a role on the <ol> itself would take away its list
            // semantics and leave the <li> messages orphaned.
            <div
              role="log"
              aria-label={t('chat.conversation')}
              aria-live="polite"
              aria-relevant="additions"
              // Screen readers wait until the answer is complete instead of reading every token.
              aria-busy={streaming}
            >
              <ol className="messages">
                {entries.map((entry, index) => (
                  <EntryView
                    key={entry.key}
                    entry={entry}
                    isLast={index === entries.length - 1}
                    onCitation={openCitation}
                    onRetry={() => sessionId && void chat.retry(sessionId, entry.key)}
                    canRetry={!streaming}
                    fallbackModel={fallbackModel}
                  />
                ))}
              </ol>
            </div>
          )}
        </MessageScroller>
        <div className="composer-dock">
          <Composer
            ref={composer}
            streaming={streaming}
            onSend={(text) => void send(text)}
            onStop={stop}
            models={models.status === 'ready' ? models.models : undefined}
            model={model}
            onModelChange={(next) => void changeModel(next)}
            knowledgeBase={knowledgeBase}
            onKnowledgeBaseChange={changeKnowledgeBase}
          />
          {models.status === 'ready' && models.models.provider === 'extractive' && (
            <p className="composer-note">{t('chat.extractiveNote')}</p>
          )}
        </div>
      </div>
      {selectedEntry && selected && (
        <CitationPanel
          citations={selectedEntry.answer.citations}
          selectedId={selected.citationId}
          onSelect={(citationId) => setSelected({ ...selected, citationId })}
          onClose={() => setSelected(undefined)}
        />
      )}
    </div>
  );
}

function EntryView({
  entry,
  isLast,
  onCitation,
  onRetry,
  canRetry,
  fallbackModel,
}: {
  entry: ChatEntry;
  isLast: boolean;
  onCitation: (entryKey: string, citationId: string) => void;
  onRetry: () => void;
  canRetry: boolean;
  fallbackModel?: string;
}): JSX.Element {
  if (entry.kind === 'user') return <UserMessage entry={entry} onRetry={onRetry} />;
  return (
    <AssistantMessage
      entry={entry}
      onCitation={onCitation}
      onRetry={onRetry}
      canRetry={canRetry && isLast}
      fallbackModel={fallbackModel}
    />
  );
}

/**
 * The scrolling message area. It follows the newest text while the reader is at the bottom and
 * stays put when they have scrolled up to read, offering a button back to the latest message.
 */
function MessageScroller({
  entries,
  streaming,
  children,
}: {
  entries: readonly ChatEntry[];
  streaming: boolean;
  children: JSX.Element;
}): JSX.Element {
  const { t } = useI18n();
  const ref = useRef<HTMLDivElement>(null);
  const pinned = useRef(true);
  const [showJump, setShowJump] = useState(false);

  const onScroll = () => {
    const element = ref.current;
    if (!element) return;
    const atBottom = element.scrollHeight - element.scrollTop - element.clientHeight < 80;
    pinned.current = atBottom;
    setShowJump(!atBottom);
  };

  useEffect(() => {
    const element = ref.current;
    if (element && pinned.current) element.scrollTop = element.scrollHeight;
  }, [entries, streaming]);

  const jump = () => {
    const element = ref.current;
    if (!element) return;
    pinned.current = true;
    element.scrollTo?.({ top: element.scrollHeight, behavior: 'smooth' });
    setShowJump(false);
  };

  return (
    <div className="message-scroller" ref={ref} onScroll={onScroll}>
      <div className="message-column">{children}</div>
      {showJump && (
        <button type="button" className="jump-latest" onClick={jump}>
          <ChevronIcon size={16} />
          {t('chat.jumpLatest')}
        </button>
      )}
    </div>
  );
}

function Welcome({
  onPick,
  suggestions,
}: {
  onPick: (text: string) => void;
  suggestions: readonly string[];
}): JSX.Element {
  const { t } = useI18n();
  return (
    <div className="welcome">
      <div className="welcome-mark" aria-hidden="true">
        <SparkIcon size={28} />
      </div>
      <h2 className="welcome-title">{t('chat.welcome.title')}</h2>
      <p className="welcome-body">{t('chat.welcome.body')}</p>
      <ul className="suggestions" aria-label={t('chat.welcome.suggestions')}>
        {suggestions.map((text) => (
          <li key={text}>
            <button type="button" className="suggestion" onClick={() => onPick(text)}>
              {text}
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}
