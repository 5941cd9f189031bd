import { type JSX, lazy, type ReactNode, Suspense, useEffect, useRef, useState } from 'react';

import { useAuth } from '../auth/auth-context';
import { SessionList } from '../chat/session-sidebar';
import { useChatState } from '../chat/use-chat';
import { useI18n } from '../i18n/i18n';
import { Link, paths, type Route, useRouter } from '../router/router';
import {
  ChatIcon,
  CloseIcon,
  FileIcon,
  MenuIcon,
  OfflineIcon,
  PlusIcon,
  SettingsIcon,
  SignOutIcon,
  SparkIcon,
} from '../ui/icons';
import { EmptyState, LoadingState } from '../ui/states';
import { useGlobalShortcuts } from './shortcuts';

// Each page is its own chunk, loaded when first visited: the initial bundle is the shell only.
const ChatPage = lazy(() => import('../chat/chat-page').then((m) => ({ default: m.ChatPage })));
const DocumentsPage = lazy(() =>
  import('../documents/documents-page').then((m) => ({ default: m.DocumentsPage })),
);
const SettingsPage = lazy(() =>
  import('../settings/settings-page').then((m) => ({ default: m.SettingsPage })),
);

/** Starts loading a page's chunk before it is needed (on hover or focus of its link). */
export function prefetchPage(name: 'chat' | 'documents' | 'settings'): void {
  if (name === 'chat') void import('../chat/chat-page');
  if (name === 'documents') void import('../documents/documents-page');
  if (name === 'settings') void import('../settings/settings-page');
}

/** The signed-in layout: sidebar (navigation and conversations) and the current page. */
export function AppShell({ route }: { route: Route }): JSX.Element {
  const { t } = useI18n();
  const { navigate } = useRouter();
  const { state: auth, signOut } = useAuth();
  const { connection } = useChatState();
  const [drawerOpen, setDrawerOpen] = useState(false);
  const main = useRef<HTMLElement>(null);
  const sessionId = route.name === 'chat' ? route.sessionId : undefined;

  const newChat = () => {
    setDrawerOpen(false);
    navigate(paths.chat());
    requestAnimationFrame(() => document.getElementById('composer-input')?.focus());
  };
  useGlobalShortcuts({
    onNewChat: newChat,
    onFocusComposer: () => {
      if (route.name !== 'chat') navigate(paths.chat(sessionId));
      requestAnimationFrame(() => document.getElementById('composer-input')?.focus());
    },
  });

  // After navigation, move focus to the page (not on the first render: the page focuses itself).
  const firstRoute = useRef(true);
  useEffect(() => {
    if (firstRoute.current) {
      firstRoute.current = false;
      return;
    }
    setDrawerOpen(false);
    if (route.name !== 'chat') main.current?.focus({ preventScroll: true });
  }, [route]);

  const user = auth.status === 'signed-in' ? auth.user : undefined;
  const displayName = user?.name ?? user?.email ?? '';

  let page: ReactNode;
  switch (route.name) {
    case 'home':
    case 'chat':
      page = <ChatPage sessionId={sessionId} />;
      break;
    case 'documents':
      page = <DocumentsPage />;
      break;
    case 'settings':
      page = <SettingsPage />;
      break;
    default:
      page = (
        <EmptyState title={t('shell.notFound.title')}>
          <p>{t('shell.notFound.body')}</p>
          <Link to={paths.chat()} className="button">
            {t('chat.newChat')}
          </Link>
        </EmptyState>
      );
  }

  const navItem = (
    to: string,
    name: 'chat' | 'documents' | 'settings',
    icon: JSX.Element,
    label: string,
  ) => {
    const current =
      route.name === name || (name === 'chat' && route.name === 'home') ? 'page' : undefined;
    return (
      <Link
        to={to}
        className="nav-link"
        aria-current={current}
        onMouseEnter={() => prefetchPage(name)}
        onFocus={() => prefetchPage(name)}
        onClick={() => setDrawerOpen(false)}
      >
        {icon}
        <span>{label}</span>
      </Link>
    );
  };

  return (
    <div className={`shell${drawerOpen ? ' shell-drawer-open' : ''}`}>
      <a className="skip-link" href="#main">
        {t('shell.skip')}
      </a>
      <aside
        className="sidebar"
        aria-label={t('shell.sidebar')}
        onKeyDown={(event) => {
          if (event.key === 'Escape' && drawerOpen) setDrawerOpen(false);
        }}
      >
        <div className="sidebar-top">
          <Link to={paths.chat()} className="brand" aria-label={t('shell.home')}>
            <span className="brand-mark" aria-hidden="true">
              <SparkIcon size={16} />
            </span>
            <span className="brand-name">LGM</span>
          </Link>
          <button
            type="button"
            className="icon-button sidebar-close"
            onClick={() => setDrawerOpen(false)}
            aria-label={t('shell.closeMenu')}
          >
            <CloseIcon />
          </button>
        </div>
        <button type="button" className="new-chat" onClick={newChat} data-testid="new-chat">
          <PlusIcon size={16} />
          <span>{t('chat.newChat')}</span>
          <kbd className="new-chat-kbd" aria-hidden="true">
            {/Mac|iPhone|iPad/.test(navigator.platform ?? '') ? '⌘K' : 'Ctrl K'}
          </kbd>
        </button>
        <nav className="primary-nav" aria-label={t('shell.navigation')}>
          {navItem(paths.chat(), 'chat', <ChatIcon size={17} />, t('nav.chat'))}
          {navItem(paths.documents, 'documents', <FileIcon size={17} />, t('nav.documents'))}
          {navItem(paths.settings, 'settings', <SettingsIcon size={17} />, t('nav.settings'))}
        </nav>
        <SessionList activeSessionId={sessionId} onNavigate={() => setDrawerOpen(false)} />
        <div className="sidebar-footer">
          <span className="avatar-initial" aria-hidden="true">
            {(displayName || '?').charAt(0).toUpperCase()}
          </span>
          <span className="user-name" title={user?.email}>
            {displayName}
          </span>
          <button
            type="button"
            className="icon-button"
            onClick={() => void signOut()}
            aria-label={t('account.signOut')}
            title={t('account.signOut')}
          >
            <SignOutIcon size={16} />
          </button>
        </div>
      </aside>
      <div className="drawer-backdrop" onClick={() => setDrawerOpen(false)} aria-hidden="true" />
      <div className="main-area">
        <header className="topbar">
          <button
            type="button"
            className="icon-button"
            onClick={() => setDrawerOpen(true)}
            aria-label={t('shell.openMenu')}
            aria-expanded={drawerOpen}
          >
            <MenuIcon />
          </button>
          <span className="brand-name">LGM</span>
          <button
            type="button"
            className="icon-button"
            onClick={newChat}
            aria-label={t('chat.newChat')}
          >
            <PlusIcon />
          </button>
        </header>
        {(connection === 'reconnecting' || connection === 'closed') && (
          <div className="connection-banner" role="status" data-testid="connection-banner">
            <OfflineIcon size={16} />
            {connection === 'reconnecting' ? t('shell.reconnecting') : t('shell.disconnected')}
          </div>
        )}
        <main id="main" ref={main} className="main" tabIndex={-1}>
          <Suspense fallback={<LoadingState label={t('shell.loadingPage')} />}>{page}</Suspense>
        </main>
      </div>
    </div>
  );
}
