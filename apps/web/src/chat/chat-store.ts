import type { MessageView, Session, TurnEvent, TurnOptions } from '@lgm/contracts';

import { type ApiClient, ApiError, isApiError } from '../api/api-client';
import { type ChatSocket, type ConnectionState, SocketRequestError } from '../socket/chat-socket';
import { answerFromMessage, type AnswerView, applyTurnEvent, emptyAnswer } from './turn-view';

/** A message the user wrote, possibly not yet accepted by the server. */
export interface UserEntry {
  readonly kind: 'user';
  /** Stable React key: the clientMessageId, or the stored id. */
  readonly key: string;
  readonly messageId?: string;
  readonly clientMessageId?: string;
  readonly text: string;
  readonly createdAt: string;
  readonly turnId?: string;
  /** `sending` until acknowledged; `failed` when the server refused it. */
  readonly sendState?: 'sending' | 'failed';
  readonly error?: { readonly code: string; readonly message: string };
  readonly options?: TurnOptions;
}

export interface AssistantEntry {
  readonly kind: 'assistant';
  readonly key: string;
  readonly createdAt: string;
  readonly answer: AnswerView;
}

export type ChatEntry = UserEntry | AssistantEntry;

export interface ConversationState {
  readonly status: 'loading' | 'ready' | 'error';
  readonly entries: readonly ChatEntry[];
  readonly error?: ApiError;
}

export interface SessionsState {
  readonly status: 'idle' | 'loading' | 'ready' | 'error';
  readonly items: readonly Session[];
  readonly nextCursor?: string;
  readonly loadingMore?: boolean;
  readonly error?: ApiError;
}

export interface ChatState {
  readonly connection: ConnectionState;
  readonly sessions: SessionsState;
  readonly conversations: Readonly<Record<string, ConversationState>>;
}

export interface ChatStoreDeps {
  readonly api: ApiClient;
  readonly socket: ChatSocket;
  /** A new clientMessageId. */
  readonly newId: () => string;
  readonly now?: () => Date;
}

/** Pages fetched to show one conversation, at most (100 messages each). */
const MAX_MESSAGE_PAGES = 20;
const SESSION_PAGE = 30;

/**
 * Sessions and conversations as the UI shows them, fed by chat-api (lists, history) and the
 * socket (live turns, generated titles). Components read it through `useSyncExternalStore`.
 */
export class ChatStore {
  private state: ChatState = {
    connection: 'idle',
    sessions: { status: 'idle', items: [] },
    conversations: {},
  };
  private readonly listeners = new Set<() => void>();
  private readonly now: () => Date;

  constructor(private readonly deps: ChatStoreDeps) {
    this.now = deps.now ?? (() => new Date());
    this.state = { ...this.state, connection: deps.socket.connectionState };
  }

  /** Starts following the socket (turn events, titles, connection state); returns the undo. */
  attach(): () => void {
    return this.deps.socket.subscribe({
      onEvent: (event) => this.receiveEvent(event),
      onState: (connection) => this.update({ ...this.state, connection }),
      onSession: (session) => this.receiveSessionUpdate(session),
      onResumeFailed: (turnId, error) => void this.recoverTurn(turnId, error),
    });
  }

  getSnapshot = (): ChatState => this.state;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  // Sessions

  async loadSessions(): Promise<void> {
    this.setSessions({ ...this.state.sessions, status: 'loading', error: undefined });
    try {
      const page = await this.deps.api.listSessions({ limit: SESSION_PAGE });
      this.setSessions({ status: 'ready', items: page.items, nextCursor: page.nextCursor });
    } catch (error) {
      this.setSessions({ ...this.state.sessions, status: 'error', error: asApiError(error) });
    }
  }

  async loadMoreSessions(): Promise<void> {
    const { nextCursor, loadingMore } = this.state.sessions;
    if (!nextCursor || loadingMore) return;
    this.setSessions({ ...this.state.sessions, loadingMore: true });
    try {
      const page = await this.deps.api.listSessions({ limit: SESSION_PAGE, cursor: nextCursor });
      const known = new Set(this.state.sessions.items.map((session) => session.id));
      this.setSessions({
        status: 'ready',
        items: [...this.state.sessions.items, ...page.items.filter((s) => !known.has(s.id))],
        nextCursor: page.nextCursor,
      });
    } catch (error) {
      this.setSessions({ ...this.state.sessions, loadingMore: false, error: asApiError(error) });
    }
  }

  session(sessionId: string): Session | undefined {
    return this.state.sessions.items.find((session) => session.id === sessionId);
  }

  async createSession(model?: string): Promise<Session> {
    const session = await this.deps.api.createSession(model ? { model } : {});
    this.setSessions({
      ...this.state.sessions,
      items: [session, ...this.state.sessions.items.filter((s) => s.id !== session.id)],
    });
    this.setConversation(session.id, { status: 'ready', entries: [] });
    return session;
  }

  async renameSession(sessionId: string, title: string): Promise<void> {
    await this.patchSession(sessionId, { title });
  }

  async setSessionModel(sessionId: string, model: string): Promise<void> {
    await this.patchSession(sessionId, { model });
  }

  /** PATCH at the version we have; after a 409 (changed elsewhere), re-read and try once more. */
  private async patchSession(
    sessionId: string,
    change: { title?: string; model?: string },
  ): Promise<void> {
    const current = this.session(sessionId) ?? (await this.deps.api.getSession(sessionId));
    let updated: Session;
    try {
      updated = await this.deps.api.updateSession(sessionId, {
        ...change,
        expectedVersion: current.version,
      });
    } catch (error) {
      if (!isApiError(error) || error.status !== 409) throw error;
      const fresh = await this.deps.api.getSession(sessionId);
      updated = await this.deps.api.updateSession(sessionId, {
        ...change,
        expectedVersion: fresh.version,
      });
    }
    this.replaceSession(updated);
  }

  async deleteSession(sessionId: string): Promise<void> {
    await this.deps.api.deleteSession(sessionId);
    const { [sessionId]: _removed, ...conversations } = this.state.conversations;
    this.update({
      ...this.state,
      conversations,
      sessions: {
        ...this.state.sessions,
        items: this.state.sessions.items.filter((session) => session.id !== sessionId),
      },
    });
  }

  private replaceSession(session: Session): void {
    this.setSessions({
      ...this.state.sessions,
      items: this.state.sessions.items.map((item) => (item.id === session.id ? session : item)),
    });
  }

  private receiveSessionUpdate(update: { id: string; title: string; updatedAt: string }): void {
    const existing = this.session(update.id);
    if (!existing) return;
    this.replaceSession({ ...existing, title: update.title, updatedAt: update.updatedAt });
  }

  // Conversations

  conversation(sessionId: string): ConversationState | undefined {
    return this.state.conversations[sessionId];
  }

  /** Loads a session's history (once) and follows any turn still streaming in it. */
  async openConversation(sessionId: string, { force = false } = {}): Promise<void> {
    const existing = this.state.conversations[sessionId];
    if (existing && existing.status !== 'error' && !force) return;
    this.setConversation(sessionId, { status: 'loading', entries: existing?.entries ?? [] });
    try {
      const messages: MessageView[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < MAX_MESSAGE_PAGES; page += 1) {
        const result = await this.deps.api.listMessages(sessionId, { limit: 100, cursor });
        messages.push(...result.items);
        cursor = result.nextCursor;
        if (!cursor) break;
      }
      messages.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      const live = this.state.conversations[sessionId]?.entries ?? [];
      const entries = mergeHistory(messages.map(entryFromMessage), live).map((entry) =>
        // A running turn's stored text may lag behind its events: rebuild it from all of them.
        entry.kind === 'assistant' &&
        entry.answer.status === 'streaming' &&
        entry.answer.turnId &&
        entry.answer.lastSeq < 0
          ? { ...entry, answer: emptyAnswer(entry.answer.turnId) }
          : entry,
      );
      this.setConversation(sessionId, { status: 'ready', entries });
      for (const entry of entries) {
        if (
          entry.kind === 'assistant' &&
          entry.answer.status === 'streaming' &&
          entry.answer.turnId
        ) {
          this.deps.socket.watch(entry.answer.turnId, entry.answer.lastSeq);
        }
      }
    } catch (error) {
      this.setConversation(sessionId, {
        status: 'error',
        entries: existing?.entries ?? [],
        error: asApiError(error),
      });
    }
  }

  /** Sends a message and starts its turn; the answer streams in through the socket. */
  async send(sessionId: string, text: string, options: TurnOptions = {}): Promise<void> {
    const clientMessageId = this.deps.newId();
    const entry: UserEntry = {
      kind: 'user',
      key: clientMessageId,
      clientMessageId,
      text,
      createdAt: this.now().toISOString(),
      sendState: 'sending',
      options,
    };
    this.editEntries(sessionId, (entries) => [...entries, entry]);
    this.touchSession(sessionId);
    await this.transmit(sessionId, entry);
  }

  /**
   * Tries again: a message the server refused is sent again; after a failed turn, its question
   * is asked again as a new message. Both with a new clientMessageId, so the server runs it anew.
   */
  async retry(sessionId: string, entryKey: string): Promise<void> {
    const entries = this.state.conversations[sessionId]?.entries ?? [];
    const index = entries.findIndex((entry) => entry.key === entryKey);
    const entry = entries[index];
    if (!entry) return;
    if (entry.kind === 'user' && entry.sendState === 'failed') {
      const clientMessageId = this.deps.newId();
      const resent: UserEntry = {
        ...entry,
        clientMessageId,
        sendState: 'sending',
        error: undefined,
      };
      this.editEntries(sessionId, (list) => list.map((e) => (e.key === entryKey ? resent : e)));
      await this.transmit(sessionId, resent);
      return;
    }
    if (entry.kind === 'assistant') {
      const question = entries
        .slice(0, index)
        .reverse()
        .find((candidate): candidate is UserEntry => candidate.kind === 'user');
      if (question) await this.send(sessionId, question.text, question.options);
    }
  }

  cancel(turnId: string): void {
    this.deps.socket.cancel(turnId);
  }

  private async transmit(sessionId: string, entry: UserEntry): Promise<void> {
    const clientMessageId = entry.clientMessageId ?? entry.key;
    try {
      const ack = await this.deps.socket.sendMessage({
        sessionId,
        content: entry.text,
        clientMessageId,
        options: entry.options && Object.keys(entry.options).length > 0 ? entry.options : undefined,
      });
      this.editEntries(sessionId, (entries) => {
        const updated = entries.map((e) =>
          e.key === entry.key && e.kind === 'user'
            ? { ...e, turnId: ack.turnId, sendState: undefined }
            : e,
        );
        const hasAnswer = updated.some(
          (e) => e.kind === 'assistant' && e.answer.turnId === ack.turnId,
        );
        if (hasAnswer) return updated;
        const at = updated.findIndex((e) => e.key === entry.key);
        const answer: AssistantEntry = {
          kind: 'assistant',
          key: `turn-${ack.turnId}`,
          createdAt: this.now().toISOString(),
          answer: emptyAnswer(ack.turnId),
        };
        return [...updated.slice(0, at + 1), answer, ...updated.slice(at + 1)];
      });
    } catch (error) {
      const failure =
        error instanceof SocketRequestError || error instanceof ApiError
          ? { code: error.code, message: error.message }
          : { code: 'SEND_FAILED', message: String(error) };
      this.editEntries(sessionId, (entries) =>
        entries.map((e) =>
          e.key === entry.key && e.kind === 'user'
            ? { ...e, sendState: 'failed' as const, error: failure }
            : e,
        ),
      );
    }
  }

  private receiveEvent(event: TurnEvent): void {
    const { sessionId, turnId } = event;
    if (!this.state.conversations[sessionId]) return;
    this.editEntries(sessionId, (entries) => {
      let found = false;
      const updated = entries.map((entry) => {
        if (entry.kind === 'user' && event.type === 'turn.started' && entry.turnId === turnId) {
          return { ...entry, messageId: event.data.userMessageId };
        }
        if (entry.kind !== 'assistant' || entry.answer.turnId !== turnId) return entry;
        found = true;
        return { ...entry, answer: applyTurnEvent(entry.answer, event) };
      });
      if (found) return updated;
      return [
        ...updated,
        {
          kind: 'assistant',
          key: `turn-${turnId}`,
          createdAt: this.now().toISOString(),
          answer: applyTurnEvent(emptyAnswer(turnId), event),
        },
      ];
    });
  }

  /** The socket cannot resume a turn: read its stored events over REST instead. */
  private async recoverTurn(turnId: string, _error: { code: string }): Promise<void> {
    const owner = Object.entries(this.state.conversations).find(([, conversation]) =>
      conversation.entries.some((e) => e.kind === 'assistant' && e.answer.turnId === turnId),
    );
    if (!owner) return;
    const [, conversation] = owner;
    const entry = conversation.entries.find(
      (e): e is AssistantEntry => e.kind === 'assistant' && e.answer.turnId === turnId,
    );
    try {
      const stored = await this.deps.api.turnEvents(turnId, entry?.answer.lastSeq ?? -1);
      for (const event of stored.events) this.receiveEvent(event);
    } catch {
      // Leave the answer as it is; reopening the conversation reloads it.
    }
  }

  private touchSession(sessionId: string): void {
    const session = this.session(sessionId);
    if (!session) return;
    const touched = { ...session, updatedAt: this.now().toISOString() };
    this.setSessions({
      ...this.state.sessions,
      items: [touched, ...this.state.sessions.items.filter((s) => s.id !== sessionId)],
    });
  }

  private editEntries(
    sessionId: string,
    edit: (entries: readonly ChatEntry[]) => readonly ChatEntry[],
  ): void {
    const conversation = this.state.conversations[sessionId] ?? {
      status: 'ready' as const,
      entries: [],
    };
    this.setConversation(sessionId, { ...conversation, entries: edit(conversation.entries) });
  }

  private setConversation(sessionId: string, conversation: ConversationState): void {
    this.update({
      ...this.state,
      conversations: { ...this.state.conversations, [sessionId]: conversation },
    });
  }

  private setSessions(sessions: SessionsState): void {
    this.update({ ...this.state, sessions });
  }

  private update(state: ChatState): void {
    this.state = state;
    for (const listener of this.listeners) listener();
  }
}

function entryFromMessage(message: MessageView): ChatEntry {
  if (message.role === 'assistant') {
    return {
      kind: 'assistant',
      key: message.turnId ? `turn-${message.turnId}` : message.id,
      createdAt: message.createdAt,
      answer: answerFromMessage(message),
    };
  }
  return {
    kind: 'user',
    key: message.clientMessageId ?? message.id,
    messageId: message.id,
    clientMessageId: message.clientMessageId,
    text: message.text,
    createdAt: message.createdAt,
    turnId: message.turnId,
  };
}

/**
 * Stored history plus what this tab knows that the server had not stored yet when it answered:
 * live answers replace their stored (possibly shorter) versions; unsent or unstored messages
 * stay at the end.
 */
export function mergeHistory(
  stored: readonly ChatEntry[],
  live: readonly ChatEntry[],
): ChatEntry[] {
  const liveByKey = new Map(live.map((entry) => [entry.key, entry]));
  const merged = stored.map((entry) => {
    const current = liveByKey.get(entry.key);
    if (!current) return entry;
    liveByKey.delete(entry.key);
    if (current.kind === 'assistant' && entry.kind === 'assistant') {
      return current.answer.lastSeq >= 0 ? current : entry;
    }
    return current.kind === 'user' && entry.kind === 'user'
      ? { ...current, ...entry, sendState: undefined, error: undefined }
      : entry;
  });
  return [...merged, ...liveByKey.values()];
}

function asApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  return new ApiError(0, 'UNEXPECTED', error instanceof Error ? error.message : String(error));
}
