// Chat turns through the ws-gateway against the raw model stream (ARCHITECTURE §5: first token
// forwarded ≤ 30 ms p95 without retrieval and ≤ 60 ms with it, ≤ 50 µs forwarding per token, 500
// concurrent streams on one local process with none lost).
//
// Method. The benchmark starts the real local gateway as its own process — the bundle
// dist/apps/ws-gateway/server.mjs when it is newer than every source file it is built from (the
// production artefact), else apps/ws-gateway/src/server.ts through tsx; BENCH_GATEWAY picks one —
// with the environment the dev stack gives it, pointed at stores the benchmark starts: PGlite
// (libs/local-stack's postgres-main.ts) and dynalite, each in a process of its own; the Bedrock
// wire emulator (LLM_PROVIDER=bedrock, BEDROCK_ENDPOINT, fake AWS credentials) and the dev OIDC
// issuer (access tokens per user) run in this process. Clients are `ws` sockets opened with
// `?token=`. The "raw" figures are the AWS SDK's `ConverseStreamCommand` from this process to the
// same emulator with the same script (as model-stream.ts), so their difference is what the
// platform adds: socket, auth'd routing, the turn engine (session check, user message, turn
// record, history, tool listing, retrieval, prompt, usage), event numbering and storage, frames.
//
// 1. First token: sequential turns, each in a new titled session (no title generation), raw and
//    platform interleaved so drift hits both. Client send → `ack`, → `turn.started`, → first
//    `text.delta`, → `turn.completed`. Overhead = platform − the raw stream's median time to first
//    delta. Without retrieval (knowledgeBase false) and with it (the user owns a few ready
//    documents whose chunks were embedded with the local embedder; every measured turn is
//    checked to have sent passages to the model). Each turn's stored events must equal the live.
// 2. Per token: one long answer (BENCH_TOKENS deltas, no model delay); µs/token from the first to
//    the last delta at the client, through the socket and raw; median of BENCH_RUNS. The gateway's
//    CPU time (user+system, /proc) per forwarded token is printed beside it.
// 3. Concurrency: BENCH_STREAMS users, one socket each, each sends one message at once; the
//    emulator answers each with BENCH_STREAM_DELTAS deltas BENCH_TOKEN_DELAY_MS apart (a distinct
//    first word per answer, so cross-talk shows). Every client must get every event once, in seq
//    order from 0 without gaps, ending in `turn.completed`, with the whole answer; the stored
//    events (replayed from the store) and the stored answer must match what streamed. Prints
//    lost/duplicated/out-of-order counts, wall time, throughput, first-token latency under load,
//    and the gateway's memory (VmRSS/VmHWM from /proc/<pid>/status) and CPU.
//
// Every part also prints the gateway's DynamoDB requests per turn by operation, counted in the
// dynalite process (the benchmark tags its own requests, which are left out), and the gateway's
// warnings and errors.
//
// Engine settings: the turn engine's event flush (TURN_FLUSH_INTERVAL_MS, TURN_FLUSH_EVENTS) and
// the cancel-flag watcher (TURN_CANCEL_POLL_MS, one batched read for all running turns) are what
// load dynalite under many streams. The gateway runs with the deployed defaults unless those
// variables are set for the benchmark, which passes them on; the figures printed say which.
//
// Figures only, never asserted; timing is noisy on a shared machine. Exit code 1 only when the
// run could not complete or a correctness check failed (lost, duplicated, reordered, wrong or
// unstored events). Loopback only. Bounded by BENCH_TIME_LIMIT_S; every child is stopped on exit.
//
// Environment: BENCH_PARTS (first-token,per-token,streams)  BENCH_TURNS (50)  BENCH_WARM_UP (5)
//   BENCH_ANSWER_WORDS (20)  BENCH_DOCUMENTS (3)  BENCH_TOKENS (5000)  BENCH_RUNS (5)
//   BENCH_STREAMS (500)  BENCH_STREAM_DELTAS (100)  BENCH_TOKEN_DELAY_MS (10)
//   BENCH_STREAM_KNOWLEDGE_BASE (unset: the engine's default, retrieval on; true | false)
//   BENCH_CONNECT_BATCH (50 handshakes at a time)  BENCH_GATEWAY (auto | bundle | source)
//   BENCH_DATABASE_URL (a real PostgreSQL with pgvector instead of PGlite; migrated, never
//   truncated)  BENCH_TIME_LIMIT_S (900)  BENCH_GATEWAY_NODE_ARGS (extra node flags for the gateway,
//   e.g. `--cpu-prof --cpu-prof-dir=/tmp/gateway-prof` to see where its time goes)
import { readdirSync, statSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { ConverseStreamCommand } from '@aws-sdk/client-bedrock-runtime';
import {
  createBedrockRuntimeClient,
  findLocalEmbedderAssets,
  LOCAL_EMBEDDER_DIMENSIONS,
} from '@lgm/bedrock';
import {
  type ChatRuntime,
  chatServiceConfigSchema,
  createChatRuntime,
  DEFAULT_TURN_ENGINE_SETTINGS,
} from '@lgm/chat';
import { serverFrameSchema, type TurnEvent, type TurnOptions } from '@lgm/contracts';
import { createIdGenerator, loadConfig, systemClock } from '@lgm/core';
import { type DevOidcIssuer, startDevOidcIssuer } from '@lgm/local-stack';
import {
  createDatabase,
  createDynamoDbClients,
  ensureTables,
  migrateDatabase,
  physicalTableNames,
} from '@lgm/persistence';
import {
  type BedrockEmulator,
  bedrockScripts,
  silentLogger,
  startBedrockEmulator,
} from '@lgm/testing';

import {
  BENCH_CLIENT_HEADER,
  type Counts,
  describeRequests,
  fetchCounts,
  gatewayRequests,
} from './turn-stream/dynamo-counts';
import {
  type Child,
  cpuMsOf,
  freePort,
  killAllChildren,
  memoryOf,
  spawnNode,
  startListeningEntry,
} from './turn-stream/processes';
import { BenchSocket, TurnRecorder } from './turn-stream/socket-client';

/** The turn engine's load settings, passed to the gateway when set for the benchmark. */
const ENGINE_SETTING_KEYS = ['TURN_FLUSH_INTERVAL_MS', 'TURN_FLUSH_EVENTS', 'TURN_CANCEL_POLL_MS'];
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

// --- knobs ---------------------------------------------------------------------------------------

const int = (name: string, fallback: number, min = 0): number => {
  const raw = process.env[name];
  const value = raw === undefined || raw.trim() === '' ? fallback : Number(raw);
  if (!Number.isInteger(value) || value < min) {
    console.error(`turn-stream: ${name} must be a whole number ≥ ${min} (got '${raw}')`);
    process.exit(2);
  }
  return value;
};
const PARTS = new Set(
  (process.env['BENCH_PARTS'] ?? 'first-token,per-token,streams').split(',').map((p) => p.trim()),
);
const TURNS = int('BENCH_TURNS', 50, 1);
const WARM_UP = int('BENCH_WARM_UP', 5);
const ANSWER_WORDS = int('BENCH_ANSWER_WORDS', 20, 1);
const DOCUMENTS = int('BENCH_DOCUMENTS', 3, 1);
const TOKENS = int('BENCH_TOKENS', 5000, 2);
const RUNS = int('BENCH_RUNS', 5, 1);
const STREAMS = int('BENCH_STREAMS', 500, 1);
const STREAM_DELTAS = int('BENCH_STREAM_DELTAS', 100, 2);
const TOKEN_DELAY_MS = int('BENCH_TOKEN_DELAY_MS', 10);
const CONNECT_BATCH = int('BENCH_CONNECT_BATCH', 50, 1);
const TIME_LIMIT_MS = int('BENCH_TIME_LIMIT_S', 900, 10) * 1000;
const GATEWAY_MODE = process.env['BENCH_GATEWAY'] ?? 'auto';
const STREAM_KNOWLEDGE_BASE = ((value) =>
  value === undefined || value === '' ? undefined : value === 'true')(
  process.env['BENCH_STREAM_KNOWLEDGE_BASE'],
);
const DATABASE_URL = process.env['BENCH_DATABASE_URL'];
const GATEWAY_NODE_ARGS = (process.env['BENCH_GATEWAY_NODE_ARGS'] ?? '').split(' ').filter(Boolean);

const BUDGET_FIRST_TOKEN_MS = 30;
const BUDGET_FIRST_TOKEN_RETRIEVAL_MS = 60;
const BUDGET_PER_TOKEN_US = 50;
const BUDGET_STREAMS = 500;
const CLIENT_ID = 'lgm-bench';
const REGION = 'us-east-1';
const CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

if (!['auto', 'bundle', 'source'].includes(GATEWAY_MODE)) {
  console.error(
    `turn-stream: BENCH_GATEWAY must be auto, bundle or source (got '${GATEWAY_MODE}')`,
  );
  process.exit(2);
}

// --- time limit and teardown ---------------------------------------------------------------------

const started = performance.now();
const elapsed = (): number => performance.now() - started;
const remaining = (): number => TIME_LIMIT_MS - elapsed();
/** The run was stopped (time limit or a signal): every bounded wait fails with it. */
class Stopped extends Error {}
const stop = new AbortController();
const limitTimer = setTimeout(
  () => stop.abort(new Stopped(`BENCH_TIME_LIMIT_S (${TIME_LIMIT_MS / 1000} s) reached`)),
  TIME_LIMIT_MS,
);
let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.error(`turn-stream: ${signal}, stopping (again to kill everything at once)`);
    interrupted = true;
    stop.abort(new Stopped(signal));
    process.once(signal, () => {
      killAllChildren();
      process.exit(130);
    });
  });
}

/** Waits for `promise`, failing when the run stops or after `timeoutMs`, naming `what`. */
function bounded<T>(promise: Promise<T>, what: string, timeoutMs = remaining()): Promise<T> {
  return new Promise<T>((resolvePromise, reject) => {
    const onLimit = (): void => {
      cleanup();
      const reason: unknown = stop.signal.reason;
      reject(
        new Stopped(
          `${reason instanceof Error ? reason.message : 'stopped'} while waiting for ${what}`,
        ),
      );
    };
    const timer = setTimeout(
      () => {
        cleanup();
        reject(new Error(`timed out after ${Math.round(timeoutMs)} ms waiting for ${what}`));
      },
      Math.max(0, Math.min(timeoutMs, remaining())),
    );
    const cleanup = (): void => {
      clearTimeout(timer);
      stop.signal.removeEventListener('abort', onLimit);
    };
    if (stop.signal.aborted) {
      onLimit();
      return;
    }
    stop.signal.addEventListener('abort', onLimit, { once: true });
    promise.then(
      (value) => {
        cleanup();
        resolvePromise(value);
      },
      (error: unknown) => {
        cleanup();
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

const teardownSteps: { what: string; run: () => Promise<unknown> }[] = [];
const onTeardown = (what: string, run: () => Promise<unknown>): void => {
  teardownSteps.push({ what, run });
};
let tornDown = false;
async function teardown(): Promise<void> {
  if (tornDown) return;
  tornDown = true;
  // A hung step must not hold the benchmark: after 30 s, kill everything and leave.
  const hard = setTimeout(() => {
    console.error('turn-stream: teardown hung; killing children');
    killAllChildren();
    process.exit(1);
  }, 30_000);
  hard.unref();
  for (const step of teardownSteps.reverse()) {
    try {
      await step.run();
    } catch (error) {
      console.error(`turn-stream: teardown of ${step.what} failed: ${message(error)}`);
    }
  }
  clearTimeout(hard);
  clearTimeout(limitTimer);
}

// --- small helpers -------------------------------------------------------------------------------

const message = (error: unknown): string =>
  error instanceof Error ? error.message : String(error);
const percentile = (values: readonly number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
};
const median = (values: readonly number[]): number => percentile(values, 50);
const ms = (value: number): string =>
  Number.isFinite(value) ? value.toFixed(Math.abs(value) < 10 ? 2 : 1) : '—';
const pad = (text: string, width: number): string => text.padStart(width);
const verdict = (value: number, budget: number): string =>
  `ratio ${(value / budget).toFixed(2)} → ${value <= budget ? 'within' : 'OVER'}`;
const words = (count: number, prefix = 'word'): string =>
  Array.from({ length: count }, (_, index) => `${prefix}${index}`).join(' ');
const machine = (): string =>
  `${availableParallelism()} cores, load average ${loadavg()
    .map((value) => value.toFixed(1))
    .join(' ')}`;
const subOf = (token: string): string => {
  const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as {
    sub?: unknown;
  };
  if (typeof payload.sub !== 'string') throw new Error('the issuer token has no sub');
  return payload.sub;
};
/** Adds the gateway's requests between two snapshots to `into`. */
function addRequests(into: Record<string, number>, before: Counts, after: Counts): void {
  for (const [operation, value] of Object.entries(gatewayRequests(before, after))) {
    into[operation] = (into[operation] ?? 0) + value;
  }
}
let requestCounter = 0;
const nextRequestId = (): string => `b${(requestCounter += 1)}`;

/** Runs `work` over `items`, `concurrency` at a time. */
async function inBatches<T, R>(
  items: readonly T[],
  concurrency: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next;
      next += 1;
      results[index] = await work(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
}

// --- the gateway's build -------------------------------------------------------------------------

/** The newest modification time of the non-test TypeScript under `dir`. */
function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules' && entry.name !== 'test') {
        newest = Math.max(newest, newestSource(path));
      }
    } else if (entry.name.endsWith('.ts') && !/\.(int\.)?spec\.ts$/.test(entry.name)) {
      newest = Math.max(newest, statSync(path).mtimeMs);
    }
  }
  return newest;
}

function gatewayCommand(): { args: string[]; description: string } {
  const bundle = join(root, 'dist/apps/ws-gateway/server.mjs');
  const source = ['--import', 'tsx', join(root, 'apps/ws-gateway/src/server.ts')];
  let bundleTime = 0;
  try {
    bundleTime = statSync(bundle).mtimeMs;
  } catch {
    // No bundle.
  }
  if (GATEWAY_MODE === 'bundle') {
    if (bundleTime === 0) throw new Error(`BENCH_GATEWAY=bundle but ${bundle} does not exist`);
    return { args: [bundle], description: 'bundle dist/apps/ws-gateway/server.mjs' };
  }
  if (GATEWAY_MODE === 'source') {
    return { args: source, description: 'source apps/ws-gateway/src/server.ts through tsx' };
  }
  if (bundleTime === 0) {
    return {
      args: source,
      description: 'source apps/ws-gateway/src/server.ts through tsx (no bundle built)',
    };
  }
  const sources = [join(root, 'apps/ws-gateway/src')];
  for (const lib of readdirSync(join(root, 'libs'))) sources.push(join(root, 'libs', lib, 'src'));
  const newest = Math.max(
    ...sources.map((dir) => {
      try {
        return newestSource(dir);
      } catch {
        return 0;
      }
    }),
  );
  if (newest > bundleTime) {
    return {
      args: source,
      description:
        'source apps/ws-gateway/src/server.ts through tsx (the bundle is older than its sources; `npx nx run ws-gateway:build` to measure it)',
    };
  }
  return { args: [bundle], description: 'bundle dist/apps/ws-gateway/server.mjs (up to date)' };
}

// --- the stack -----------------------------------------------------------------------------------

/** The gateway's warnings and errors (pino lines at level ≥ 40), counted, the last few kept. */
const gatewayLog = (() => {
  let buffered = '';
  const last: string[] = [];
  const counts = { warn: 0, error: 0 };
  return {
    counts,
    last,
    feed: (chunk: Buffer): void => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        if (!line.startsWith('{')) continue;
        try {
          const { level } = JSON.parse(line) as { level?: unknown };
          if (typeof level !== 'number' || level < 40) continue;
          counts[level >= 50 ? 'error' : 'warn'] += 1;
          last.push(line.slice(0, 400));
          if (last.length > 5) last.shift();
        } catch {
          // Not a log line.
        }
      }
    },
  };
})();
let gatewayChild: Child | undefined;

function printGatewayLog(): void {
  const { warn, error } = gatewayLog.counts;
  console.log(`gateway log: ${warn} warnings, ${error} errors`);
  for (const line of gatewayLog.last) console.log(`  ${line}`);
}

interface Stack {
  readonly emulator: BedrockEmulator;
  readonly issuer: DevOidcIssuer;
  readonly runtime: ChatRuntime;
  readonly gateway: Child;
  readonly stores: readonly Child[];
  /** dynalite's endpoint (its request counts: dynamo-counts.ts). */
  readonly dynamoEndpoint: string;
  readonly wsUrl: string;
  readonly raw: ReturnType<typeof createBedrockRuntimeClient>;
  readonly modelId: string;
}

async function startStack(): Promise<Stack> {
  const emulator = await startBedrockEmulator();
  onTeardown('the Bedrock emulator', () => emulator.close());
  const issuer = await startDevOidcIssuer({
    clients: [{ clientId: CLIENT_ID, redirectUris: ['http://127.0.0.1/callback'] }],
  });
  onTeardown('the OIDC issuer', () => issuer.close());

  const stores: Child[] = [];
  let databaseUrl = DATABASE_URL;
  if (databaseUrl === undefined) {
    const postgres = await bounded(
      startListeningEntry(
        'postgres (PGlite)',
        ['--import', 'tsx', join(root, 'libs/local-stack/src/postgres-main.ts')],
        {},
        root,
        120_000,
      ),
      'PGlite to start',
    );
    onTeardown('PGlite', () => postgres.child.stop());
    stores.push(postgres.child);
    databaseUrl = postgres.url;
  }
  const migrator = createDatabase({ url: databaseUrl, maxConnections: 1 });
  try {
    await bounded(
      migrateDatabase(migrator.pool, {
        migrationsFolder: join(root, 'libs/persistence/drizzle'),
        embeddingDimensions: LOCAL_EMBEDDER_DIMENSIONS,
      }),
      'the database migrations',
    );
  } finally {
    await migrator.close();
  }

  const dynamo = await bounded(
    startListeningEntry(
      'dynalite',
      ['--import', 'tsx', join(root, 'tools/bench/src/turn-stream/dynamodb-main.ts')],
      {},
      root,
      60_000,
    ),
    'dynalite to start',
  );
  onTeardown('dynalite', () => dynamo.child.stop());
  stores.push(dynamo.child);
  const tables = physicalTableNames(`lgm-bench-${Date.now().toString(36)}`);
  const dynamoClients = createDynamoDbClients({
    region: REGION,
    endpoint: dynamo.url,
    credentials: CREDENTIALS,
  });
  try {
    await bounded(ensureTables(dynamoClients.client, tables), 'the DynamoDB tables');
  } finally {
    dynamoClients.client.destroy();
  }

  const port = await freePort();
  const env: Record<string, string> = {
    HOST: '127.0.0.1',
    PORT: String(port),
    // Warnings and errors only: the measurement is of forwarding, not of log lines.
    LOG_LEVEL: 'warn',
    SERVICE_VERSION: 'bench',
    LLM_PROVIDER: 'bedrock',
    BEDROCK_REGION: REGION,
    BEDROCK_ENDPOINT: emulator.endpoint,
    EMBEDDINGS_PROVIDER: 'local',
    LOCAL_EMBEDDER_ASSETS_DIR: findLocalEmbedderAssets(root),
    EMBEDDING_DIMENSIONS: String(LOCAL_EMBEDDER_DIMENSIONS),
    DATABASE_URL: databaseUrl,
    AWS_REGION: REGION,
    AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
    AWS_EC2_METADATA_DISABLED: 'true',
    DYNAMODB_ENDPOINT: dynamo.url,
    SESSIONS_TABLE: tables.sessions,
    CONNECTIONS_TABLE: tables.connections,
    MCP_TOOLS_TABLE: tables['mcp-tools'],
    DOCUMENTS_BUCKET: 'lgm-bench-documents',
    ARTIFACTS_BUCKET: 'lgm-bench-artifacts',
    ...Object.fromEntries(
      ENGINE_SETTING_KEYS.flatMap((key) => {
        const value = process.env[key];
        return value === undefined || value === '' ? [] : [[key, value]];
      }),
    ),
    AUTH_ISSUER: issuer.issuer,
    AUTH_AUDIENCE: CLIENT_ID,
    AUTH_JWKS_URL: issuer.jwksUrl,
    AUTH_TOKEN_USE: 'access',
  };

  // The benchmark's own view of the stores: sessions, documents, replays.
  const config = loadConfig(chatServiceConfigSchema, env);
  const runtime = createChatRuntime(
    config,
    { logger: silentLogger('bench'), clock: systemClock, nextId: createIdGenerator() },
    { credentials: CREDENTIALS },
  );
  onTeardown('the benchmark runtime', () => runtime.close());
  // Marks the benchmark's own requests, so dynalite's counts of the gateway's leave them out.
  runtime.dynamoDb.client.middlewareStack.add(
    (next) => async (args) => {
      const request = args.request as { headers?: Record<string, string> };
      if (request.headers !== undefined) request.headers[BENCH_CLIENT_HEADER] = '1';
      return next(args);
    },
    { step: 'build', name: 'lgmBenchTag' },
  );

  const command = gatewayCommand();
  console.log(`gateway: ${command.description}`);
  const gateway = spawnNode(
    'ws-gateway',
    [...GATEWAY_NODE_ARGS, ...command.args],
    env,
    root,
    gatewayLog.feed,
  );
  gatewayChild = gateway;
  onTeardown('the ws-gateway', () => gateway.stop());
  const httpUrl = `http://127.0.0.1:${port}`;
  await bounded(waitForHealth(httpUrl, gateway), 'the ws-gateway to answer GET /health', 120_000);

  const raw = createBedrockRuntimeClient({
    region: REGION,
    endpoint: emulator.endpoint,
    credentials: CREDENTIALS,
  });
  onTeardown('the raw SDK client', async () => raw.destroy());
  return {
    emulator,
    issuer,
    runtime,
    gateway,
    stores,
    dynamoEndpoint: dynamo.url,
    wsUrl: `ws://127.0.0.1:${port}/ws`,
    raw,
    modelId: runtime.defaultModelId,
  };
}

async function waitForHealth(url: string, gateway: Child): Promise<void> {
  let exited: number | string | null | undefined;
  void gateway.exited.then((code) => {
    exited = code;
  });
  let last = '';
  for (;;) {
    if (exited !== undefined) {
      throw new Error(
        `the ws-gateway exited (${String(exited)}) while starting:\n${gateway.tail()}`,
      );
    }
    try {
      const response = await fetch(`${url}/health`);
      if (response.status === 200) return;
      last = `HTTP ${response.status}: ${(await response.text()).slice(0, 300)}`;
    } catch (error) {
      last = message(error);
    }
    if (remaining() < 0) throw new Error(`ws-gateway not healthy: ${last}`);
    await new Promise((resolveWait) => setTimeout(resolveWait, 100));
  }
}

// --- one raw stream, one turn, one stored check --------------------------------------------------

interface RawRun {
  readonly firstMs: number;
  readonly lastMs: number;
  readonly totalMs: number;
  readonly deltas: number;
  readonly text: string;
}

/** The raw SDK stream of the emulator's next script, timed from the call. */
async function rawStream(stack: Stack): Promise<RawRun> {
  const t0 = performance.now();
  const response = await stack.raw.send(
    new ConverseStreamCommand({
      modelId: stack.modelId,
      messages: [{ role: 'user', content: [{ text: 'Go.' }] }],
    }),
  );
  let first = Number.NaN;
  let last = Number.NaN;
  let deltas = 0;
  let text = '';
  for await (const event of response.stream ?? []) {
    const piece = event.contentBlockDelta?.delta?.text;
    if (piece === undefined) continue;
    const at = performance.now();
    if (deltas === 0) first = at;
    last = at;
    deltas += 1;
    text += piece;
  }
  return {
    firstMs: first - t0,
    lastMs: last - t0,
    totalMs: performance.now() - t0,
    deltas,
    text,
  };
}

/** Sends one message on `socket` and follows its turn to the terminal event. */
async function runTurn(
  socket: BenchSocket,
  sessionId: string,
  content: string,
  options: TurnOptions | undefined,
  timeoutMs: number,
): Promise<TurnRecorder> {
  const recorder = new TurnRecorder(nextRequestId());
  socket.follow((at, frame) => recorder.handle(at, frame));
  socket.onClose = () => recorder.abandon(`socket closed (${socket.closed?.code})`);
  recorder.sentAt = socket.send({
    action: 'sendMessage',
    requestId: recorder.requestId,
    sessionId,
    clientMessageId: `c-${recorder.requestId}`,
    content,
    ...(options === undefined ? {} : { options }),
  });
  await bounded(recorder.done, `turn ${recorder.requestId} to end`, timeoutMs);
  socket.follow(undefined);
  if (recorder.terminal === undefined) {
    throw new Error(
      `turn ${recorder.requestId} ended without a terminal event: ${recorder.firstError}`,
    );
  }
  return recorder;
}

/** Waits until the store has the turn's terminal event; returns the stored events. */
async function untilStored(
  stack: Stack,
  ownerId: string,
  turnId: string,
  timeoutMs = 30_000,
): Promise<TurnEvent[] | undefined> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline && remaining() > 0) {
    const replay = await stack.runtime.engine.replay(ownerId, turnId, -1);
    const last = replay.events.at(-1);
    if (replay.ended && (last?.type === 'turn.completed' || last?.type === 'turn.failed')) {
      return replay.events;
    }
    await new Promise((resolveWait) => setTimeout(resolveWait, 50));
  }
  return undefined;
}

/** JSON with object keys sorted: equal values compare equal whatever order keys were set in. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) =>
    inner !== null && typeof inner === 'object' && !Array.isArray(inner)
      ? Object.fromEntries(
          Object.entries(inner as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)),
        )
      : inner,
  );
}

/** Does the store hold exactly what streamed, and the answer's text? */
async function storedMatches(
  stack: Stack,
  ownerId: string,
  sessionId: string,
  recorder: TurnRecorder,
): Promise<string | undefined> {
  if (recorder.turnId === undefined) return 'no turn id';
  const stored = await untilStored(stack, ownerId, recorder.turnId);
  if (stored === undefined) return 'the terminal event was never stored';
  const live = recorder.ordered();
  if (canonical(stored) !== canonical(live)) {
    return `stored events differ from the live ones (${stored.length} stored, ${live.length} live)`;
  }
  const messages = (await stack.runtime.sessions(ownerId).listMessages(sessionId)).items;
  const answer = messages.find(
    (item) => item.role === 'assistant' && item.turnId === recorder.turnId,
  );
  const text = answer?.content.map((block) => (block.type === 'text' ? block.text : '')).join('');
  if (text !== recorder.text) return 'the stored answer differs from the streamed text';
  return undefined;
}

async function newSession(stack: Stack, ownerId: string): Promise<string> {
  const session = await stack.runtime.sessions(ownerId).createSession({
    model: stack.modelId,
    // A title already: no title generation competes for the emulator's scripts.
    title: 'Bench session',
  });
  return session.id;
}

async function userSocket(
  stack: Stack,
  username: string,
  keepRaw = false,
): Promise<{ socket: BenchSocket; ownerId: string }> {
  const token = await stack.issuer.tokenFor(username);
  const socket = await bounded(
    BenchSocket.open(stack.wsUrl, token, { timeoutMs: 30_000, keepRaw }),
    `the socket of ${username}`,
    60_000,
  );
  onTeardown(`the socket of ${username}`, () => socket.close());
  return { socket, ownerId: subOf(token) };
}

// --- 1. first token ------------------------------------------------------------------------------

const CORPUS: readonly (readonly string[])[] = [
  [
    'Security groups act as virtual firewalls that filter inbound and outbound traffic for instances.',
    'A security group rule names a protocol, a port range and a source address range or group.',
    'Security groups are stateful: return traffic of an allowed connection is always allowed.',
    'Network access control lists filter traffic at the subnet boundary and are stateless.',
    'Instances in a private subnet reach the internet through a NAT gateway.',
    'Flow logs record accepted and rejected connections for later analysis.',
    'Opening port 22 to the whole internet is discouraged; use a bastion or session manager.',
    'Each network interface can carry up to five security groups.',
  ],
  [
    'Invoices are issued on the first business day of each month.',
    'Payment is due within thirty days of the invoice date.',
    'Late payments accrue interest of one percent per month.',
    'Credit notes are issued for refunds and appear on the next invoice.',
    'Billing contacts can be changed in the account settings.',
    'Purchase order numbers are printed on invoices when provided in advance.',
    'Taxes are calculated from the billing address of the account.',
    'Annual plans are invoiced in full at the start of the term.',
  ],
  [
    'Backups are taken every night and kept for thirty five days.',
    'Point in time recovery restores a database to any second within the retention window.',
    'Snapshots can be copied to another region for disaster recovery.',
    'Restoring a backup creates a new database; the original is left untouched.',
    'Backup encryption uses the same key as the database it protects.',
    'A restore test should be run every quarter and its duration recorded.',
    'Deleted databases keep their final snapshot for seven days.',
    'Backup windows are chosen to avoid the busiest hours of the day.',
  ],
];

async function addDocuments(stack: Stack, ownerId: string): Promise<number> {
  const nextId = createIdGenerator();
  let chunks = 0;
  for (let d = 0; d < DOCUMENTS; d += 1) {
    const texts = CORPUS[d % CORPUS.length] ?? [];
    const id = nextId();
    const title = `Guide ${d + 1}`;
    const documents = stack.runtime.documents(ownerId);
    await documents.create({
      id,
      title,
      fileName: `guide-${d + 1}.md`,
      contentType: 'text/markdown',
      sizeBytes: texts.join('\n').length,
      s3Key: `documents/${ownerId}/${id}/guide-${d + 1}.md`,
    });
    const embeddings = await stack.runtime.embedder.embed(texts, { purpose: 'document' });
    await stack.runtime.chunks(ownerId).replaceForDocument(
      id,
      texts.map((text, ordinal) => ({
        id: nextId(),
        ordinal,
        text,
        headingPath: [title],
        pageStart: ordinal + 1,
        pageEnd: ordinal + 1,
        tokenCount: text.split(/\s+/u).length,
        embedding: embeddings[ordinal] ?? null,
      })),
    );
    await documents.update(id, 1, { status: 'ready' });
    chunks += texts.length;
  }
  return chunks;
}

interface FirstTokenResult {
  readonly label: string;
  readonly budgetMs: number;
  readonly rawFirst: number[];
  readonly rawTotal: number[];
  readonly ack: number[];
  readonly started: number[];
  readonly first: number[];
  readonly total: number[];
  readonly problems: string[];
  readonly note: string;
  /** The gateway's DynamoDB requests over the measured turns, by operation. */
  readonly requests: Record<string, number>;
}

async function firstTokenPart(stack: Stack, retrieval: boolean): Promise<FirstTokenResult> {
  const username = retrieval ? 'bench-reader' : 'bench-first-token';
  const { socket, ownerId } = await userSocket(stack, username);
  let note = `${TURNS} turns after ${WARM_UP} warm-up, a ${ANSWER_WORDS}-word answer (no model delay)`;
  if (retrieval) {
    const chunks = await addDocuments(stack, ownerId);
    note += `; the user owns ${DOCUMENTS} ready documents, ${chunks} chunks`;
  }
  const answer = words(ANSWER_WORDS);
  const question = retrieval
    ? 'How do security groups filter traffic to instances, and when are invoices due?'
    : 'Say twenty words, please.';
  const options: TurnOptions | undefined = retrieval ? undefined : { knowledgeBase: false };
  const result: FirstTokenResult = {
    label: retrieval ? 'with retrieval' : 'without retrieval (knowledgeBase false)',
    budgetMs: retrieval ? BUDGET_FIRST_TOKEN_RETRIEVAL_MS : BUDGET_FIRST_TOKEN_MS,
    rawFirst: [],
    rawTotal: [],
    ack: [],
    started: [],
    first: [],
    total: [],
    problems: [],
    note,
    requests: {},
  };
  let withPassages = 0;
  for (let i = 0; i < WARM_UP + TURNS; i += 1) {
    const measured = i >= WARM_UP;
    const sessionId = await newSession(stack, ownerId);
    stack.emulator.reset();
    stack.emulator.enqueue(bedrockScripts.text(answer));
    const raw = await bounded(rawStream(stack), 'a raw stream', 30_000);
    stack.emulator.enqueue(bedrockScripts.text(answer));
    const countsBefore = await fetchCounts(stack.dynamoEndpoint);
    const turn = await runTurn(socket, sessionId, question, options, 60_000);

    const failure =
      turn.terminal?.type !== 'turn.completed'
        ? `turn ended with ${turn.terminal?.type}: ${turn.firstError}`
        : turn.text !== answer || raw.text !== answer
          ? 'the streamed text differs from the script'
          : Object.values(turn.problems).some((count) => count > 0)
            ? `contract problems ${JSON.stringify(turn.problems)}`
            : // Stored before the next turn starts, so turns never overlap on the server.
              await storedMatches(stack, ownerId, sessionId, turn);
    if (failure !== undefined) result.problems.push(`turn ${i}: ${failure}`);
    // After storedMatches: the turn is finished on the server, its last writes done.
    if (measured)
      addRequests(result.requests, countsBefore, await fetchCounts(stack.dynamoEndpoint));
    if (retrieval) {
      const system = JSON.stringify(stack.emulator.requests.at(-1)?.body['system'] ?? '');
      if (system.includes('<passage')) withPassages += measured ? 1 : 0;
      else if (measured) result.problems.push(`turn ${i}: no passages reached the model`);
    }
    if (!measured) continue;
    result.rawFirst.push(raw.firstMs);
    result.rawTotal.push(raw.totalMs);
    const since = (at: number | undefined): number => (at ?? Number.NaN) - turn.sentAt;
    result.ack.push(since(turn.ackAt));
    result.started.push(since(turn.startedAt));
    result.first.push(since(turn.firstDeltaAt));
    result.total.push(since(turn.endedAt));
  }
  await socket.close();
  if (!retrieval) return result;
  return { ...result, note: `${note}; passages sent to the model in ${withPassages}/${TURNS}` };
}

function printFirstToken(result: FirstTokenResult): void {
  console.log(`\n1. first token forwarded — ${result.label}`);
  console.log(`   ${result.note}`);
  console.log('   measure                                            p50 ms    p95 ms');
  const row = (label: string, values: readonly number[]): void =>
    console.log(
      `   ${label.padEnd(48)} ${pad(ms(median(values)), 8)}  ${pad(ms(percentile(values, 95)), 8)}`,
    );
  row('raw SDK ConverseStream: call → first delta', result.rawFirst);
  row('raw SDK ConverseStream: call → end of stream', result.rawTotal);
  row('platform: send → ack', result.ack);
  row('platform: send → turn.started', result.started);
  row('platform: send → first text.delta', result.first);
  row('platform: send → turn.completed', result.total);
  const rawMedian = median(result.rawFirst);
  const overhead = result.first.map((value) => value - rawMedian);
  row('overhead: first text.delta − raw first delta (median)', overhead);
  console.log(`   gateway DynamoDB requests per turn: ${describeRequests(result.requests, TURNS)}`);
  console.log(
    `   first token overhead p95 ${ms(percentile(overhead, 95))} ms (budget ≤ ${result.budgetMs} ms p95: ${verdict(percentile(overhead, 95), result.budgetMs)})`,
  );
  for (const problem of result.problems.slice(0, 10)) console.log(`   PROBLEM ${problem}`);
  if (result.problems.length > 10) console.log(`   … ${result.problems.length - 10} more problems`);
}

// --- 2. per token --------------------------------------------------------------------------------

interface PerTokenResult {
  readonly rawUs: number[];
  readonly rawTotalMs: number[];
  readonly platformUs: number[];
  readonly platformTotalMs: number[];
  readonly gatewayCpuUs: number[];
  readonly problems: string[];
  readonly requests: Record<string, number>;
}

async function perTokenPart(stack: Stack): Promise<PerTokenResult> {
  const { socket, ownerId } = await userSocket(stack, 'bench-per-token');
  const answer = 'tok '.repeat(TOKENS);
  const result: PerTokenResult = {
    rawUs: [],
    rawTotalMs: [],
    platformUs: [],
    platformTotalMs: [],
    gatewayCpuUs: [],
    problems: [],
    requests: {},
  };
  for (let i = 0; i < RUNS + 1; i += 1) {
    const measured = i > 0; // the first run warms up
    stack.emulator.reset();
    stack.emulator.enqueue(bedrockScripts.text(answer));
    const raw = await bounded(rawStream(stack), 'a raw stream', 120_000);
    if (raw.deltas !== TOKENS) result.problems.push(`raw run ${i}: ${raw.deltas} deltas`);

    const sessionId = await newSession(stack, ownerId);
    stack.emulator.enqueue(bedrockScripts.text(answer));
    const countsBefore = await fetchCounts(stack.dynamoEndpoint);
    const cpuBefore = cpuMsOf(stack.gateway.pid) ?? Number.NaN;
    const turn = await runTurn(
      socket,
      sessionId,
      'A long answer, please.',
      { knowledgeBase: false },
      300_000,
    );
    const stored = await storedMatches(stack, ownerId, sessionId, turn);
    const cpuAfter = cpuMsOf(stack.gateway.pid) ?? Number.NaN;
    if (measured)
      addRequests(result.requests, countsBefore, await fetchCounts(stack.dynamoEndpoint));
    if (turn.deltas !== TOKENS || turn.text !== answer) {
      result.problems.push(
        `run ${i}: ${turn.deltas} of ${TOKENS} deltas, text equal: ${turn.text === answer}`,
      );
    }
    if (Object.values(turn.problems).some((count) => count > 0)) {
      result.problems.push(`run ${i}: contract problems ${JSON.stringify(turn.problems)}`);
    }
    if (stored !== undefined) result.problems.push(`run ${i}: ${stored}`);
    if (!measured) continue;
    result.rawUs.push(((raw.lastMs - raw.firstMs) * 1000) / (raw.deltas - 1));
    result.rawTotalMs.push(raw.totalMs);
    result.platformUs.push(
      (((turn.lastDeltaAt ?? Number.NaN) - (turn.firstDeltaAt ?? Number.NaN)) * 1000) /
        (turn.deltas - 1),
    );
    result.platformTotalMs.push((turn.endedAt ?? Number.NaN) - turn.sentAt);
    result.gatewayCpuUs.push(((cpuAfter - cpuBefore) * 1000) / TOKENS);
  }
  await socket.close();
  return result;
}

function printPerToken(result: PerTokenResult): void {
  console.log(
    `\n2. per-token forwarding — a ${TOKENS}-delta answer, no model delay, median of ${RUNS} runs (first → last delta at the client)`,
  );
  const row = (label: string, us: number, totalMs: number): void =>
    console.log(
      `   ${label.padEnd(34)} ${pad((1e6 / us).toFixed(0), 8)} tok/s  ${pad(us.toFixed(2), 7)} µs/token   whole answer ${pad(ms(totalMs), 7)} ms`,
    );
  const rawUs = median(result.rawUs);
  const platformUs = median(result.platformUs);
  row('raw SDK ConverseStream', rawUs, median(result.rawTotalMs));
  row('through the ws-gateway socket', platformUs, median(result.platformTotalMs));
  const overhead = platformUs - rawUs;
  console.log(
    `   overhead per token ${overhead.toFixed(2)} µs (budget ≤ ${BUDGET_PER_TOKEN_US} µs: ${verdict(overhead, BUDGET_PER_TOKEN_US)}); ratio to raw ${(platformUs / rawUs).toFixed(2)}`,
  );
  console.log(
    `   gateway CPU per forwarded token (user+system, incl. storing events): ${median(result.gatewayCpuUs).toFixed(1)} µs (/proc, 10 ms ticks)`,
  );
  console.log(`   gateway DynamoDB requests per turn: ${describeRequests(result.requests, RUNS)}`);
  for (const problem of result.problems) console.log(`   PROBLEM ${problem}`);
}

// --- 3. concurrent streams -----------------------------------------------------------------------

interface StreamsResult {
  readonly lines: string[];
  readonly failed: boolean;
}

async function streamsPart(stack: Stack): Promise<StreamsResult> {
  const lines: string[] = [];
  const say = (line: string): void => {
    lines.push(line);
  };
  // Baseline of the scripted stream alone: the emulator waits before every delta, the first too.
  const rawFirst: number[] = [];
  for (let i = 0; i < 5; i += 1) {
    stack.emulator.reset();
    stack.emulator.enqueue(
      bedrockScripts.text(words(STREAM_DELTAS), { tokenDelayMs: TOKEN_DELAY_MS }),
    );
    rawFirst.push((await bounded(rawStream(stack), 'a raw stream', 60_000)).firstMs);
  }

  // Users, tokens and sessions (not timed).
  const prepStart = performance.now();
  const users = await inBatches(
    Array.from({ length: STREAMS }, (_, i) => `bench-stream-${String(i).padStart(4, '0')}`),
    25,
    async (username) => {
      const token = await stack.issuer.tokenFor(username);
      const ownerId = subOf(token);
      return { username, token, ownerId, sessionId: await newSession(stack, ownerId) };
    },
  );
  const prepMs = performance.now() - prepStart;

  const memBaseline = memoryOf(stack.gateway.pid);
  const connectStart = performance.now();
  const sockets: (BenchSocket | undefined)[] = new Array<BenchSocket | undefined>(STREAMS);
  const connectFailures: string[] = [];
  await bounded(
    inBatches(users, CONNECT_BATCH, async (user, index) => {
      try {
        sockets[index] = await BenchSocket.open(stack.wsUrl, user.token, {
          timeoutMs: 30_000,
          keepRaw: true,
        });
      } catch (error) {
        connectFailures.push(`${user.username}: ${message(error)}`);
      }
    }),
    `${STREAMS} sockets to open`,
  );
  onTeardown(`${STREAMS} sockets`, () => Promise.all(sockets.map((socket) => socket?.close())));
  const connectMs = performance.now() - connectStart;
  const memConnected = memoryOf(stack.gateway.pid);

  // One distinct answer per stream; the emulator serves scripts in the order requests arrive.
  stack.emulator.reset();
  const answers = new Set<string>();
  for (let i = 0; i < STREAMS; i += 1) {
    const answer = `s${i} ${words(STREAM_DELTAS - 1)}`;
    answers.add(answer);
    stack.emulator.enqueue(bedrockScripts.text(answer, { tokenDelayMs: TOKEN_DELAY_MS }));
  }

  let peakRss = memConnected?.rssMiB ?? Number.NaN;
  const sampler = setInterval(() => {
    const now = memoryOf(stack.gateway.pid);
    if (now !== undefined) peakRss = Math.max(peakRss, now.rssMiB);
  }, 50);
  const cpuOf = (child: Child): number => cpuMsOf(child.pid) ?? Number.NaN;
  const gatewayCpu0 = cpuOf(stack.gateway);
  const storeCpu0 = stack.stores.map(cpuOf);
  const benchCpu0 = process.cpuUsage();
  const countsBefore = await fetchCounts(stack.dynamoEndpoint);

  const recorders: (TurnRecorder | undefined)[] = new Array<TurnRecorder | undefined>(STREAMS);
  const t0 = performance.now();
  for (const [index, socket] of sockets.entries()) {
    const user = users[index];
    if (socket === undefined || user === undefined) continue;
    const recorder = new TurnRecorder(nextRequestId());
    recorders[index] = recorder;
    socket.follow((at, frame) => recorder.handle(at, frame));
    socket.onClose = () => recorder.abandon(`socket closed (${socket.closed?.code})`);
    recorder.sentAt = socket.send({
      action: 'sendMessage',
      requestId: recorder.requestId,
      sessionId: user.sessionId,
      clientMessageId: `c-${recorder.requestId}`,
      content: 'Answer me, please.',
      ...(STREAM_KNOWLEDGE_BASE === undefined
        ? {}
        : { options: { knowledgeBase: STREAM_KNOWLEDGE_BASE } }),
    });
  }
  const sendMs = performance.now() - t0;
  // Generous: a loaded machine slows everything; streams still open after it count as lost.
  const waitMs = 120_000 + STREAMS * STREAM_DELTAS * 2 + STREAM_DELTAS * TOKEN_DELAY_MS;
  let timedOut = false;
  try {
    await bounded(
      Promise.all(recorders.map((recorder) => recorder?.done)),
      `${STREAMS} streams to end`,
      waitMs,
    );
  } catch (error) {
    if (error instanceof Stopped) throw error;
    timedOut = true;
  } finally {
    clearInterval(sampler);
  }
  const gatewayCpu = cpuOf(stack.gateway) - gatewayCpu0;
  const storeCpu = stack.stores.map((child, i) => cpuOf(child) - (storeCpu0[i] ?? Number.NaN));
  const benchCpu = process.cpuUsage(benchCpu0);
  const memEnd = memoryOf(stack.gateway.pid);

  // Correctness per stream.
  const live = recorders.filter((recorder): recorder is TurnRecorder => recorder !== undefined);
  const ended = live.filter((recorder) => recorder.endedAt !== undefined);
  const wallMs =
    ended.length === 0
      ? Number.NaN
      : Math.max(...ended.map((recorder) => recorder.endedAt ?? 0)) - t0;
  const totals = { lost: 0, duplicated: 0, outOfOrder: 0, foreign: 0, beforeAck: 0, errors: 0 };
  let incomplete = 0;
  let failedTurns = 0;
  let wrongText = 0;
  let missingDeltas = 0;
  let deltas = 0;
  let events = 0;
  const seenAnswers = new Set<string>();
  let repeatedAnswers = 0;
  const examples: string[] = [];
  for (const recorder of live) {
    for (const key of Object.keys(totals) as (keyof typeof totals)[]) {
      totals[key] += recorder.problems[key];
    }
    deltas += recorder.deltas;
    events += recorder.events.length;
    if (recorder.terminal === undefined) {
      incomplete += 1;
      // Without a terminal event the missing tail counts as lost too.
      totals.lost += Math.max(0, STREAM_DELTAS - recorder.deltas);
      if (examples.length < 5)
        examples.push(
          `${recorder.requestId}: no terminal event (${recorder.firstError ?? `${recorder.events.length} events`})`,
        );
      continue;
    }
    if (recorder.terminal.type !== 'turn.completed') {
      failedTurns += 1;
      if (examples.length < 5) examples.push(`${recorder.requestId}: ${recorder.firstError}`);
    }
    if (recorder.deltas !== STREAM_DELTAS) missingDeltas += 1;
    if (!answers.has(recorder.text)) wrongText += 1;
    else if (seenAnswers.has(recorder.text)) repeatedAnswers += 1;
    seenAnswers.add(recorder.text);
  }
  const unsent = STREAMS - live.length;

  // Stored: every turn's replay equals what streamed, and its answer is stored.
  const verifyStart = performance.now();
  const storeProblems: string[] = [];
  await bounded(
    inBatches(live, 20, async (recorder) => {
      const index = recorders.indexOf(recorder);
      const user = users[index];
      if (user === undefined || recorder.terminal === undefined) return;
      const problem = await storedMatches(stack, user.ownerId, user.sessionId, recorder).catch(
        (error: unknown) => `replay failed: ${message(error)}`,
      );
      if (problem !== undefined) storeProblems.push(`${recorder.requestId}: ${problem}`);
    }),
    'the stored turns to be checked',
  );
  const verifyMs = performance.now() - verifyStart;
  // After the checks: every turn has finished its writes (the benchmark's reads are left out).
  const requests = gatewayRequests(countsBefore, await fetchCounts(stack.dynamoEndpoint));

  // Every frame against the contract (after the measurement: parsing costs time).
  let contractViolations = 0;
  let frames = 0;
  for (const socket of sockets) {
    for (const raw of socket?.rawFrames ?? []) {
      frames += 1;
      let parsed: unknown;
      try {
        parsed = JSON.parse(raw);
      } catch {
        contractViolations += 1;
        continue;
      }
      if (!serverFrameSchema.safeParse(parsed).success) contractViolations += 1;
    }
  }
  const unexpectedCloses = sockets.filter((socket) => socket?.closed !== undefined).length;
  await Promise.all(sockets.map((socket) => socket?.close()));

  const firstToken = ended
    .filter((recorder) => recorder.firstDeltaAt !== undefined)
    .map((recorder) => (recorder.firstDeltaAt ?? 0) - recorder.sentAt);
  const since = (pick: (recorder: TurnRecorder) => number | undefined): number[] =>
    ended.flatMap((recorder) => {
      const at = pick(recorder);
      return at === undefined ? [] : [at - recorder.sentAt];
    });
  const ackTimes = since((recorder) => recorder.ackAt);
  const startedTimes = since((recorder) => recorder.startedAt);
  const durations = ended.map((recorder) => (recorder.endedAt ?? 0) - recorder.sentAt);
  const rawFirstMedian = median(rawFirst);
  const lostStreams =
    connectFailures.length + unsent + incomplete + failedTurns + missingDeltas + wrongText;
  const failed =
    lostStreams > 0 ||
    totals.lost + totals.duplicated + totals.outOfOrder + totals.foreign > 0 ||
    repeatedAnswers > 0 ||
    storeProblems.length > 0 ||
    contractViolations > 0 ||
    timedOut;

  say(
    `\n3. ${STREAMS} concurrent streams — one socket per user, one message each, ${STREAM_DELTAS} deltas ${TOKEN_DELAY_MS} ms apart per answer`,
  );
  say(
    `   engine settings: events stored every ${process.env['TURN_FLUSH_INTERVAL_MS'] ?? DEFAULT_TURN_ENGINE_SETTINGS.flushIntervalMs} ms or ${process.env['TURN_FLUSH_EVENTS'] ?? DEFAULT_TURN_ENGINE_SETTINGS.flushMaxEvents} events, cancel flags of all running turns read every ${process.env['TURN_CANCEL_POLL_MS'] ?? DEFAULT_TURN_ENGINE_SETTINGS.cancelPollMs} ms`,
  );
  say(
    `   setup: ${STREAMS} users, tokens and sessions in ${(prepMs / 1000).toFixed(1)} s; ${STREAMS - connectFailures.length} sockets opened in ${(connectMs / 1000).toFixed(1)} s (${CONNECT_BATCH} handshakes at a time)`,
  );
  say(
    `   streams completed          ${ended.length - failedTurns}/${STREAMS}   (connect failures ${connectFailures.length}, no terminal event ${incomplete}, turn.failed ${failedTurns}, wrong delta count ${missingDeltas}, wrong text ${wrongText}, same answer twice ${repeatedAnswers})`,
  );
  say(
    `   events lost ${totals.lost}   duplicated ${totals.duplicated}   out of order ${totals.outOfOrder}   other turn's ${totals.foreign}   before ack ${totals.beforeAck}   error frames ${totals.errors}   contract violations ${contractViolations}/${frames} frames   sockets closed early ${unexpectedCloses}`,
  );
  say(
    `   stored events and answers matching the stream  ${live.length - storeProblems.length - incomplete}/${live.length} (checked in ${(verifyMs / 1000).toFixed(1)} s)`,
  );
  say(
    `   wall time (first send → last turn.completed)   ${(wallMs / 1000).toFixed(2)} s   (sends took ${ms(sendMs)} ms; one answer alone streams in ≈ ${((STREAM_DELTAS * TOKEN_DELAY_MS) / 1000).toFixed(2)} s)`,
  );
  say(
    `   throughput  ${(deltas / (wallMs / 1000)).toFixed(0)} deltas/s, ${(events / (wallMs / 1000)).toFixed(0)} events/s (${deltas} deltas, ${events} events)`,
  );
  say('   latency under load                    p50 ms    p95 ms    max ms');
  const row = (label: string, values: readonly number[]): void =>
    say(
      `   ${label.padEnd(36)} ${pad(ms(median(values)), 8)}  ${pad(ms(percentile(values, 95)), 8)}  ${pad(ms(Math.max(...values)), 8)}`,
    );
  row('send → ack', ackTimes);
  row('send → turn.started', startedTimes);
  row('send → first text.delta', firstToken);
  row('send → turn.completed', durations);
  say(
    `   raw stream alone: first delta after ${ms(rawFirstMedian)} ms (median of 5; includes the ${TOKEN_DELAY_MS} ms scripted delay); p95 first-token overhead under load ${ms(percentile(firstToken, 95) - rawFirstMedian)} ms (ratio to the ${BUDGET_FIRST_TOKEN_MS} ms budget ${((percentile(firstToken, 95) - rawFirstMedian) / BUDGET_FIRST_TOKEN_MS).toFixed(2)})`,
  );
  const perStream = (a: number | undefined, b: number | undefined): string =>
    a === undefined || b === undefined ? '—' : `${(((b - a) * 1024) / STREAMS).toFixed(0)} KiB`;
  say(
    `   gateway memory (VmRSS): ${ms(memBaseline?.rssMiB ?? NaN)} MiB before, ${ms(memConnected?.rssMiB ?? NaN)} MiB with ${STREAMS} idle sockets (${perStream(memBaseline?.rssMiB, memConnected?.rssMiB)}/socket), peak ${ms(peakRss)} MiB while streaming (${perStream(memConnected?.rssMiB, peakRss)}/stream), ${ms(memEnd?.rssMiB ?? NaN)} MiB after; VmHWM ${ms(memEnd?.peakMiB ?? NaN)} MiB`,
  );
  say(
    `   gateway DynamoDB requests per turn: ${describeRequests(requests, Math.max(1, live.length))}`,
  );
  const labels = stack.stores.map((child) => child.label);
  say(
    `   CPU during the streams: gateway ${(gatewayCpu / 1000).toFixed(2)} s (${((gatewayCpu * 1000) / Math.max(1, deltas)).toFixed(1)} µs/delta, ${((gatewayCpu / wallMs) * 100).toFixed(0)}% of a core), ${labels
      .map((label, i) => `${label} ${((storeCpu[i] ?? NaN) / 1000).toFixed(2)} s`)
      .join(
        ', ',
      )}, benchmark (clients + emulator + issuer) ${((benchCpu.user + benchCpu.system) / 1e6).toFixed(2)} s`,
  );
  say(
    `   budget: ${BUDGET_STREAMS} concurrent streams, none lost → ${STREAMS >= BUDGET_STREAMS && !failed ? 'held' : STREAMS < BUDGET_STREAMS && !failed ? `held at ${STREAMS} (below the budget's ${BUDGET_STREAMS})` : 'NOT held'}`,
  );
  if (timedOut) say(`   PROBLEM some streams had not ended after ${(waitMs / 1000).toFixed(0)} s`);
  for (const example of [
    ...connectFailures.slice(0, 3),
    ...examples,
    ...storeProblems.slice(0, 5),
  ]) {
    say(`   PROBLEM ${example}`);
  }
  return { lines, failed };
}

// --- main ----------------------------------------------------------------------------------------

async function main(): Promise<boolean> {
  console.log(
    `turn-stream: parts ${[...PARTS].join(', ')}; time limit ${TIME_LIMIT_MS / 1000} s; ${DATABASE_URL === undefined ? 'PGlite' : 'PostgreSQL at BENCH_DATABASE_URL'} + dynalite, each in its own process; Bedrock emulator and OIDC issuer in this one`,
  );
  const stack = await startStack();
  console.log(
    `stack ready in ${(elapsed() / 1000).toFixed(1)} s; gateway pid ${stack.gateway.pid}; machine: ${machine()} (other work on it skews the timings)`,
  );
  let failed = false;
  if (PARTS.has('first-token')) {
    for (const retrieval of [false, true]) {
      const result = await firstTokenPart(stack, retrieval);
      printFirstToken(result);
      failed ||= result.problems.length > 0;
    }
  }
  if (PARTS.has('per-token')) {
    const result = await perTokenPart(stack);
    printPerToken(result);
    failed ||= result.problems.length > 0;
  }
  if (PARTS.has('streams')) {
    const result = await streamsPart(stack);
    for (const line of result.lines) console.log(line);
    failed ||= result.failed;
  }
  console.log(`\ntotal ${(elapsed() / 1000).toFixed(1)} s; machine at the end: ${machine()}`);
  return !failed;
}

let ok = false;
try {
  ok = await main();
  if (!ok) console.error('turn-stream: correctness problems found (see PROBLEM lines)');
} catch (error) {
  console.error(`turn-stream: FAILED — ${message(error)}`);
  // The gateway's own words matter when it died.
  const exit = await Promise.race([gatewayChild?.exited, Promise.resolve('running' as const)]);
  if (gatewayChild !== undefined && exit !== 'running') {
    console.error(`ws-gateway exited (${String(exit)}); its last output:\n${gatewayChild.tail()}`);
  }
} finally {
  if (gatewayChild !== undefined) printGatewayLog();
  await teardown();
}
process.exit(interrupted ? 130 : ok ? 0 : 1);
