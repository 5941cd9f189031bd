import { act, fireEvent, screen, waitFor, within } from '@testing-library/react';

import { fakeBackend, sessionView } from '../test-support/fake-backend';
import { ackingServer, fakeSockets } from '../test-support/fake-socket';
import { renderApp } from '../test-support/render-app';

function seeded() {
  const backend = fakeBackend();
  const today = new Date().toISOString();
  const older = '2020-01-01T00:00:00.000Z';
  const budget = sessionView({ title: 'Budget review', updatedAt: today });
  const trip = sessionView({ title: '서울 출장 계획', updatedAt: today });
  const old = sessionView({ title: 'Old notes', updatedAt: older });
  backend.sessions.push(budget, trip, old);
  return { backend, budget, trip, old };
}

async function sidebar() {
  return screen.findByRole('navigation', { name: 'Conversations' });
}

describe('SessionList', () => {
  it('groups conversations by recency and filters them by title', async () => {
    // Arrange
    const { backend } = seeded();
    renderApp({ backend });
    const nav = await sidebar();
    await within(nav).findByRole('link', { name: 'Budget review' });

    // Act
    const groups = within(nav)
      .getAllByRole('heading')
      .map((heading) => heading.textContent);
    fireEvent.change(screen.getByRole('searchbox', { name: 'Search conversations' }), {
      target: { value: '서울' },
    });

    // Assert
    expect(groups).toEqual(['Today', 'Older']);
    expect(
      within(nav)
        .getAllByRole('link')
        .map((link) => link.textContent),
    ).toEqual(['서울 출장 계획']);
  });

  it('renames a conversation inline', async () => {
    // Arrange
    const { backend, budget } = seeded();
    renderApp({ backend });
    const nav = await sidebar();

    // Act
    fireEvent.click(await within(nav).findByRole('button', { name: 'Rename “Budget review”' }));
    const input = within(nav).getByRole('textbox', { name: 'Conversation title' });
    const focused = document.activeElement === input;
    fireEvent.change(input, { target: { value: 'Budget 2026' } });
    fireEvent.submit(input);

    // Assert
    expect(focused).toBe(true);
    expect(await within(nav).findByRole('link', { name: 'Budget 2026' })).toBeTruthy();
    expect(backend.callsTo('PATCH', `/sessions/${budget.id}`)[0]?.body).toEqual({
      title: 'Budget 2026',
      expectedVersion: 1,
    });
  });

  it('cancels a rename with Escape', async () => {
    // Arrange
    const { backend } = seeded();
    renderApp({ backend });
    const nav = await sidebar();
    fireEvent.click(await within(nav).findByRole('button', { name: 'Rename “Budget review”' }));

    // Act
    fireEvent.keyDown(within(nav).getByRole('textbox'), { key: 'Escape' });

    // Assert
    expect(within(nav).getByRole('link', { name: 'Budget review' })).toBeTruthy();
    expect(backend.calls.filter((call) => call.method === 'PATCH')).toEqual([]);
  });

  it('deletes the open conversation after confirmation and goes to a new chat', async () => {
    // Arrange
    const { backend, trip } = seeded();
    const { history } = renderApp({ backend, path: `/chat/${trip.id}` });
    const nav = await sidebar();

    // Act
    fireEvent.click(await within(nav).findByRole('button', { name: 'Delete “서울 출장 계획”' }));
    const dialog = screen.getByRole('dialog', { name: 'Delete this conversation?' });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Delete' }));

    // Assert
    await waitFor(() =>
      expect(within(nav).queryByRole('link', { name: '서울 출장 계획' })).toBeNull(),
    );
    expect(backend.callsTo('DELETE', `/sessions/${trip.id}`)).toHaveLength(1);
    expect(history.entries[history.entries.length - 1]).toBe('/chat');
    expect(await screen.findByText('Conversation deleted.')).toBeTruthy();
  });

  it('shows the title the server generates, as the session frame brings it', async () => {
    // Arrange
    const { backend, budget } = seeded();
    const sockets = fakeSockets(ackingServer(), { autoOpen: true });
    renderApp({ backend, sockets });
    const nav = await sidebar();
    await within(nav).findByRole('link', { name: 'Budget review' });
    await waitFor(() => expect(sockets.latest().readyState).toBe(1));

    // Act
    act(() =>
      sockets.latest().receive({
        kind: 'session',
        session: {
          id: budget.id,
          title: 'Budget review for Q3',
          updatedAt: new Date().toISOString(),
        },
      }),
    );

    // Assert
    expect(within(nav).getByRole('link', { name: 'Budget review for Q3' })).toBeTruthy();
  });

  it('says when there are no conversations yet', async () => {
    // Act
    renderApp();

    // Assert
    expect(await screen.findByText('No conversations yet. Start one with New chat.')).toBeTruthy();
  });
});
