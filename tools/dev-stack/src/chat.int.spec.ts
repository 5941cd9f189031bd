import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
  type CreateDocumentResponse,
  type DocumentView,
  type MessagePage,
  type ServerFrame,
  type Session as SessionView,
  type TurnEvent,
} from '@lgm/contracts';
import WebSocket from 'ws';

import { WEB_CLIENT_ID } from './services';
import { randomPortBase, startDevStack } from './test-support/dev-stack-process';
import { signIn } from './test-support/sign-in';

/**
 * The chat `npm start` serves, end to end through the same processes and protocols as a browser:
 * sign in at the dev OIDC issuer (code + PKCE), upload a document through chat-api's presigned
 * URL, wait for doc-ingestor to make it ready, ask over the ws-gateway WebSocket, receive the
 * streamed answer (the extractive model, no LLM configured) with a citation of that document,
 * and find the conversation stored. Another user sees none of it.
 */

const dataDir = mkdtempSync(join(tmpdir(), 'lgm-chat-'));
const portBase = randomPortBase();
const env = { LGM_DATA_DIR: dataDir, LGM_PORT_BASE: String(portBase), LGM_WEB: 'false' };
const api = `http://127.0.0.1:${portBase + 1}`;
const wsUrl = `ws://127.0.0.1:${portBase + 2}/ws`;
const issuer = `http://127.0.0.1:${portBase + 13}`;
const webOrigin = `http://127.0.0.1:${portBase}`;

const NOTE = [
  '# Orchard handbook',
  '',
  'The quince harvest begins when the fruit turns golden and smells of pineapple.',
  'Pickers carry canvas bags, never plastic crates, so the quinces do not bruise.',
  '',
  '## Storage',
  '',
  'Quinces keep for two months in a cool cellar, apart from apples.',
].join('\n');

async function call<T>(token: string, path: string, init: RequestInit = {}): Promise<T> {
  const response = await fetch(`${api}${path}`, {
    ...init,
    headers: {
      authorization: `Bearer ${token}`,
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...init.headers,
    },
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${init.method ?? 'GET'} ${path}: ${response.status} ${text}`);
  return (text === '' ? undefined : JSON.parse(text)) as T;
}

async function waitForReady(token: string, documentId: string): Promise<DocumentView> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const document = await call<DocumentView>(token, `/documents/${documentId}`);
    if (document.status === 'ready' || document.status === 'failed') return document;
    if (Date.now() > deadline) throw new Error(`document still ${document.status}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Opens a socket, sends one message and collects the turn's events until it ends. */
async function askOverSocket(
  token: string,
  sessionId: string,
  content: string,
): Promise<{ frames: ServerFrame[]; events: TurnEvent[] }> {
  const socket = new WebSocket(`${wsUrl}?token=${encodeURIComponent(token)}`);
  const frames: ServerFrame[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    return await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no turn.completed within 60 s')), 60_000);
      socket.on('message', (data: Buffer) => {
        const frame = JSON.parse(data.toString('utf8')) as ServerFrame;
        frames.push(frame);
        if (frame.kind === 'error') {
          clearTimeout(timer);
          reject(new Error(`error frame: ${frame.error.code} ${frame.error.message}`));
        }
        if (
          frame.kind === 'event' &&
          (frame.event.type === 'turn.completed' || frame.event.type === 'turn.failed')
        ) {
          clearTimeout(timer);
          const events = frames.flatMap((each) => (each.kind === 'event' ? [each.event] : []));
          resolve({ frames, events });
        }
      });
      socket.send(
        JSON.stringify({
          action: 'sendMessage',
          sessionId,
          clientMessageId: `dev-stack-${Date.now()}`,
          content,
        }),
      );
    });
  } finally {
    socket.close();
  }
}

describe('chat on the dev stack (npm start)', () => {
  let stack: Awaited<ReturnType<typeof startDevStack>>;
  let ada: string;
  let bob: string;

  beforeAll(async () => {
    stack = await startDevStack(env);
    const account = { issuer, clientId: WEB_CLIENT_ID, redirectUri: `${webOrigin}/auth/callback` };
    ada = await signIn({ ...account, username: 'ada' });
    bob = await signIn({ ...account, username: 'bob' });
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('refuses the API and the socket without a token', async () => {
    expect((await fetch(`${api}/sessions`)).status).toBe(401);
    const refused = await new Promise<number>((resolve) => {
      const socket = new WebSocket(wsUrl);
      socket.once('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
      socket.once('open', () => resolve(101));
      socket.once('error', () => undefined);
    });
    expect(refused).toBe(401);
  });

  it('answers from an uploaded document with a streamed, cited, stored answer', async () => {
    const body = new TextEncoder().encode(NOTE);
    const created = await call<CreateDocumentResponse>(ada, '/documents', {
      method: 'POST',
      body: JSON.stringify({
        fileName: 'orchard.md',
        contentType: 'text/markdown',
        sizeBytes: body.byteLength,
        title: 'Orchard handbook',
      }),
    });
    const upload = await fetch(created.upload.url, {
      method: 'PUT',
      headers: created.upload.headers,
      body,
    });
    expect(upload.status).toBe(200);
    const document = await waitForReady(ada, created.document.id);
    expect(document).toMatchObject({ status: 'ready', progress: 100 });

    const session = await call<SessionView>(ada, '/sessions', { method: 'POST', body: '{}' });
    const { frames, events } = await askOverSocket(
      ada,
      session.id,
      'How should pickers carry the quinces?',
    );

    expect(frames[0]).toMatchObject({ kind: 'ack', action: 'sendMessage', sessionId: session.id });
    expect(events.map((event) => event.seq)).toEqual(events.map((_, index) => index));
    expect(events[0]?.type).toBe('turn.started');
    const answer = events
      .flatMap((event) => (event.type === 'text.delta' ? [event.data.text] : []))
      .join('');
    expect(answer).toContain('canvas bags');
    const citations = events.flatMap((event) => (event.type === 'citation' ? [event.data] : []));
    expect(citations).toContainEqual(
      expect.objectContaining({ documentId: document.id, title: 'Orchard handbook' }),
    );
    expect(events.at(-1)).toMatchObject({ type: 'turn.completed', data: { status: 'complete' } });

    const messages = await call<MessagePage>(ada, `/sessions/${session.id}/messages`);
    expect(messages.items.map((message) => message.role)).toEqual(['user', 'assistant']);
    expect(JSON.stringify(messages.items[1]?.content)).toContain('canvas bags');

    // Bob can neither read Ada's conversation nor find her document.
    const foreign = await fetch(`${api}/sessions/${session.id}/messages`, {
      headers: { authorization: `Bearer ${bob}` },
    });
    expect(foreign.status).toBe(404);
    const search = await call<{ passages: unknown[] }>(bob, '/search', {
      method: 'POST',
      body: JSON.stringify({ query: 'quince pickers canvas bags' }),
    });
    expect(search.passages).toEqual([]);
  }, 120_000);
});
