import {
  type AnchorHTMLAttributes,
  createContext,
  type JSX,
  type MouseEvent,
  type ReactNode,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useState,
} from 'react';

/**
 * A few routes do not need a routing library: this is the History API behind a context, so
 * pages read the path and navigate, and tests start at any path through a memory history.
 */
export interface RouterHistory {
  readonly location: { readonly pathname: string; readonly search: string };
  push(path: string): void;
  replace(path: string): void;
  /** Calls `listener` after back/forward navigation; returns the unsubscribe function. */
  listen(listener: () => void): () => void;
}

export function browserHistory(win: Window = window): RouterHistory {
  return {
    get location() {
      return { pathname: win.location.pathname, search: win.location.search };
    },
    push: (path) => win.history.pushState(null, '', path),
    replace: (path) => win.history.replaceState(null, '', path),
    listen(listener) {
      win.addEventListener('popstate', listener);
      return () => win.removeEventListener('popstate', listener);
    },
  };
}

/** An in-memory history for tests. */
export function memoryHistory(initial = '/'): RouterHistory & { readonly entries: string[] } {
  const entries = [initial];
  const split = (path: string) => {
    const url = new URL(path, 'http://memory.invalid');
    return { pathname: url.pathname, search: url.search };
  };
  return {
    entries,
    get location() {
      return split(entries[entries.length - 1] ?? '/');
    },
    push: (path) => void entries.push(path),
    replace: (path) => void entries.splice(entries.length - 1, 1, path),
    listen: () => () => undefined,
  };
}

export interface NavigateOptions {
  readonly replace?: boolean;
}

interface RouterValue {
  readonly pathname: string;
  readonly search: string;
  navigate(path: string, options?: NavigateOptions): void;
}

const RouterContext = createContext<RouterValue | undefined>(undefined);

export function Router({
  history,
  children,
}: {
  history: RouterHistory;
  children: ReactNode;
}): JSX.Element {
  const [location, setLocation] = useState(history.location);
  useEffect(() => history.listen(() => setLocation(history.location)), [history]);
  const navigate = useCallback(
    (path: string, { replace = false }: NavigateOptions = {}) => {
      if (replace) history.replace(path);
      else history.push(path);
      setLocation(history.location);
    },
    [history],
  );
  const value = useMemo(
    () => ({ pathname: location.pathname, search: location.search, navigate }),
    [location, navigate],
  );
  return <RouterContext.Provider value={value}>{children}</RouterContext.Provider>;
}

export function useRouter(): RouterValue {
  const value = useContext(RouterContext);
  if (!value) throw new Error('useRouter needs a Router');
  return value;
}

/** The app's routes, matched from the path. Unknown paths are `not-found`. */
export type Route =
  | { readonly name: 'home' }
  | { readonly name: 'chat'; readonly sessionId?: string }
  | { readonly name: 'documents' }
  | { readonly name: 'settings' }
  | { readonly name: 'auth-callback' }
  | { readonly name: 'not-found' };

export function matchRoute(pathname: string): Route {
  const path = pathname.replace(/\/+$/, '') || '/';
  if (path === '/') return { name: 'home' };
  if (path === '/chat') return { name: 'chat' };
  const chat = /^\/chat\/([0-9A-HJKMNP-TV-Z]{26})$/.exec(path);
  if (chat) return { name: 'chat', sessionId: chat[1] };
  if (path === '/documents') return { name: 'documents' };
  if (path === '/settings') return { name: 'settings' };
  if (path === '/auth/callback') return { name: 'auth-callback' };
  return { name: 'not-found' };
}

export const paths = {
  home: '/',
  chat: (sessionId?: string) => (sessionId ? `/chat/${sessionId}` : '/chat'),
  documents: '/documents',
  settings: '/settings',
} as const;

/** An `<a>` that navigates in the app (and still opens in a new tab with a modifier key). */
export function Link({
  to,
  onClick,
  ...rest
}: AnchorHTMLAttributes<HTMLAnchorElement> & { to: string }): JSX.Element {
  const { navigate } = useRouter();
  const handleClick = (event: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(event);
    if (
      event.defaultPrevented ||
      event.button !== 0 ||
      event.metaKey ||
      event.ctrlKey ||
      event.shiftKey ||
      event.altKey
    ) {
      return;
    }
    event.preventDefault();
    navigate(to);
  };
  return <a href={to} onClick={handleClick} {...rest} />;
}
