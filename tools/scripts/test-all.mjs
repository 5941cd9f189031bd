#!/usr/bin/env node
// `npm test` (and `npm run affected`): format check, then lint, typecheck, test and build of every
// project (or only the affected ones) through Nx, then one totals line over all projects:
// `N passed, N failed`. A failed lint, typecheck or build task counts as one failure, so the line
// can never read green while something is red.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const mode = process.argv[2] === 'affected' ? 'affected' : 'run-many';
const targets = ['lint', 'typecheck', 'test', 'build'];
const resultsDir = join(root, 'dist/test-results');
const env = {
  ...process.env,
  NX_NO_CLOUD: 'true',
  NX_DAEMON: 'false',
  NX_TUI: 'false',
  FORCE_COLOR: '0',
};

rmSync(resultsDir, { recursive: true, force: true });

let formatFailures = 0;
const prettier = spawnSync('npx', ['prettier', '--check', '.', '--log-level', 'warn'], {
  cwd: root,
  stdio: 'inherit',
  env,
});
if (prettier.status !== 0) {
  formatFailures = 1;
  console.error('Formatting: files above are not Prettier-formatted (npx prettier --write .).');
}

const nxArgs = [
  'nx',
  mode,
  '-t',
  ...targets,
  '--outputStyle=static',
  '--parallel=2',
  ...process.argv.slice(3),
];
console.log(`> npx ${nxArgs.join(' ')}`);
const nx = spawn('npx', nxArgs, { cwd: root, env, stdio: ['ignore', 'pipe', 'inherit'] });
let output = '';
nx.stdout.on('data', (chunk) => {
  output += chunk;
  process.stdout.write(chunk);
});
const nxExit = await new Promise((done) => nx.on('exit', done));

// Nx lists failed tasks as "- project:target" lines after its summary.
const failedTasks = [...output.matchAll(/^\s*-\s+([\w@/.-]+):(\w+)\s*$/gm)].map(
  (m) => `${m[1]}:${m[2]}`,
);

const totals = existsSync(resultsDir)
  ? readdirSync(resultsDir)
      .filter((file) => file.endsWith('.json'))
      .map((file) => JSON.parse(readFileSync(join(resultsDir, file), 'utf8')))
  : [];
totals.sort((a, b) => a.project.localeCompare(b.project));

console.log('\nTests by project:');
for (const t of totals)
  console.log(`  ${t.project.padEnd(20)} ${t.passed} passed, ${t.failed} failed`);
// A test task that failed without writing totals (a crash, a suite that did not compile) still counts.
const failedTestTasksWithoutTotals = failedTasks.filter(
  (task) =>
    task.endsWith(':test') && !totals.some((t) => `${t.project}:test` === task && t.failed > 0),
);
const failedOtherTasks = failedTasks.filter((task) => !task.endsWith(':test'));
if (failedTasks.length > 0) console.log(`Failed tasks: ${failedTasks.join(', ')}`);
if (nxExit !== 0 && failedTasks.length === 0) console.log('Nx failed before running every task.');

const passed = totals.reduce((sum, t) => sum + t.passed, 0);
const failed =
  totals.reduce((sum, t) => sum + t.failed, 0) +
  failedTestTasksWithoutTotals.length +
  failedOtherTasks.length +
  formatFailures +
  (nxExit !== 0 && failedTasks.length === 0 ? 1 : 0);

console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failed > 0 || nxExit !== 0 ? 1 : 0);
