import { randomUUID } from 'node:crypto';

import type { TurnEvent } from '@lgm/contracts';
import { createIdGenerator, createManualClock, type ManualClock } from '@lgm/core';
import { type LocalDynamoDb, startLocalDynamoDb } from '@lgm/local-stack';
import {
  createDynamoDbClients,
  type DynamoDbClients,
  ensureTables,
  physicalTableNames,
  SessionRepository,
  TurnRepository,
} from '@lgm/persistence';
import type { RetrievedPassage } from '@lgm/rag';
import {
  createInMemoryToolExecutor,
  createInMemoryUsageRecorder,
  createScriptedChatModel,
  type FakeTool,
  type InMemoryToolExecutor,
  type InMemoryUsageRecorder,
  type ScriptedChatModel,
  silentLogger,
} from '@lgm/testing';

import type { ToolExecutor } from '../../ports';
import type { WatchedTurn } from '../cancel-watch';
import {
  type KnowledgeBase,
  type TurnEngineDeps,
  type TurnEngineInstance,
  type TurnEngineSettings,
  type TurnRecordStore,
} from '../engine-deps';
import { createTurnEngine } from '../turn-engine';

/** A local DynamoDB with LGM's tables, shared by one test file. */
export interface EngineTables {
  readonly server: LocalDynamoDb;
  readonly clients: DynamoDbClients;
  readonly sessionsTable: string;
  stop(): Promise<void>;
}

export async function startEngineTables(): Promise<EngineTables> {
  const server = await startLocalDynamoDb();
  const clients = createDynamoDbClients({
    region: server.region,
    endpoint: server.endpoint,
    credentials: server.credentials,
  });
  const names = physicalTableNames(`engine-${randomUUID().slice(0, 8)}`);
  await ensureTables(clients.client, names);
  return {
    server,
    clients,
    sessionsTable: names.sessions,
    stop: async () => {
      clients.client.destroy();
      await server.stop();
    },
  };
}

/** A fake knowledge base: fixed passages (or a failure) for every query. */
export interface FakeKnowledgeBase {
  passages: RetrievedPassage[];
  ready: boolean;
  failure: Error | undefined;
  readonly queries: string[];
}

export interface EngineHarness {
  readonly engine: TurnEngineInstance;
  readonly model: ScriptedChatModel;
  readonly tools: InMemoryToolExecutor;
  readonly usage: InMemoryUsageRecorder;
  readonly knowledge: FakeKnowledgeBase;
  readonly clock: ManualClock;
  readonly sessionUpdates: { ownerId: string; title: string }[];
  sessions(ownerId: string): SessionRepository;
  turns(ownerId: string): TurnRepository;
  /** Another engine over the same stores (another process). */
  secondEngine(): TurnEngineInstance;
}

/** An engine over the local tables with a scripted model, fake tools, usage and passages. */
export function engineHarness(
  tables: EngineTables,
  options: {
    readonly settings?: Partial<TurnEngineSettings>;
    readonly tools?: readonly FakeTool[];
    readonly toolExecutor?: ToolExecutor;
    /**
     * Read running turns' cancel flags in batches (`TurnRepository.cancelRequestsAmong`, as the
     * runtime does) rather than one `isCancelRequested` per turn.
     */
    readonly batchedCancelFlags?: boolean;
    /** Stands between the engine and the turn records (to delay or falsify a write). */
    readonly wrapTurns?: (store: TurnRecordStore) => TurnRecordStore;
  } = {},
): EngineHarness {
  const clock = createManualClock('2026-11-26T10:00:00.000Z');
  const nextId = createIdGenerator(clock);
  const model = createScriptedChatModel();
  const tools = createInMemoryToolExecutor(options.tools ?? []);
  const usage = createInMemoryUsageRecorder();
  const knowledge: FakeKnowledgeBase = {
    passages: [],
    ready: true,
    failure: undefined,
    queries: [],
  };
  const sessionUpdates: { ownerId: string; title: string }[] = [];
  const sessions = (ownerId: string) =>
    new SessionRepository(
      {
        documents: tables.clients.documents,
        tableName: tables.sessionsTable,
        clock,
        nextId,
        turnEventTtlSeconds: 86_400,
      },
      ownerId,
    );
  const turnDeps = { documents: tables.clients.documents, tableName: tables.sessionsTable, clock };
  const turns = (ownerId: string) => new TurnRepository(turnDeps, ownerId);
  const wrapTurns = (store: TurnRepository): TurnRecordStore =>
    options.wrapTurns?.({
      create: (input) => store.create(input),
      get: (turnId) => store.get(turnId),
      requestCancel: (turnId) => store.requestCancel(turnId),
      isCancelRequested: (turnId) => store.isCancelRequested(turnId),
      finish: (turnId, input) => store.finish(turnId, input),
    }) ?? store;
  const knowledgeBase = (): KnowledgeBase => ({
    hasReadyDocuments: async () => knowledge.ready,
    retrieve: async (query) => {
      knowledge.queries.push(query);
      if (knowledge.failure !== undefined) throw knowledge.failure;
      return knowledge.passages;
    },
  });
  const deps: TurnEngineDeps = {
    sessions,
    turns: options.wrapTurns === undefined ? turns : (ownerId) => wrapTurns(turns(ownerId)),
    ...(options.batchedCancelFlags === true
      ? {
          cancelFlags: (watched: readonly WatchedTurn[]) =>
            TurnRepository.cancelRequestsAmong(turnDeps, watched),
        }
      : {}),
    usage: (ownerId) => usage.forOwner(ownerId),
    knowledgeBase,
    chatModel: model,
    toolExecutor: options.toolExecutor ?? tools,
    clock,
    nextId,
    logger: silentLogger('chat'),
    settings: { flushIntervalMs: 5, cancelPollMs: 10, ...options.settings },
    onSessionUpdated: (ownerId, session) => sessionUpdates.push({ ownerId, title: session.title }),
  };
  return {
    engine: createTurnEngine(deps),
    model,
    tools,
    usage,
    knowledge,
    clock,
    sessionUpdates,
    sessions,
    turns,
    secondEngine: () => createTurnEngine(deps),
  };
}

/** Collects live events and lets a test wait for one without timing anything. */
export class EventCollector {
  readonly events: TurnEvent[] = [];
  private waiters: { match: (event: TurnEvent) => boolean; resolve: () => void }[] = [];

  readonly listener = (event: TurnEvent): void => {
    this.events.push(event);
    this.waiters = this.waiters.filter((waiter) => {
      if (!waiter.match(event)) return true;
      waiter.resolve();
      return false;
    });
  };

  /** Resolves once an event matching `match` has arrived (at once if one already has). */
  waitFor(match: (event: TurnEvent) => boolean): Promise<void> {
    if (this.events.some(match)) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ match, resolve }));
  }

  types(): string[] {
    return this.events.map((event) => event.type);
  }

  text(): string {
    return this.events
      .map((event) => (event.type === 'text.delta' ? event.data.text : ''))
      .join('');
  }
}

let counter = 0;

/** A fresh owner id for each test. */
export function newOwner(label = 'user'): string {
  counter += 1;
  return `${label}-${counter}-${randomUUID().slice(0, 8)}`;
}

/** A retrieved passage as the retriever returns it. */
export function passage(
  chunkId: string,
  text: string,
  extra: Partial<RetrievedPassage> = {},
): RetrievedPassage {
  return {
    chunkId,
    documentId: `doc-${chunkId}`,
    documentTitle: `Guide ${chunkId}`,
    ordinal: 0,
    text,
    headingPath: ['Guide', 'Section'],
    pageStart: 3,
    pageEnd: 4,
    snippet: text,
    ranks: { fullText: 1 },
    fusedScore: 0.03,
    ...extra,
  };
}
