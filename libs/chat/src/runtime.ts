import {
  type BedrockRuntimeClientLike,
  type ChatModel,
  checkEmbeddingDimensions,
  createBedrockRuntimeClient,
  createChatModel,
  createEmbedder,
  type Embedder,
  EXTRACTIVE_MODEL_ID,
} from '@lgm/bedrock';
import { type Clock, ConfigError, type IdGenerator, type Logger } from '@lgm/core';
import {
  ArtifactRepository,
  type BlobStore,
  ChunkRepository,
  ConnectionRepository,
  createDatabase,
  createDynamoDbClients,
  createS3Client,
  type Database,
  DocumentRepository,
  type DynamoDbClients,
  McpToolsRepository,
  S3BlobStore,
  SessionRepository,
  TurnRepository,
  UsageRepository,
} from '@lgm/persistence';
import { HybridRetriever } from '@lgm/rag';

import { type ChatServiceConfig, defaultModelIdOf } from './config';
import {
  type KnowledgeBase,
  type TurnEngineInstance,
  type TurnEngineSettings,
} from './engine/engine-deps';
import { createTurnEngine } from './engine/turn-engine';
import type { SessionUpdate, ToolExecutor } from './ports';
import { McpToolExecutor } from './tools';

/** What the runtime takes from the service's context (`ServiceContext` of @lgm/server-kit fits). */
export interface ChatRuntimeContext {
  readonly logger: Logger;
  readonly clock: Clock;
  readonly nextId: IdGenerator;
}

/** Static AWS credentials, for local endpoints (dynalite, the local S3, the Bedrock emulator). */
export interface StaticCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

/** Replacements for what the runtime would build from config (tests, the dev stack). */
export interface ChatRuntimeOverrides {
  readonly chatModel?: ChatModel;
  readonly embedder?: Embedder;
  /** Replaces the MCP tool executor. */
  readonly toolExecutor?: ToolExecutor;
  /** A Bedrock client for the model and embedder (e.g. one pointed at the emulator). */
  readonly bedrockClient?: BedrockRuntimeClientLike;
  /** Used by every AWS client built here; on AWS leave unset (the function's role). */
  readonly credentials?: StaticCredentials;
  /** Engine tunables beyond the ones config sets. */
  readonly engineSettings?: Partial<TurnEngineSettings>;
  /** See `TurnEngineDeps.onSessionUpdated`. */
  readonly onSessionUpdated?: (ownerId: string, session: SessionUpdate) => void;
}

/**
 * Everything a chat service works with, built once from config: the turn engine, owner-scoped
 * stores, the model, the embedder, the retriever and the tools.
 */
export interface ChatRuntime {
  readonly engine: TurnEngineInstance;
  /** Model of new sessions (see `defaultModelIdOf`). */
  readonly defaultModelId: string;
  sessions(ownerId: string): SessionRepository;
  turns(ownerId: string): TurnRepository;
  documents(ownerId: string): DocumentRepository;
  chunks(ownerId: string): ChunkRepository;
  artifacts(ownerId: string): ArtifactRepository;
  usage(ownerId: string): UsageRepository;
  mcpTools(ownerId: string): McpToolsRepository;
  /** Objects under `documents/<ownerId>/`. */
  documentBlobs(ownerId: string): BlobStore;
  /** Objects under `artifacts/<ownerId>/`. */
  artifactBlobs(ownerId: string): BlobStore;
  retriever(ownerId: string): HybridRetriever;
  /** Not owner-scoped: connection ids are the key (ws-gateway). */
  readonly connections: ConnectionRepository;
  readonly chatModel: ChatModel;
  readonly embedder: Embedder;
  readonly toolExecutor: ToolExecutor;
  readonly database: Database;
  readonly dynamoDb: DynamoDbClients;
  /** Stops running turns, then closes the pool and the clients. */
  close(): Promise<void>;
}

/**
 * Builds the chat services' runtime from their shared config. DATABASE_URL must be resolved
 * first (on AWS with `withDatabaseUrl` from @lgm/persistence). Nothing connects until used.
 *
 * @example
 * const config = await withDatabaseUrl(loadConfig(configSchema, process.env), readSecret);
 * const runtime = createChatRuntime(config, createServiceContext('chat-api', config));
 * const turn = await runtime.engine.start({ ownerId, sessionId, content, clientMessageId });
 */
export function createChatRuntime(
  config: ChatServiceConfig,
  context: ChatRuntimeContext,
  overrides: ChatRuntimeOverrides = {},
): ChatRuntime {
  if (config.DATABASE_URL === undefined) {
    throw new ConfigError([
      {
        key: 'DATABASE_URL',
        message: 'is not set: resolve DATABASE_SECRET_ARN with withDatabaseUrl before composing',
      },
    ]);
  }
  const { clock, nextId, logger } = context;
  const credentials = overrides.credentials;

  const bedrockClient =
    overrides.bedrockClient ??
    (credentials !== undefined && config.BEDROCK_REGION !== undefined
      ? createBedrockRuntimeClient({
          region: config.BEDROCK_REGION,
          ...(config.BEDROCK_ENDPOINT === undefined ? {} : { endpoint: config.BEDROCK_ENDPOINT }),
          credentials,
        })
      : undefined);
  const providerDeps = bedrockClient === undefined ? {} : { bedrockClient };
  const chatModel = overrides.chatModel ?? createChatModel(config, providerDeps);
  const embedder = overrides.embedder ?? createEmbedder(config, providerDeps);
  checkEmbeddingDimensions(embedder, config.EMBEDDING_DIMENSIONS);

  const database = createDatabase({
    url: config.DATABASE_URL,
    maxConnections: config.DATABASE_POOL_SIZE,
  });
  const dynamoDb = createDynamoDbClients({
    region: config.AWS_REGION,
    ...(config.DYNAMODB_ENDPOINT === undefined ? {} : { endpoint: config.DYNAMODB_ENDPOINT }),
    ...(credentials === undefined ? {} : { credentials: { ...credentials } }),
  });
  const s3 = createS3Client({
    region: config.AWS_REGION,
    ...(config.S3_ENDPOINT === undefined ? {} : { endpoint: config.S3_ENDPOINT }),
    ...(credentials === undefined ? {} : { credentials: { ...credentials } }),
  });
  const documentStore = new S3BlobStore({ s3, bucket: config.DOCUMENTS_BUCKET });
  const artifactStore = new S3BlobStore({ s3, bucket: config.ARTIFACTS_BUCKET });
  const turnTtlSeconds = config.TURN_EVENT_TTL_SECONDS;

  const sessionDeps = {
    documents: dynamoDb.documents,
    tableName: config.SESSIONS_TABLE,
    clock,
    nextId,
    turnEventTtlSeconds: turnTtlSeconds,
  };
  const turnDeps = {
    documents: dynamoDb.documents,
    tableName: config.SESSIONS_TABLE,
    clock,
    turnTtlSeconds,
  };
  const mcpDeps = {
    documents: dynamoDb.documents,
    tableName: config.MCP_TOOLS_TABLE,
    clock,
    nextId,
    allowLoopbackHttp: config.MCP_ALLOW_PRIVATE_NETWORKS,
  };
  const sessions = (ownerId: string) => new SessionRepository(sessionDeps, ownerId);
  const turns = (ownerId: string) => new TurnRepository(turnDeps, ownerId);
  const documents = (ownerId: string) => new DocumentRepository(database.db, ownerId);
  const chunks = (ownerId: string) => new ChunkRepository(database.db, ownerId);
  const usage = (ownerId: string) => new UsageRepository(database.db, ownerId, nextId);
  const mcpTools = (ownerId: string) => new McpToolsRepository(mcpDeps, ownerId);
  const retriever = (ownerId: string) => new HybridRetriever({ search: chunks(ownerId), embedder });
  const knowledgeBase = (ownerId: string): KnowledgeBase => ({
    hasReadyDocuments: async () =>
      (await documents(ownerId).list({ status: 'ready', limit: 1 })).items.length > 0,
    retrieve: (query, options) => retriever(ownerId).retrieve(query, options ?? {}),
  });

  const toolExecutor =
    overrides.toolExecutor ??
    new McpToolExecutor({
      registry: mcpTools,
      clock,
      logger,
      options: {
        allowPrivateNetworks: config.MCP_ALLOW_PRIVATE_NETWORKS,
        callTimeoutMs: config.MCP_TOOL_TIMEOUT_MS,
      },
    });

  const provider = config.LLM_PROVIDER;
  const engine = createTurnEngine({
    sessions,
    turns,
    // One BatchGetItem per 100 running turns, whoever owns them, rather than a read per turn.
    cancelFlags: (watched) => TurnRepository.cancelRequestsAmong(turnDeps, watched),
    usage,
    knowledgeBase,
    chatModel,
    toolExecutor,
    clock,
    nextId,
    logger,
    settings: {
      maxSteps: config.TURN_MAX_STEPS,
      // A little over the executor's own budget, so its more precise timeout result wins.
      toolTimeoutMs: config.MCP_TOOL_TIMEOUT_MS + 1_000,
      turnTimeLimitMs: config.TURN_TIME_LIMIT_SECONDS * 1000,
      historyMessages: config.TURN_HISTORY_MESSAGES,
      cancelPollMs: config.TURN_CANCEL_POLL_MS,
      flushIntervalMs: config.TURN_FLUSH_INTERVAL_MS,
      flushMaxEvents: config.TURN_FLUSH_EVENTS,
      maxOutputTokens: config.TURN_MAX_OUTPUT_TOKENS,
      promptBudget: {
        budgetTokens: config.PROMPT_BUDGET_TOKENS,
        answerReserveTokens: config.TURN_MAX_OUTPUT_TOKENS,
      },
      // The extractive model cannot write a title; an OpenAI-compatible server answers every id.
      titles: provider === 'extractive' ? 'question' : 'model',
      ...(provider === 'extractive' ? { modelIdFor: () => EXTRACTIVE_MODEL_ID } : {}),
      ...(provider === 'openai' && config.OPENAI_CHAT_MODEL !== undefined
        ? { modelIdFor: () => config.OPENAI_CHAT_MODEL ?? EXTRACTIVE_MODEL_ID }
        : {}),
      ...overrides.engineSettings,
    },
    ...(overrides.onSessionUpdated === undefined
      ? {}
      : { onSessionUpdated: overrides.onSessionUpdated }),
  });

  return {
    engine,
    defaultModelId: defaultModelIdOf(config),
    sessions,
    turns,
    documents,
    chunks,
    artifacts: (ownerId) => new ArtifactRepository(database.db, ownerId),
    usage,
    mcpTools,
    documentBlobs: (ownerId) => documentStore.forOwner(ownerId, 'documents'),
    artifactBlobs: (ownerId) => artifactStore.forOwner(ownerId, 'artifacts'),
    retriever,
    connections: new ConnectionRepository({
      documents: dynamoDb.documents,
      tableName: config.CONNECTIONS_TABLE,
      clock,
    }),
    chatModel,
    embedder,
    toolExecutor,
    database: database.db,
    dynamoDb,
    close: async () => {
      await engine.shutdown();
      dynamoDb.client.destroy();
      s3.destroy();
      await database.close();
    },
  };
}
