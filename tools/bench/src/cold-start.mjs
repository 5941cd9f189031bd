#!/usr/bin/env node
// Lambda cold start as far as our code decides it: module load + bootstrap + first invocation of
// each Lambda bundle, in a fresh Node process per sample (what a new execution environment does).
// Budget (ARCHITECTURE §5): ≤ 150 ms locally; bundles ≤ 1 MB minified. Prints figures and ratios.
import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
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

const lambdas = [
  { app: 'chat-api', entry: 'lambda', event: restHealth },
  { app: 'ws-gateway', entry: 'lambda', event: socketPing },
  { app: 'doc-ingestor', entry: 'lambda', event: { kind: 'health' } },
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
for (const { app, entry, event } of lambdas) {
  const bundle = join(root, 'dist/apps', app, `${entry}.mjs`);
  const totals = [];
  const loads = [];
  for (let i = 0; i < SAMPLES; i += 1) {
    const out = execFileSync(
      process.execPath,
      ['--input-type=module', '-e', probe, bundle, JSON.stringify(event)],
      {
        env: { PATH: process.env.PATH, LOG_LEVEL: 'warn' },
        encoding: 'utf8',
      },
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
