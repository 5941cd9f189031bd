import type { Session } from '@lgm/contracts';
import { type FormEvent, type JSX, useEffect, useMemo, useRef, useState } from 'react';

import { useServices } from '../app/services';
import { useI18n } from '../i18n/i18n';
import { Link, paths, useRouter } from '../router/router';
import { ConfirmDialog } from '../ui/dialog';
import { CheckIcon, CloseIcon, PencilIcon, SearchIcon, TrashIcon } from '../ui/icons';
import { ErrorState, Skeleton, useErrorMessage } from '../ui/states';
import { useToast } from '../ui/toast';
import { useChatState } from './use-chat';

/** Sessions grouped by how recent they are, as assistants usually show them. */
type Group = 'today' | 'yesterday' | 'week' | 'older';

function groupOf(updatedAt: string, now: Date): Group {
  const day = (date: Date) =>
    new Date(date.getFullYear(), date.getMonth(), date.getDate()).getTime();
  const days = Math.round((day(now) - day(new Date(updatedAt))) / 86_400_000);
  if (days <= 0) return 'today';
  if (days === 1) return 'yesterday';
  if (days < 7) return 'week';
  return 'older';
}

/** The list of conversations: search, open, rename inline, delete with confirmation. */
export function SessionList({
  activeSessionId,
  onNavigate,
}: {
  activeSessionId?: string;
  onNavigate?: () => void;
}): JSX.Element {
  const { chat } = useServices();
  const { t } = useI18n();
  const { sessions } = useChatState();
  const [query, setQuery] = useState('');
  const [editing, setEditing] = useState<string>();
  const [deleting, setDeleting] = useState<Session>();
  const [busy, setBusy] = useState(false);
  const { navigate } = useRouter();
  const toast = useToast();
  const describe = useErrorMessage();

  useEffect(() => {
    if (sessions.status === 'idle') void chat.loadSessions();
  }, [chat, sessions.status]);

  const filtered = useMemo(() => {
    const needle = query.trim().toLowerCase();
    return needle
      ? sessions.items.filter((session) =>
          (session.title || t('chat.untitled')).toLowerCase().includes(needle),
        )
      : sessions.items;
  }, [sessions.items, query, t]);

  const groups = useMemo(() => {
    const now = new Date();
    const order: Group[] = ['today', 'yesterday', 'week', 'older'];
    const byGroup = new Map<Group, Session[]>();
    for (const session of filtered) {
      const group = groupOf(session.updatedAt, now);
      byGroup.set(group, [...(byGroup.get(group) ?? []), session]);
    }
    return order.flatMap((group) => {
      const items = byGroup.get(group);
      return items ? [{ group, items }] : [];
    });
  }, [filtered]);

  const confirmDelete = async () => {
    if (!deleting) return;
    setBusy(true);
    try {
      await chat.deleteSession(deleting.id);
      if (deleting.id === activeSessionId) navigate(paths.chat(), { replace: true });
      toast.show('success', t('sessions.deleted'));
    } catch (error) {
      toast.show('error', `${t('sessions.deleteFailed')} ${describe(error)}`);
    } finally {
      setBusy(false);
      setDeleting(undefined);
    }
  };

  return (
    <div className="session-list">
      <label className="search-field">
        <SearchIcon size={16} />
        <span className="visually-hidden">{t('sessions.search')}</span>
        <input
          type="search"
          value={query}
          placeholder={t('sessions.search')}
          onChange={(event) => setQuery(event.target.value)}
        />
      </label>
      <nav className="session-scroll" aria-label={t('sessions.label')}>
        {sessions.status === 'loading' && sessions.items.length === 0 && (
          <Skeleton lines={5} label={t('sessions.loading')} />
        )}
        {sessions.status === 'error' && sessions.items.length === 0 && (
          <ErrorState
            compact
            title={t('sessions.loadFailed')}
            onRetry={() => void chat.loadSessions()}
          />
        )}
        {sessions.status === 'ready' && sessions.items.length === 0 && (
          <p className="session-empty">{t('sessions.empty')}</p>
        )}
        {sessions.items.length > 0 && filtered.length === 0 && (
          <p className="session-empty">{t('sessions.noMatch')}</p>
        )}
        {groups.map(({ group, items }) => (
          <div key={group} className="session-group">
            <h2 className="session-group-title">{t(`sessions.group.${group}`)}</h2>
            <ul>
              {items.map((session) =>
                editing === session.id ? (
                  <RenameRow
                    key={session.id}
                    session={session}
                    onDone={() => setEditing(undefined)}
                  />
                ) : (
                  <SessionRow
                    key={session.id}
                    session={session}
                    active={session.id === activeSessionId}
                    onNavigate={onNavigate}
                    onRename={() => setEditing(session.id)}
                    onDelete={() => setDeleting(session)}
                  />
                ),
              )}
            </ul>
          </div>
        ))}
        {sessions.nextCursor && (
          <button
            type="button"
            className="button button-ghost session-more"
            onClick={() => void chat.loadMoreSessions()}
            disabled={sessions.loadingMore}
          >
            {t('sessions.more')}
          </button>
        )}
      </nav>
      {deleting && (
        <ConfirmDialog
          title={t('sessions.deleteTitle')}
          body={<p>{t('sessions.deleteBody', { title: deleting.title || t('chat.untitled') })}</p>}
          confirmLabel={t('action.delete')}
          busy={busy}
          onConfirm={() => void confirmDelete()}
          onCancel={() => setDeleting(undefined)}
        />
      )}
    </div>
  );
}

function SessionRow({
  session,
  active,
  onNavigate,
  onRename,
  onDelete,
}: {
  session: Session;
  active: boolean;
  onNavigate?: () => void;
  onRename: () => void;
  onDelete: () => void;
}): JSX.Element {
  const { t } = useI18n();
  const title = session.title || t('chat.untitled');
  return (
    <li className={`session-row${active ? ' session-row-active' : ''}`} data-testid="session-row">
      <Link
        to={paths.chat(session.id)}
        className="session-link"
        aria-current={active ? 'page' : undefined}
        onClick={onNavigate}
        title={title}
      >
        {title}
      </Link>
      <div className="session-actions">
        <button
          type="button"
          className="icon-button icon-button-small"
          onClick={onRename}
          aria-label={t('sessions.rename', { title })}
        >
          <PencilIcon size={14} />
        </button>
        <button
          type="button"
          className="icon-button icon-button-small icon-button-danger"
          onClick={onDelete}
          aria-label={t('sessions.delete', { title })}
        >
          <TrashIcon size={14} />
        </button>
      </div>
    </li>
  );
}

function RenameRow({ session, onDone }: { session: Session; onDone: () => void }): JSX.Element {
  const { chat } = useServices();
  const { t } = useI18n();
  const toast = useToast();
  const describe = useErrorMessage();
  const [value, setValue] = useState(session.title);
  const [saving, setSaving] = useState(false);
  const input = useRef<HTMLInputElement>(null);

  useEffect(() => {
    input.current?.focus();
    input.current?.select();
  }, []);

  const submit = async (event?: FormEvent) => {
    event?.preventDefault();
    const title = value.trim();
    if (!title || title === session.title) {
      onDone();
      return;
    }
    setSaving(true);
    try {
      await chat.renameSession(session.id, title);
      onDone();
    } catch (error) {
      toast.show('error', `${t('sessions.renameFailed')} ${describe(error)}`);
      setSaving(false);
    }
  };

  return (
    <li className="session-row session-row-editing">
      <form className="rename-form" onSubmit={(event) => void submit(event)}>
        <input
          ref={input}
          value={value}
          maxLength={200}
          aria-label={t('sessions.renameLabel')}
          disabled={saving}
          onChange={(event) => setValue(event.target.value)}
          onKeyDown={(event) => {
            if (event.key === 'Escape') {
              event.preventDefault();
              event.stopPropagation();
              onDone();
            }
          }}
        />
        <button
          type="submit"
          className="icon-button icon-button-small"
          aria-label={t('action.save')}
          disabled={saving}
        >
          <CheckIcon size={14} />
        </button>
        <button
          type="button"
          className="icon-button icon-button-small"
          aria-label={t('action.cancel')}
          onClick={onDone}
        >
          <CloseIcon size={14} />
        </button>
      </form>
    </li>
  );
}
