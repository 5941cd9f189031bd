import {
  type ArtifactDownload,
  type ArtifactPage,
  type CancelTurnResponse,
  type CreateDocumentRequest,
  type CreateDocumentResponse,
  type CreateSessionRequest,
  type DocumentPage,
  type DocumentView,
  errorBodySchema,
  type McpServerView,
  type MessagePage,
  type ModelsResponse,
  type RegisterMcpServerRequest,
  type ReindexDocumentResponse,
  type SearchRequest,
  type SearchResponse,
  type Session,
  type SessionPage,
  type ToolsResponse,
  type TurnEventsResponse,
  type UpdateSessionRequest,
  type UsageQuery,
  type UsageResponse,
} from '@lgm/contracts';

import { type FetchLike, readJsonBody } from '../fetch-like';

/**
 * A failed API call. `code` is the server's machine-readable code (`SESSION_NOT_FOUND`), or one
 * of ours: `NETWORK_ERROR` (no answer), `UNAUTHORIZED` (after a failed renewal), `HTTP_ERROR`
 * (an answer without an error body).
 */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export function isApiError(error: unknown, code?: string): error is ApiError {
  return error instanceof ApiError && (code === undefined || error.code === code);
}

export interface ApiClientOptions {
  /** chat-api's base URL, with its stage path (`https://api.example.com/prod`). */
  readonly baseUrl: string;
  readonly fetchFn: FetchLike;
  /** The current access token, or null when signed out. */
  readonly getAccessToken: () => Promise<string | null>;
  /**
   * Called once when the API answers 401: renew the token (silently) and say whether to retry.
   * When it returns false the call fails with `UNAUTHORIZED` and the app signs the user out.
   */
  readonly onUnauthorized?: () => Promise<boolean>;
}

type Query = Readonly<Record<string, string | number | undefined>>;

interface RequestOptions {
  readonly query?: Query;
  readonly body?: unknown;
  readonly signal?: AbortSignal;
}

/**
 * chat-api over HTTP, one method per route (libs/contracts/src/rest). Every request carries the
 * access token as a Bearer header; error bodies become {@link ApiError}s with the server's code.
 */
export class ApiClient {
  constructor(private readonly options: ApiClientOptions) {}

  // Sessions
  listSessions(query: { limit?: number; cursor?: string } = {}, signal?: AbortSignal) {
    return this.request<SessionPage>('GET', '/sessions', { query, signal });
  }
  createSession(body: CreateSessionRequest = {}) {
    return this.request<Session>('POST', '/sessions', { body });
  }
  getSession(sessionId: string, signal?: AbortSignal) {
    return this.request<Session>('GET', `/sessions/${enc(sessionId)}`, { signal });
  }
  updateSession(sessionId: string, body: UpdateSessionRequest) {
    return this.request<Session>('PATCH', `/sessions/${enc(sessionId)}`, { body });
  }
  deleteSession(sessionId: string) {
    return this.request<void>('DELETE', `/sessions/${enc(sessionId)}`);
  }

  // Messages and turns
  listMessages(
    sessionId: string,
    query: { limit?: number; cursor?: string } = {},
    signal?: AbortSignal,
  ) {
    return this.request<MessagePage>('GET', `/sessions/${enc(sessionId)}/messages`, {
      query,
      signal,
    });
  }
  turnEvents(turnId: string, afterSeq: number, signal?: AbortSignal) {
    return this.request<TurnEventsResponse>('GET', `/turns/${enc(turnId)}/events`, {
      query: { afterSeq },
      signal,
    });
  }
  cancelTurn(turnId: string) {
    return this.request<CancelTurnResponse>('POST', `/turns/${enc(turnId)}/cancel`);
  }

  // Documents
  createDocument(body: CreateDocumentRequest) {
    return this.request<CreateDocumentResponse>('POST', '/documents', { body });
  }
  listDocuments(query: { limit?: number; cursor?: string } = {}, signal?: AbortSignal) {
    return this.request<DocumentPage>('GET', '/documents', { query, signal });
  }
  getDocument(documentId: string, signal?: AbortSignal) {
    return this.request<DocumentView>('GET', `/documents/${enc(documentId)}`, { signal });
  }
  deleteDocument(documentId: string) {
    return this.request<void>('DELETE', `/documents/${enc(documentId)}`);
  }
  reindexDocument(documentId: string) {
    return this.request<ReindexDocumentResponse>('POST', `/documents/${enc(documentId)}/reindex`);
  }
  search(body: SearchRequest, signal?: AbortSignal) {
    return this.request<SearchResponse>('POST', '/search', { body, signal });
  }

  // Artifacts
  listArtifacts(query: { limit?: number; cursor?: string } = {}, signal?: AbortSignal) {
    return this.request<ArtifactPage>('GET', '/artifacts', { query, signal });
  }
  artifactDownload(artifactId: string, signal?: AbortSignal) {
    return this.request<ArtifactDownload>('GET', `/artifacts/${enc(artifactId)}/download`, {
      signal,
    });
  }

  // Tools, usage, models
  listTools(signal?: AbortSignal) {
    return this.request<ToolsResponse>('GET', '/tools', { signal });
  }
  registerMcpServer(body: RegisterMcpServerRequest) {
    return this.request<McpServerView>('POST', '/tools/servers', { body });
  }
  unregisterMcpServer(name: string) {
    return this.request<void>('DELETE', `/tools/servers/${enc(name)}`);
  }
  usage(query: UsageQuery = {}, signal?: AbortSignal) {
    return this.request<UsageResponse>('GET', '/usage', { query, signal });
  }
  models(signal?: AbortSignal) {
    return this.request<ModelsResponse>('GET', '/models', { signal });
  }

  /** One call; on 401 asks `onUnauthorized` once and retries with the renewed token. */
  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    let response = await this.send(method, path, options);
    if (response.status === 401 && this.options.onUnauthorized) {
      if (await this.options.onUnauthorized()) response = await this.send(method, path, options);
    }
    if (response.status === 204) return undefined as T;
    const body = await readJsonBody(response);
    if (response.ok) return body as T;
    throw toApiError(response.status, body);
  }

  private async send(method: string, path: string, { query, body, signal }: RequestOptions) {
    const token = await this.options.getAccessToken();
    const headers: Record<string, string> = { accept: 'application/json' };
    if (token) headers['authorization'] = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    try {
      return await this.options.fetchFn(buildUrl(this.options.baseUrl, path, query), {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal,
        cache: 'no-store',
      });
    } catch (error) {
      signal?.throwIfAborted();
      throw new ApiError(0, 'NETWORK_ERROR', 'The server could not be reached.', {
        cause: String(error),
      });
    }
  }
}

function enc(segment: string): string {
  return encodeURIComponent(segment);
}

/** `base` + `path`, keeping the base's stage path (`/prod`), with the defined query values. */
export function buildUrl(base: string, path: string, query?: Query): string {
  const url = new URL(`${base.replace(/\/+$/, '')}${path}`);
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value !== undefined) url.searchParams.set(key, String(value));
  }
  return url.toString();
}

function toApiError(status: number, body: unknown): ApiError {
  const parsed = errorBodySchema.safeParse(body);
  if (parsed.success) {
    const { code, message, details } = parsed.data.error;
    return new ApiError(status, code, message, details);
  }
  return new ApiError(status, status === 401 ? 'UNAUTHORIZED' : 'HTTP_ERROR', `HTTP ${status}`);
}
