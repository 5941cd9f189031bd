#!/usr/bin/env node
// Lambda cold start as far as our code decides it: module load + bootstrap + first invocation of
// each Lambda bundle, in a fresh Node process per sample (what a new execution environment does).
// Budget (ARCHITECTURE §5): ≤ 150 ms locally; bundles ≤ 1 MB minified. Prints figures and ratios.
import { execFile, execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 15);
const BUDGET_MS = 150;

const restHealth = {
  resource: '/{proxy+}',
  path: '/health',
  httpMethod: 'GET',
  headers: { Host: 'api.example.com', Accept: 'application/json' },
  multiValueHeaders: { Host: ['api.example.com'], Accept: ['application/json'] },
  queryStringParameters: null,
  multiValueQueryStringParameters: null,
  pathParameters: { proxy: 'health' },
  stageVariables: null,
  requestContext: { stage: 'prod', requestId: 'bench', httpMethod: 'GET', path: '/prod/health' },
  body: null,
  isBase64Encoded: false,
};
const socketPing = {
  requestContext: { routeKey: 'ping', eventType: 'MESSAGE', connectionId: 'bench', stage: 'prod' },
  body: '{"action":"ping"}',
  isBase64Encoded: false,
};

// Stands in for API Gateway's management API: the socket Lambda posts its pong there.
const callbacks = createServer((request, response) => {
  request.resume();
  request.on('end', () => response.writeHead(200).end());
});
await new Promise((done) => callbacks.listen(0, '127.0.0.1', done));
const callbackUrl = `http://127.0.0.1:${callbacks.address().port}`;

// The configuration a deployed chat service reads. Nothing is contacted at cold start: the pool,
// the DynamoDB and S3 clients and the JWKS are lazy, so these names only have to be valid.
const chatServiceEnv = {
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'AKIDBENCH',
  AWS_SECRET_ACCESS_KEY: 'bench',
  DATABASE_URL: 'postgres://bench:bench@127.0.0.1:9/bench',
  SESSIONS_TABLE: 'lgm-bench-sessions',
  CONNECTIONS_TABLE: 'lgm-bench-connections',
  MCP_TOOLS_TABLE: 'lgm-bench-mcp-tools',
  DOCUMENTS_BUCKET: 'lgm-bench-documents',
  ARTIFACTS_BUCKET: 'lgm-bench-artifacts',
  AUTH_ISSUER: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_bench',
  AUTH_AUDIENCE: 'bench-client',
  LLM_PROVIDER: 'bedrock',
  EMBEDDINGS_PROVIDER: 'bedrock-titan',
  EMBEDDING_DIMENSIONS: '1024',
  BEDROCK_REGION: 'us-east-1',
};

const lambdas = [
  { app: 'chat-api', entry: 'lambda', event: restHealth, env: chatServiceEnv },
  {
    app: 'ws-gateway',
    entry: 'lambda',
    event: socketPing,
    env: {
      ...chatServiceEnv,
      TURN_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/lgm-bench-turns',
      WS_CALLBACK_URL: callbackUrl,
    },
  },
  { app: 'doc-ingestor', entry: 'lambda', event: { kind: 'health' }, env: {} },
];

for (const { app, entry } of lambdas) {
  execFileSync(process.execPath, [join(root, 'tools/scripts/bundle.mjs'), app, entry], {
    stdio: 'ignore',
  });
}

const probe = `
const t0 = performance.now();
const { handler } = await import(process.argv[1]);
const t1 = performance.now();
const result = await handler(JSON.parse(process.argv[2]), { awsRequestId: 'bench', getRemainingTimeInMillis: () => 30000 });
const t2 = performance.now();
if (!result || (result.statusCode !== undefined && result.statusCode !== 200)) process.exit(3);
process.stdout.write(JSON.stringify({ load: t1 - t0, firstInvoke: t2 - t1 }));
`;

const percentile = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
};

console.log(`Lambda cold start, ${SAMPLES} fresh processes each (budget ${BUDGET_MS} ms)`);
console.log('bundle                    size      load p50   total p50   total p95   p95/budget');
for (const { app, entry, event, env } of lambdas) {
  const bundle = join(root, 'dist/apps', app, `${entry}.mjs`);
  const totals = [];
  const loads = [];
  for (let i = 0; i < SAMPLES; i += 1) {
    // Asynchronous, so this process keeps answering the socket Lambda's callbacks meanwhile.
    const out = await new Promise((done, fail) =>
      execFile(
        process.execPath,
        ['--input-type=module', '-e', probe, bundle, JSON.stringify(event)],
        { env: { PATH: process.env.PATH, LOG_LEVEL: 'warn', ...env }, encoding: 'utf8' },
        (error, stdout, stderr) =>
          error
            ? fail(new Error(`${app}/${entry}: ${(stderr || error.message).slice(-2000)}`))
            : done(stdout),
      ),
    );
    const { load, firstInvoke } = JSON.parse(out);
    loads.push(load);
    totals.push(load + firstInvoke);
  }
  const kb = statSync(bundle).size / 1024;
  const p95 = percentile(totals, 95);
  console.log(
    `${`${app}/${entry}.mjs`.padEnd(24)} ${`${kb.toFixed(0)} KB`.padStart(7)} ${`${percentile(loads, 50).toFixed(1)} ms`.padStart(10)} ${`${percentile(totals, 50).toFixed(1)} ms`.padStart(11)} ${`${p95.toFixed(1)} ms`.padStart(11)} ${(p95 / BUDGET_MS).toFixed(2).padStart(12)}`,
  );
}
callbacks.close();
