import type {
  DocumentView,
  McpServerView,
  MessageView,
  ModelsResponse,
  Session,
  UsageResponse,
} from '@lgm/contracts';

import type { AuthClient, AuthUser } from '../auth/auth-client';
import type { FetchLike, FetchLikeInit, FetchLikeResponse } from '../fetch-like';

export const API = 'https://api.lgm.test/prod';
export const WS = 'wss://ws.lgm.test/prod';

export const CONFIG = {
  apiUrl: API,
  wsUrl: WS,
  services: { 'chat-api': API },
  auth: { authority: 'https://issuer.lgm.test', clientId: 'lgm-web' },
};

export interface RecordedCall {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly body: unknown;
  readonly headers: Record<string, string>;
}

type Reply = { status: number; json?: unknown };

let idCounter = 0;
/** A fresh, valid ULID-shaped id (sortable by creation). */
export function nextUlid(): string {
  idCounter += 1;
  return `01HY${idCounter.toString().padStart(22, '0')}`;
}

const NOW = '2026-05-01T12:00:00.000Z';

export function sessionView(overrides: Partial<Session> = {}): Session {
  return {
    id: nextUlid(),
    title: '',
    model: 'extractive',
    createdAt: NOW,
    updatedAt: NOW,
    version: 1,
    ...overrides,
  };
}

export function documentView(overrides: Partial<DocumentView> = {}): DocumentView {
  return {
    id: nextUlid(),
    title: 'Handbook.pdf',
    fileName: 'Handbook.pdf',
    contentType: 'application/pdf',
    sizeBytes: 204_800,
    status: 'ready',
    progress: 100,
    error: null,
    createdAt: NOW,
    updatedAt: NOW,
    ...overrides,
  };
}

/**
 * chat-api in memory, answering the routes the web calls with the contract's shapes. Tests
 * seed it, inspect `calls`, and override single routes with `on`.
 */
export function fakeBackend() {
  const sessions: Session[] = [];
  const messages = new Map<string, MessageView[]>();
  const documents: DocumentView[] = [];
  const servers: McpServerView[] = [];
  const calls: RecordedCall[] = [];
  const overrides = new Map<string, (call: RecordedCall) => Reply | Promise<Reply>>();
  /** Changes applied by successive GET /documents/:id, per document id or file name. */
  const documentScripts = new Map<string, Partial<DocumentView>[]>();
  let usage: UsageResponse = {
    from: '2026-04-02',
    to: '2026-05-01',
    rows: [],
    totals: { inputTokens: 0, outputTokens: 0, costUsd: 0 },
  };
  const models: ModelsResponse = {
    provider: 'bedrock',
    defaultModel: 'anthropic.claude',
    models: [
      {
        id: 'anthropic.claude',
        displayName: 'Claude Sonnet',
        contextWindow: 200_000,
        supportsTools: true,
        supportsImages: true,
        inputPricePer1k: 0.003,
        outputPricePer1k: 0.015,
      },
      {
        id: 'amazon.nova-lite',
        displayName: 'Nova Lite',
        contextWindow: 300_000,
        supportsTools: true,
        supportsImages: true,
        inputPricePer1k: 0.00006,
        outputPricePer1k: 0.00024,
      },
    ],
  };

  const route = (call: RecordedCall): Reply => {
    const { method, path } = call;
    const parts = path.split('/').filter(Boolean);
    const body = (call.body ?? {}) as Record<string, unknown>;
    const notFound = (code: string): Reply => ({
      status: 404,
      json: { error: { code, message: 'Not found.' } },
    });
    if (path === '/sessions' && method === 'GET') {
      const sorted = [...sessions].sort((a, b) => b.updatedAt.localeCompare(a.updatedAt));
      return { status: 200, json: { items: sorted } };
    }
    if (path === '/sessions' && method === 'POST') {
      const session = sessionView({
        model: typeof body['model'] === 'string' ? body['model'] : 'anthropic.claude',
      });
      sessions.push(session);
      return { status: 201, json: session };
    }
    if (parts[0] === 'sessions' && parts.length === 2) {
      const index = sessions.findIndex((session) => session.id === parts[1]);
      const session = sessions[index];
      if (!session) return notFound('SESSION_NOT_FOUND');
      if (method === 'GET') return { status: 200, json: session };
      if (method === 'DELETE') {
        sessions.splice(index, 1);
        return { status: 204 };
      }
      if (method === 'PATCH') {
        if (body['expectedVersion'] !== session.version) {
          return { status: 409, json: { error: { code: 'VERSION_CONFLICT', message: 'Stale.' } } };
        }
        const updated = {
          ...session,
          ...(typeof body['title'] === 'string' ? { title: body['title'] } : {}),
          ...(typeof body['model'] === 'string' ? { model: body['model'] } : {}),
          version: session.version + 1,
        };
        sessions[index] = updated;
        return { status: 200, json: updated };
      }
    }
    if (parts[0] === 'sessions' && parts[2] === 'messages' && method === 'GET') {
      if (!sessions.some((session) => session.id === parts[1]))
        return notFound('SESSION_NOT_FOUND');
      return { status: 200, json: { items: messages.get(parts[1] ?? '') ?? [] } };
    }
    if (path === '/models') return { status: 200, json: models };
    if (path === '/documents' && method === 'GET')
      return { status: 200, json: { items: documents } };
    if (path === '/documents' && method === 'POST') {
      const document = documentView({
        title: String(body['fileName']),
        fileName: String(body['fileName']),
        contentType: String(body['contentType']),
        sizeBytes: Number(body['sizeBytes']),
        status: 'pending',
        progress: 0,
      });
      documents.unshift(document);
      return {
        status: 201,
        json: {
          document,
          upload: {
            url: `https://s3.lgm.test/documents/${document.id}?X-Amz-Signature=abc`,
            method: 'PUT',
            headers: { 'content-type': document.contentType },
            expiresAt: NOW,
          },
        },
      };
    }
    if (parts[0] === 'documents' && parts.length >= 2) {
      const index = documents.findIndex((document) => document.id === parts[1]);
      const document = documents[index];
      if (!document) return notFound('DOCUMENT_NOT_FOUND');
      if (parts[2] === 'reindex' && method === 'POST') {
        const reindexed = { ...document, status: 'pending' as const, progress: 0 };
        documents[index] = reindexed;
        return { status: 202, json: { document: reindexed } };
      }
      if (method === 'GET') {
        const script = documentScripts.get(document.id) ?? documentScripts.get(document.fileName);
        const next = script?.shift();
        if (next) documents[index] = { ...document, ...next };
        return { status: 200, json: documents[index] };
      }
      if (method === 'DELETE') {
        documents.splice(index, 1);
        return { status: 204 };
      }
    }
    if (path === '/tools' && method === 'GET') return { status: 200, json: { servers } };
    if (path === '/tools/servers' && method === 'POST') {
      const server: McpServerView = {
        id: nextUlid(),
        name: String(body['name']),
        url: String(body['url']),
        createdAt: NOW,
        tools: null,
        toolsFetchedAt: null,
      };
      servers.push(server);
      return { status: 201, json: server };
    }
    if (parts[0] === 'tools' && parts[1] === 'servers' && method === 'DELETE') {
      const index = servers.findIndex((server) => server.name === parts[2]);
      if (index < 0) return notFound('MCP_SERVER_NOT_FOUND');
      servers.splice(index, 1);
      return { status: 204 };
    }
    if (path === '/usage') return { status: 200, json: usage };
    if (parts[0] === 'artifacts' && parts[2] === 'download') {
      return {
        status: 200,
        json: { url: `https://s3.lgm.test/artifacts/${parts[1]}`, expiresAt: NOW },
      };
    }
    if (path === '/health') {
      return {
        status: 200,
        json: { status: 'ok', service: 'chat-api', version: '1.0.0', time: NOW, checks: {} },
      };
    }
    return notFound('ROUTE_NOT_FOUND');
  };

  const fetchFn: FetchLike & { calls: RecordedCall[] } = Object.assign(
    async (url: string, init: FetchLikeInit = {}): Promise<FetchLikeResponse> => {
      if (url === '/config.json') return respond({ status: 200, json: CONFIG });
      const parsed = new URL(url);
      const base = new URL(API);
      if (parsed.origin !== base.origin || !parsed.pathname.startsWith(base.pathname)) {
        throw new TypeError('Failed to fetch');
      }
      const call: RecordedCall = {
        method: init.method ?? 'GET',
        path: parsed.pathname.slice(base.pathname.length) || '/',
        query: parsed.searchParams,
        body: init.body ? (JSON.parse(init.body) as unknown) : undefined,
        headers: init.headers ?? {},
      };
      calls.push(call);
      const override = overrides.get(`${call.method} ${call.path}`);
      return respond(override ? await override(call) : route(call));
    },
    { calls },
  );

  return {
    fetchFn,
    calls,
    sessions,
    messages,
    documents,
    servers,
    documentScripts,
    models,
    setUsage: (value: UsageResponse) => {
      usage = value;
    },
    /** Answers `METHOD /path` with `reply` instead of the in-memory store. */
    on(key: string, reply: (call: RecordedCall) => Reply | Promise<Reply>) {
      overrides.set(key, reply);
    },
    callsTo(method: string, path: string): RecordedCall[] {
      return calls.filter((call) => call.method === method && call.path === path);
    },
  };
}

function respond({ status, json }: Reply): FetchLikeResponse {
  return {
    ok: status >= 200 && status < 300,
    status,
    json: async () => {
      if (json === undefined) throw new SyntaxError('Unexpected end of JSON input');
      return json;
    },
  };
}

export const TEST_USER: AuthUser = {
  sub: 'user-1',
  name: 'Ada Kim',
  email: 'ada@lgm.test',
  accessToken: 'access-token-1',
};

/** A sign-in client that never leaves the page. */
export function fakeAuthClient(initial: AuthUser | null = TEST_USER) {
  let user = initial;
  const listeners = new Set<(user: AuthUser | null) => void>();
  const client = {
    signIn: jest.fn(async (_returnTo: string) => undefined),
    signOut: jest.fn(async () => {
      user = null;
      for (const listener of listeners) listener(null);
    }),
    completeSignIn: jest.fn(async (_url: string) => {
      user = TEST_USER;
      return { returnTo: '/documents' };
    }),
    renew: jest.fn(async () => user),
    getUser: async () => user,
    subscribe(listener: (user: AuthUser | null) => void) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  } satisfies AuthClient;
  return client;
}
