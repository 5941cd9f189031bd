import { type ChatModel, costOf, findModel, type TokenUsage } from '@lgm/bedrock';
import { type Clock, type IdGenerator, type Logger, ValidationError } from '@lgm/core';
import type { SessionRepository, TurnRepository, UsageRecord } from '@lgm/persistence';
import type { PromptBudgetOptions, RetrievedPassage } from '@lgm/rag';

import type { SessionUpdate, ToolExecutor, TurnEngine } from '../ports';
import type { CancelFlagReader } from './cancel-watch';

// The turn engine's dependencies (per-owner stores, model, tools) and its tunables.

/** What the engine needs of the sessions table (`SessionRepository` of one owner). */
export type TurnSessionStore = Pick<
  SessionRepository,
  | 'getSession'
  | 'append'
  | 'appendMessage'
  | 'listMessages'
  | 'updateSession'
  | 'putTurnEvents'
  | 'listTurnEvents'
>;

/** What the engine needs of turn records (`TurnRepository` of one owner). */
export type TurnRecordStore = Pick<
  TurnRepository,
  'create' | 'get' | 'requestCancel' | 'isCancelRequested' | 'finish'
>;

/** Where usage goes (`UsageRepository` of one owner). */
export interface UsageRecorder {
  record(input: UsageRecord): Promise<boolean>;
}

/** One owner's knowledge base: whether it has anything to search, and the search. */
export interface KnowledgeBase {
  hasReadyDocuments(): Promise<boolean>;
  retrieve(query: string, options?: { signal?: AbortSignal }): Promise<readonly RetrievedPassage[]>;
}

/** Tunables of the engine; every one has a default ({@link DEFAULT_TURN_ENGINE_SETTINGS}). */
export interface TurnEngineSettings {
  /** Tool rounds a turn may run; after them the model must answer without tools. */
  readonly maxSteps: number;
  /** Per tool call. */
  readonly toolTimeoutMs: number;
  /** Characters of a tool's output kept in events, the stored answer and the model's context. */
  readonly maxToolOutputChars: number;
  /** Tool calls of one model response that run; more are answered with an error result. */
  readonly maxToolCallsPerStep: number;
  /** A turn running longer is stopped and fails with TURN_TIMEOUT (its partial answer kept). */
  readonly turnTimeLimitMs: number;
  /** Longest time an event waits before it is stored. */
  readonly flushIntervalMs: number;
  /** Events that trigger a store at once. */
  readonly flushMaxEvents: number;
  /**
   * How often the stored cancel flags of the turns running here are read (one batched read for
   * all of them): how soon a cancel sent to another process stops a turn.
   */
  readonly cancelPollMs: number;
  /** Earlier messages the model sees. */
  readonly historyMessages: number;
  /** The answer's token limit per model call (the model's default when undefined). */
  readonly maxOutputTokens: number | undefined;
  readonly promptBudget: PromptBudgetOptions;
  /** Characters of passage text a citation carries for the UI. */
  readonly citationTextChars: number;
  /**
   * How a session still titled with the default gets its title after its first answer: asked of
   * the model, taken from the question's first words (the extractive model), or not at all.
   */
  readonly titles: 'model' | 'question' | 'off';
  /**
   * The model that really answers a requested model id, as shown in `turn.started` and recorded
   * in usage (an OpenAI-compatible server or the extractive model answers every id itself).
   */
  readonly modelIdFor: (requestedModelId: string) => string;
  /** List price of a call in US dollars; null when unknown (not in the catalog). */
  readonly priceOf: (modelId: string, usage: TokenUsage) => number | null;
}

export const DEFAULT_TURN_ENGINE_SETTINGS: TurnEngineSettings = {
  maxSteps: 5,
  toolTimeoutMs: 30_000,
  maxToolOutputChars: 8_000,
  maxToolCallsPerStep: 8,
  turnTimeLimitMs: 5 * 60_000,
  flushIntervalMs: 200,
  flushMaxEvents: 25,
  cancelPollMs: 500,
  historyMessages: 20,
  maxOutputTokens: 4_096,
  promptBudget: {},
  citationTextChars: 2_000,
  titles: 'model',
  modelIdFor: (modelId) => modelId,
  priceOf: (modelId, usage) => (findModel(modelId) === undefined ? null : costOf(modelId, usage)),
};

/** What {@link createTurnEngine} needs. Stores are per owner: every call names its owner. */
export interface TurnEngineDeps {
  readonly sessions: (ownerId: string) => TurnSessionStore;
  readonly turns: (ownerId: string) => TurnRecordStore;
  /**
   * Reads many turns' cancel flags in one request (`TurnRepository.cancelRequestsAmong`).
   * Absent: each running turn's flag is read on its own (`isCancelRequested`), still on one timer.
   */
  readonly cancelFlags?: CancelFlagReader;
  readonly usage: (ownerId: string) => UsageRecorder;
  /** Absent: turns never retrieve. */
  readonly knowledgeBase?: (ownerId: string) => KnowledgeBase;
  readonly chatModel: ChatModel;
  /** Absent: no tools are offered. */
  readonly toolExecutor?: ToolExecutor;
  readonly clock: Clock;
  readonly nextId: IdGenerator;
  readonly logger: Logger;
  readonly settings?: Partial<TurnEngineSettings>;
  /** Every session change a turn made, whoever started it (the AWS worker fans it out). */
  readonly onSessionUpdated?: (ownerId: string, session: SessionUpdate) => void;
}

/** A `TurnEngine` that also stops its running turns (for a graceful shutdown). */
export interface TurnEngineInstance extends TurnEngine {
  /** Turns running in this process. */
  runningTurns(): number;
  /** Cancels every turn running here and waits until they are stored. */
  shutdown(): Promise<void>;
}

/** Refuses settings outside their sane ranges (a config mistake, caught at start-up). */
export function checkSettings(settings: TurnEngineSettings): TurnEngineSettings {
  const whole = (name: keyof TurnEngineSettings, min: number, max: number): void => {
    const value = settings[name];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      throw new ValidationError(
        `Turn engine setting ${name} must be a whole number from ${min} to ${max}.`,
        {
          code: 'INVALID_TURN_SETTINGS',
        },
      );
    }
  };
  whole('maxSteps', 0, 50);
  whole('toolTimeoutMs', 1, 15 * 60_000);
  whole('maxToolOutputChars', 100, 100_000);
  whole('maxToolCallsPerStep', 1, 64);
  whole('turnTimeLimitMs', 1, 60 * 60_000);
  whole('flushIntervalMs', 1, 10_000);
  whole('flushMaxEvents', 1, 1_000);
  whole('cancelPollMs', 1, 60_000);
  whole('historyMessages', 0, 1_000);
  whole('citationTextChars', 100, 20_000);
  return settings;
}
