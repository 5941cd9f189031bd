import type { ToolSpec } from '@lgm/bedrock';
import type { TurnEvent, TurnOptions, TurnStatus } from '@lgm/contracts';

/**
 * The turn engine's contract with its callers (chat-api for non-streaming turns, ws-gateway and
 * its worker for streamed ones) and with its tools. Apps program against these types only.
 */

/** One user message to answer. */
export interface TurnRequest {
  /** The authenticated principal's subject: every read and write is scoped to it. */
  readonly ownerId: string;
  readonly sessionId: string;
  readonly content: string;
  /** Idempotency key: a repeated request with the same key runs nothing new. */
  readonly clientMessageId: string;
  readonly options?: TurnOptions;
}

/** A turn accepted by `start`: the user message is stored before this resolves. */
export interface StartedTurn {
  readonly turnId: string;
  readonly sessionId: string;
  readonly userMessageId: string;
  /** True when the clientMessageId was seen before: no new turn runs. */
  readonly duplicate: boolean;
  /** Settles when the turn has ended and its answer and events are stored. */
  readonly done: Promise<TurnOutcome>;
}

/** How a turn ended. */
export interface TurnOutcome {
  readonly turnId: string;
  readonly status: TurnStatus;
  /** The stored answer (absent when the model failed before any output). */
  readonly messageId?: string;
  readonly error?: { readonly code: string; readonly message: string };
}

/** Called with every event of a turn, in seq order, as soon as it exists (before it is stored). */
export type TurnEventListener = (event: TurnEvent) => void;

export interface StartTurnOptions {
  /**
   * Live events (a socket sender). Persisted events are what `resume` reads. The first call
   * comes after `start` has resolved, so the caller can acknowledge the turn before its events.
   */
  readonly onEvent?: TurnEventListener;
  /** Aborting cancels the turn like a user's cancel. */
  readonly signal?: AbortSignal;
  /** A turn id chosen by the caller (the socket handler acks before a worker runs the turn). */
  readonly turnId?: string;
  /**
   * Called when the turn changed its session outside the events (a generated title), for the
   * socket's `session` frame. Never called for a duplicate start.
   */
  readonly onSessionUpdated?: SessionUpdateListener;
}

/** A session's new metadata, as the `session` server frame carries it. */
export interface SessionUpdate {
  readonly id: string;
  readonly title: string;
  readonly updatedAt: string;
}

/** Receives session changes a turn made (see `StartTurnOptions.onSessionUpdated`). */
export type SessionUpdateListener = (session: SessionUpdate) => void;

/** The turn engine, as its callers see it. */
export interface TurnEngine {
  start(request: TurnRequest, options?: StartTurnOptions): Promise<StartedTurn>;
  /** Asks a running turn to stop; works across processes (the flag is stored). */
  cancel(ownerId: string, turnId: string): Promise<void>;
  /** Stored events of an owner's turn after `afterSeq`, for resume. */
  replay(
    ownerId: string,
    turnId: string,
    afterSeq: number,
  ): Promise<{ readonly sessionId: string; readonly events: TurnEvent[]; readonly ended: boolean }>;
}

/** A tool the model may call, as a tool executor offers it. */
export interface AvailableTool {
  /** Namespaced, Bedrock-valid name (`[a-zA-Z0-9_-]{1,64}`). */
  readonly spec: ToolSpec;
  /** Which registered server provides it (for display and auditing). */
  readonly server?: string;
}

/** The outcome of one tool call. Output is untrusted data, never instructions. */
export interface ToolCallResult {
  readonly status: 'success' | 'error';
  readonly output: string;
  readonly truncated: boolean;
}

/** Where tools come from (the user's MCP servers); the engine depends only on this. */
export interface ToolExecutor {
  /** Tools available to this owner now. A failing server is left out, not fatal. */
  listTools(ownerId: string, options?: { signal?: AbortSignal }): Promise<AvailableTool[]>;
  /** Runs one tool; a timeout or a server error is a result of status `error`, not a throw. */
  callTool(
    ownerId: string,
    name: string,
    input: unknown,
    options?: { signal?: AbortSignal },
  ): Promise<ToolCallResult>;
}
