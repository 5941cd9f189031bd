import { fireEvent, screen, waitFor, within } from '@testing-library/react';

import { CONFIG, fakeAuthClient, fakeBackend, sessionView } from './test-support/fake-backend';
import { renderApp } from './test-support/render-app';

describe('App: signing in', () => {
  it('shows the landing page to a visitor and signs in through the issuer', async () => {
    // Arrange
    const auth = fakeAuthClient(null);

    // Act
    renderApp({ path: '/', auth });
    fireEvent.click(await screen.findByRole('button', { name: 'Sign in to start' }));

    // Assert
    expect(screen.getByRole('heading', { level: 1 }).textContent).toMatch(/your own documents/);
    expect(auth.signIn).toHaveBeenCalledWith('/chat');
    expect(screen.getByRole('region', { name: 'Platform status' })).toBeTruthy();
  });

  it('keeps a signed-out visitor who opens a workspace URL on the landing page', async () => {
    // Act
    renderApp({ path: '/documents', auth: fakeAuthClient(null) });

    // Assert
    expect(await screen.findByRole('button', { name: 'Sign in to start' })).toBeTruthy();
    expect(screen.queryByRole('navigation', { name: 'Main' })).toBeNull();
  });

  it('says so when the configuration has no sign-in settings', async () => {
    // Arrange
    const backend = fakeBackend();
    const { auth: _auth, ...withoutAuth } = CONFIG;
    const fetchFn = backend.fetchFn;
    const configless = Object.assign(
      async (url: string, init?: Parameters<typeof fetchFn>[1]) =>
        url === '/config.json'
          ? { ok: true, status: 200, json: async () => withoutAuth }
          : fetchFn(url, init),
      { calls: backend.calls },
    );

    // Act
    renderApp({ backend: { ...backend, fetchFn: configless }, path: '/' });

    // Assert
    expect((await screen.findByRole('alert')).textContent).toContain('Sign-in is not configured');
    expect(screen.queryByRole('button', { name: 'Sign in to start' })).toBeNull();
  });

  it('finishes the sign-in at /auth/callback and goes where the user was going', async () => {
    // Arrange
    const auth = fakeAuthClient(null);

    // Act
    const { history } = renderApp({ path: '/auth/callback?code=abc&state=xyz', auth });

    // Assert
    expect(await screen.findByRole('heading', { name: 'Documents', level: 1 })).toBeTruthy();
    expect(auth.completeSignIn).toHaveBeenCalledTimes(1);
    expect(history.entries[history.entries.length - 1]).toBe('/documents');
  });

  it('signs out from the sidebar', async () => {
    // Arrange
    const { auth } = renderApp();
    const sidebar = await screen.findByRole('complementary', { name: 'Sidebar' });

    // Act
    fireEvent.click(within(sidebar).getByRole('button', { name: 'Sign out' }));

    // Assert
    expect(await screen.findByRole('button', { name: 'Sign in to start' })).toBeTruthy();
    expect(auth?.signOut).toHaveBeenCalled();
  });
});

describe('App: the signed-in workspace', () => {
  it('calls the API with the access token as a Bearer header and opens the socket with it', async () => {
    // Arrange
    const backend = fakeBackend();
    backend.sessions.push(sessionView({ title: 'Quarterly report' }));

    // Act
    const { sockets } = renderApp({ backend });

    // Assert
    expect(await screen.findByRole('link', { name: 'Quarterly report' })).toBeTruthy();
    const listing = backend.callsTo('GET', '/sessions')[0];
    expect(listing?.headers['authorization']).toBe('Bearer access-token-1');
    await waitFor(() => expect(sockets.sockets).toHaveLength(1));
    expect(new URL(sockets.latest().url).searchParams.get('token')).toBe('access-token-1');
  });

  it('opens one socket per tab under StrictMode, whose effects connect, close and connect', async () => {
    // Arrange
    const backend = fakeBackend();
    backend.sessions.push(sessionView({ title: 'Strict' }));

    // Act
    const { sockets } = renderApp({ backend, strict: true });
    expect(await screen.findByRole('link', { name: 'Strict' })).toBeTruthy();
    await waitFor(() => expect(sockets.latest().readyState).toBe(1));

    // Assert
    const open = sockets.sockets.filter((socket) => socket.readyState === 1);
    expect(open).toHaveLength(1);
    expect(sockets.sockets).toHaveLength(1);
  });

  it('renews the token once after a 401 and repeats the call', async () => {
    // Arrange
    const backend = fakeBackend();
    let first = true;
    backend.on('GET /sessions', () => {
      if (first) {
        first = false;
        return { status: 401, json: { error: { code: 'TOKEN_EXPIRED', message: 'Expired.' } } };
      }
      return { status: 200, json: { items: [sessionView({ title: 'After renewal' })] } };
    });

    // Act
    const { auth } = renderApp({ backend });

    // Assert
    expect(await screen.findByRole('link', { name: 'After renewal' })).toBeTruthy();
    expect(auth?.renew).toHaveBeenCalledTimes(1);
  });

  it('sends a signed-in user at / to a new chat', async () => {
    // Act
    const { history } = renderApp({ path: '/' });

    // Assert
    expect(await screen.findByRole('heading', { name: 'How can I help?' })).toBeTruthy();
    expect(history.entries[history.entries.length - 1]).toBe('/chat');
  });

  it('moves between pages from the navigation and starts a new chat with Ctrl+K', async () => {
    // Arrange
    const { history } = renderApp({ path: '/settings' });
    const nav = await screen.findByRole('navigation', { name: 'Main' });

    // Act
    fireEvent.click(within(nav).getByRole('link', { name: 'Documents' }));
    const documentsHeading = await screen.findByRole('heading', { name: 'Documents', level: 1 });
    fireEvent.keyDown(window, { key: 'k', ctrlKey: true });

    // Assert
    expect(documentsHeading).toBeTruthy();
    expect(await screen.findByRole('heading', { name: 'How can I help?' })).toBeTruthy();
    expect(history.entries.slice(-2)).toEqual(['/documents', '/chat']);
  });

  it('shows a page-not-found state for an unknown path', async () => {
    // Act
    renderApp({ path: '/nowhere' });

    // Assert
    expect(await screen.findByRole('heading', { name: 'Page not found' })).toBeTruthy();
  });
});
