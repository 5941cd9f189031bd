import { act, fireEvent, screen, waitFor, within } from '@testing-library/react';

import { fakeBackend, sessionView } from '../test-support/fake-backend';
import {
  ackingServer,
  fakeSockets,
  type FakeWebSocket,
  TURN_ID,
  turnScript,
} from '../test-support/fake-socket';
import { renderApp } from '../test-support/render-app';

const SECOND_TURN = '01HX5Z7Q8R9S0T1V2W3X4Y5Z7A';

function composer(): HTMLTextAreaElement {
  return screen.getByRole('textbox', { name: 'Message' }) as HTMLTextAreaElement;
}

function type(text: string): void {
  fireEvent.change(composer(), { target: { value: text } });
}

async function openSocket(sockets: ReturnType<typeof fakeSockets>): Promise<FakeWebSocket> {
  await waitFor(() => expect(sockets.latest().readyState).toBe(1));
  return sockets.latest();
}

/** Sends through the server the events of the turn, for the session the test created. */
function stream(
  socket: FakeWebSocket,
  sessionId: string,
  events: (s: ReturnType<typeof turnScript>) => unknown[],
  turnId = TURN_ID,
) {
  const script = turnScript(turnId, sessionId);
  act(() => {
    for (const event of events(script)) socket.event(event as never);
  });
}

async function startChat(question = 'What is the travel policy?') {
  const backend = fakeBackend();
  const sockets = fakeSockets(ackingServer([TURN_ID, SECOND_TURN]), { autoOpen: true });
  const view = renderApp({ backend, sockets });
  await screen.findByRole('heading', { name: 'How can I help?' });
  const socket = await openSocket(sockets);
  type(question);
  fireEvent.keyDown(composer(), { key: 'Enter' });
  await waitFor(() => expect(socket.framesOf('sendMessage')).toHaveLength(1));
  const sessionId = backend.sessions[0]?.id ?? '';
  return { ...view, backend, sockets, socket, sessionId };
}

describe('ChatPage', () => {
  it('starts a session on the first message and streams the answer with its citation', async () => {
    // Arrange
    const { socket, sessionId, history, backend } = await startChat();

    // Act
    stream(socket, sessionId, (s) => [
      s.started(0),
      s.citation(1, '1'),
      s.delta(2, 'Travel is **refunded** '),
    ]);
    const partial = screen.getByTestId('assistant-message').textContent;
    stream(socket, sessionId, (s) => [s.delta(3, 'within 30 days [1].'), s.completed(4)]);

    // Assert
    const frame = socket.framesOf('sendMessage')[0];
    expect(frame).toMatchObject({
      sessionId,
      content: 'What is the travel policy?',
      clientMessageId: 'client-1',
    });
    // A new chat runs on the session's default model: only the option the user set is sent.
    expect(frame?.options).toEqual({ knowledgeBase: true });
    expect(backend.callsTo('POST', '/sessions')).toHaveLength(1);
    expect(history.entries[history.entries.length - 1]).toBe(`/chat/${sessionId}`);
    expect(partial).toContain('Travel is refunded');
    const answer = screen.getByTestId('assistant-message');
    expect(answer.getAttribute('data-status')).toBe('complete');
    expect(answer.querySelector('.markdown')?.textContent).toBe(
      'Travel is refunded within 30 days 1.',
    );
    expect(within(answer).getByRole('button', { name: 'Source 1: Handbook.pdf' })).toBeTruthy();
    expect(screen.getByTestId('user-message').textContent).toContain('What is the travel policy?');
    expect(composer().value).toBe('');
  });

  it('keeps the messages a list inside the live log, each under a heading below the title', async () => {
    // Arrange
    const { socket, sessionId } = await startChat();

    // Act
    stream(socket, sessionId, (s) => [s.started(0), s.delta(1, 'Hello.'), s.completed(2)]);

    // Assert: a role on the <ol> itself would orphan its items (axe `listitem`).
    const log = screen.getByRole('log', { name: 'Conversation' });
    expect(log.getAttribute('aria-live')).toBe('polite');
    expect(log.getAttribute('aria-busy')).toBe('false');
    const list = within(log).getByRole('list');
    expect(within(list).getAllByRole('listitem')).toHaveLength(2);
    // The page title is the <h1>; each message's hidden heading comes next (axe `heading-order`).
    expect(screen.getByRole('heading', { level: 1 })).toBeTruthy();
    expect(
      within(list)
        .getAllByRole('heading', { level: 2 })
        .map((heading) => heading.textContent),
    ).toEqual(['You', 'LGM']);
  });

  it('opens a citation in the side panel with passage, document, page and heading', async () => {
    // Arrange
    const { socket, sessionId } = await startChat();
    stream(socket, sessionId, (s) => [
      s.started(0),
      s.citation(1, '1', 'Handbook.pdf'),
      s.citation(2, '2', '출장 규정.docx'),
      s.delta(3, 'See [1] and [2].'),
      s.completed(4),
    ]);

    // Act
    fireEvent.click(screen.getByRole('button', { name: 'Source 2: 출장 규정.docx' }));

    // Assert
    const panel = screen.getByTestId('citation-panel');
    expect(within(panel).getByRole('heading', { name: '출장 규정.docx', level: 3 })).toBeTruthy();
    expect(panel.textContent).toContain('Passage 2 of 출장 규정.docx.');
    expect(panel.textContent).toContain('pp. 3–4');
    expect(within(panel).getByRole('list', { name: 'Section' }).textContent).toBe('PoliciesTravel');
    expect(
      within(panel).getByRole('link', { name: 'Open in library' }).getAttribute('href'),
    ).toMatch(/^\/documents\?document=01HX/);
    expect(document.activeElement?.textContent).toBe('출장 규정.docx');

    // Act: another source from the list, then Escape
    fireEvent.click(within(panel).getByRole('button', { name: /Handbook\.pdf/ }));
    const switched = within(panel).getByRole('heading', { level: 3, name: 'Handbook.pdf' });
    fireEvent.keyDown(switched, { key: 'Escape' });

    // Assert
    expect(screen.queryByTestId('citation-panel')).toBeNull();
  });

  it('stops a streaming answer with the stop button and with Escape', async () => {
    // Arrange
    const { socket, sessionId } = await startChat();
    stream(socket, sessionId, (s) => [s.started(0), s.delta(1, 'Long answer')]);

    // Act
    fireEvent.click(screen.getByRole('button', { name: 'Stop' }));
    fireEvent.keyDown(window, { key: 'Escape' });
    stream(socket, sessionId, (s) => [s.completed(2, 'cancelled')]);

    // Assert
    expect(socket.framesOf('cancel')).toEqual([
      expect.objectContaining({ turnId: TURN_ID }),
      expect.objectContaining({ turnId: TURN_ID }),
    ]);
    expect(screen.getByText('Stopped. The answer above is partial.')).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Send' })).toBeTruthy();
  });

  it('completes an answer after the socket drops mid-stream, without duplicated text', async () => {
    // Arrange
    const { socket, sessionId, sockets } = await startChat();
    stream(socket, sessionId, (s) => [s.started(0), s.delta(1, 'Alpha '), s.delta(2, 'beta ')]);

    // Act
    act(() => socket.drop());
    const banner = await screen.findByTestId('connection-banner');
    await waitFor(() => expect(sockets.sockets).toHaveLength(2), { timeout: 3000 });
    const second = await openSocket(sockets);
    await waitFor(() => expect(second.framesOf('resume')).toHaveLength(1));
    stream(second, sessionId, (s) => [
      s.delta(2, 'beta '),
      s.delta(3, 'gamma.'),
      s.delta(3, 'gamma.'),
      s.completed(4),
    ]);

    // Assert
    expect(banner.textContent).toBe('Connection lost. Reconnecting…');
    expect(second.framesOf('resume')[0]).toMatchObject({ turnId: TURN_ID, afterSeq: 2 });
    expect(screen.getByTestId('assistant-message').querySelector('.markdown')?.textContent).toBe(
      'Alpha beta gamma.',
    );
    await waitFor(() => expect(screen.queryByTestId('connection-banner')).toBeNull());
  });

  it('retries a failed turn as a new message', async () => {
    // Arrange
    const { socket, sessionId } = await startChat('Summarize it');
    stream(socket, sessionId, (s) => [s.started(0), s.delta(1, 'Part'), s.failed(2, 'Throttled.')]);

    // Act
    const alert = screen.getByRole('alert');
    fireEvent.click(within(alert).getByRole('button', { name: 'Try again' }));

    // Assert
    expect(alert.textContent).toContain('The answer could not be completed: Throttled.');
    await waitFor(() => expect(socket.framesOf('sendMessage')).toHaveLength(2));
    const [first, second] = socket.framesOf('sendMessage');
    expect(second).toMatchObject({ content: 'Summarize it', sessionId });
    expect(second?.clientMessageId).not.toBe(first?.clientMessageId);
  });

  it('shows a message the server refused, and sends it again on request', async () => {
    // Arrange
    const backend = fakeBackend();
    const session = sessionView({ title: 'Old chat' });
    backend.sessions.push(session);
    let refuse = true;
    const sockets = fakeSockets(
      (frame, socket) => {
        if (frame.action !== 'sendMessage') return;
        if (refuse) {
          refuse = false;
          socket.receive({
            kind: 'error',
            requestId: frame.requestId,
            error: { code: 'RATE_LIMITED', message: 'Slow down.' },
          });
        } else {
          ackingServer()(frame, socket);
        }
      },
      { autoOpen: true },
    );
    renderApp({ backend, sockets, path: `/chat/${session.id}` });
    const socket = await openSocket(sockets);
    await screen.findByRole('heading', { name: 'How can I help?' });

    // Act
    type('Hello');
    fireEvent.click(screen.getByRole('button', { name: 'Send' }));
    const alert = await screen.findByRole('alert');
    fireEvent.click(within(alert).getByRole('button', { name: 'Try again' }));

    // Assert
    expect(alert.textContent).toContain('Not sent. Slow down.');
    await waitFor(() => expect(screen.queryByRole('alert')).toBeNull());
    const [first, second] = socket.framesOf('sendMessage');
    expect(second?.content).toBe('Hello');
    expect(second?.clientMessageId).not.toBe(first?.clientMessageId);
  });

  it('keeps Shift+Enter as a new line and sends nothing while an IME composes', async () => {
    // Arrange
    const { socket } = await startChat();
    type('첫 줄');

    // Act
    fireEvent.keyDown(composer(), { key: 'Enter', shiftKey: true });
    fireEvent.keyDown(composer(), { key: 'Enter', isComposing: true });
    fireEvent.keyDown(composer(), { key: 'Enter', keyCode: 229 });

    // Assert
    expect(socket.framesOf('sendMessage')).toHaveLength(1);
    expect(composer().value).toBe('첫 줄');
  });

  it('renders a tool call card and a code run with its output and files', async () => {
    // Arrange
    const { socket, sessionId } = await startChat('Plot it');
    const output = JSON.stringify({
      stdout: 'done\n',
      stderr: 'warning: slow\n',
      exitCode: 0,
      files: [
        { artifactId: '01HX5Z7Q8R9S0T1V2W3X4Y5Z8A', name: 'plot.png', contentType: 'image/png' },
        {
          artifactId: '01HX5Z7Q8R9S0T1V2W3X4Y5Z8B',
          name: 'data.csv',
          contentType: 'text/csv',
          sizeBytes: 2048,
        },
      ],
    });

    // Act
    stream(socket, sessionId, (s) => [
      s.started(0),
      s.toolCall(1, 'tu-1', 'lgm__run_code', { language: 'python', code: 'print("done")' }),
    ]);
    const running = screen.getByTestId('tool-call').textContent;
    stream(socket, sessionId, (s) => [
      s.toolResult(2, 'tu-1', 'lgm__run_code', output),
      s.delta(3, 'Here is the plot.'),
      s.completed(4),
    ]);
    fireEvent.click(screen.getByRole('button', { name: /Code run/ }));

    // Assert
    expect(running).toContain('Running');
    const card = screen.getByTestId('tool-call');
    expect(card.textContent).toContain('Done');
    expect(card.textContent).toContain('1.2 sec');
    expect(within(card).getByText('print("done")')).toBeTruthy();
    expect(within(card).getByText('done')).toBeTruthy();
    expect(within(card).getByText('warning: slow')).toBeTruthy();
    const image = await within(card).findByRole('img', { name: 'plot.png' });
    expect(image.getAttribute('src')).toBe(
      'https://s3.lgm.test/artifacts/01HX5Z7Q8R9S0T1V2W3X4Y5Z8A',
    );
    expect(within(card).getByRole('button', { name: 'Download data.csv' })).toBeTruthy();
  });

  it('reloads a conversation and resumes the turn still streaming in it', async () => {
    // Arrange
    const backend = fakeBackend();
    const session = sessionView({ title: 'Running' });
    backend.sessions.push(session);
    backend.messages.set(session.id, [
      {
        id: '01HX5Z7Q8R9S0T1V2W3X4Y5Z9A',
        sessionId: session.id,
        role: 'user',
        text: 'Question',
        content: [{ type: 'text', text: 'Question' }],
        createdAt: '2026-05-01T12:00:00.000Z',
        clientMessageId: 'c-1',
        turnId: TURN_ID,
        citations: [],
        toolCalls: [],
      },
      {
        id: '01HX5Z7Q8R9S0T1V2W3X4Y5Z9B',
        sessionId: session.id,
        role: 'assistant',
        text: 'Stored part',
        content: [{ type: 'text', text: 'Stored part' }],
        createdAt: '2026-05-01T12:00:01.000Z',
        status: 'streaming',
        turnId: TURN_ID,
        citations: [],
        toolCalls: [],
      },
    ]);
    const sockets = fakeSockets(ackingServer(), { autoOpen: true });

    // Act
    renderApp({ backend, sockets, path: `/chat/${session.id}` });
    const socket = await openSocket(sockets);
    await waitFor(() => expect(socket.framesOf('resume')).toHaveLength(1));
    stream(socket, session.id, (s) => [
      s.started(0),
      s.delta(1, 'Stored part'),
      s.delta(2, ' and the rest.'),
      s.completed(3),
    ]);

    // Assert
    expect(socket.framesOf('resume')[0]).toMatchObject({ turnId: TURN_ID, afterSeq: -1 });
    expect(screen.getByTestId('user-message').textContent).toContain('Question');
    expect(screen.getByTestId('assistant-message').querySelector('.markdown')?.textContent).toBe(
      'Stored part and the rest.',
    );
  });

  it('names the model in the footer of a stored answer, as the live answer did', async () => {
    // Arrange: a stored message says nothing of its model (only the turn's events do).
    const backend = fakeBackend();
    const session = sessionView({ title: 'Stored', model: 'anthropic.claude' });
    backend.sessions.push(session);
    backend.messages.set(session.id, [
      {
        id: '01HX5Z7Q8R9S0T1V2W3X4Y5Z9C',
        sessionId: session.id,
        role: 'assistant',
        text: 'Stored answer.',
        content: [{ type: 'text', text: 'Stored answer.' }],
        createdAt: '2026-05-01T12:00:01.000Z',
        status: 'complete',
        turnId: TURN_ID,
        citations: [],
        toolCalls: [],
        usage: { inputTokens: 329, outputTokens: 106, costUsd: null },
      },
    ]);

    // Act
    renderApp({ backend, path: `/chat/${session.id}` });
    const answer = await screen.findByTestId('assistant-message');

    // Assert
    await waitFor(() =>
      expect([...answer.querySelectorAll('.message-meta')].map((meta) => meta.textContent)).toEqual(
        ['anthropic.claude', '329 in · 106 out tokens'],
      ),
    );
  });

  it('shows a deleted conversation as not found', async () => {
    // Act
    renderApp({ path: '/chat/01HX5Z7Q8R9S0T1V2W3X4Y5ZZZ' });

    // Assert
    expect(await screen.findByRole('heading', { name: 'Conversation not found' })).toBeTruthy();
  });

  it('changes the model and the knowledge-base option for the session', async () => {
    // Arrange
    const backend = fakeBackend();
    const session = sessionView({ title: 'Models' });
    backend.sessions.push(session);
    const sockets = fakeSockets(ackingServer(), { autoOpen: true });
    renderApp({ backend, sockets, path: `/chat/${session.id}` });
    const socket = await openSocket(sockets);
    const picker = (await screen.findByRole('combobox', { name: 'Model' })) as HTMLSelectElement;

    // Act
    fireEvent.change(picker, { target: { value: 'amazon.nova-lite' } });
    await waitFor(() =>
      expect(backend.callsTo('PATCH', `/sessions/${session.id}`)).toHaveLength(1),
    );
    fireEvent.click(screen.getByRole('switch', { name: 'Documents' }));
    type('Hi');
    fireEvent.keyDown(composer(), { key: 'Enter' });

    // Assert
    expect(backend.callsTo('PATCH', `/sessions/${session.id}`)[0]?.body).toEqual({
      model: 'amazon.nova-lite',
      expectedVersion: 1,
    });
    await waitFor(() => expect(socket.framesOf('sendMessage')).toHaveLength(1));
    expect(socket.framesOf('sendMessage')[0]?.options).toEqual({
      knowledgeBase: false,
      model: 'amazon.nova-lite',
    });
    expect(screen.getByRole('switch', { name: 'Documents' }).getAttribute('aria-checked')).toBe(
      'false',
    );
    // The picker may cut a long name short on screen; its title holds the whole name.
    await waitFor(() => expect(picker.title).toBe('Nova Lite'));
  });
});
