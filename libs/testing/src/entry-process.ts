import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/**
 * Runs a service's real entry file (server.ts, main.ts) as its own Node process through tsx, the
 * way `npm start` does, so tests cover start-up, config validation, listening and shutdown.
 */

/** The folder holding nx.json, found from where the test runner was started. */
export function findWorkspaceRoot(from: string = process.cwd()): string {
  let dir = resolve(from);
  while (!existsSync(join(dir, 'nx.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`No nx.json above ${from}`);
    dir = parent;
  }
  return dir;
}

const workspaceRoot = findWorkspaceRoot();

export interface EntryRun {
  readonly exitCode: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function spawnEntry(
  entryFile: string,
  env: Readonly<Record<string, string>>,
  args: readonly string[],
): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', resolve(workspaceRoot, entryFile), ...args], {
    cwd: workspaceRoot,
    // Only what the entry needs: the test decides every variable the service sees.
    env: { PATH: process.env['PATH'] ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Runs an entry to completion (or until `timeoutMs`), collecting its output. */
export function runEntry(
  entryFile: string,
  env: Readonly<Record<string, string>>,
  options: { args?: readonly string[]; timeoutMs?: number } = {},
): Promise<EntryRun> {
  const child = spawnEntry(entryFile, env, options.args ?? []);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(
          `${entryFile} did not exit within ${options.timeoutMs ?? 20_000} ms:\n${stdout}\n${stderr}`,
        ),
      );
    }, options.timeoutMs ?? 20_000);
    child.on('exit', (exitCode) => {
      clearTimeout(timer);
      resolvePromise({ exitCode, stdout, stderr });
    });
  });
}

export interface RunningEntry {
  /** The URL the service said it listens on. */
  readonly url: string;
  /** Sends SIGTERM and resolves with the exit code once the process has exited. */
  stop(): Promise<number | null>;
}

/** Starts a listening entry and resolves once it logs its `listening` line with the URL. */
export function startEntry(
  entryFile: string,
  env: Readonly<Record<string, string>>,
  timeoutMs = 20_000,
): Promise<RunningEntry> {
  const child = spawnEntry(entryFile, env, []);
  let output = '';
  const exited = new Promise<number | null>((resolveExit) => child.on('exit', resolveExit));
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${entryFile} did not start within ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      for (const line of output.split('\n')) {
        const url = listeningUrl(line);
        if (url) {
          clearTimeout(timer);
          resolvePromise({
            url,
            stop: () => {
              child.kill('SIGTERM');
              return exited;
            },
          });
        }
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${entryFile} exited with ${code} before listening:\n${output}`));
    });
  });
}

function listeningUrl(line: string): string | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const entry = JSON.parse(line) as { msg?: unknown; url?: unknown };
    return entry.msg === 'listening' && typeof entry.url === 'string' ? entry.url : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Starts an entry, reads `GET /health` over real HTTP, and stops it with SIGTERM: the whole life of
 * a service process. Returns the HTTP status, the parsed body and the exit code for assertions.
 */
export async function probeEntryHealth(
  entryFile: string,
  env: Readonly<Record<string, string>>,
): Promise<{ status: number; body: unknown; exitCode: number | null }> {
  const entry = await startEntry(entryFile, env);
  try {
    const response = await fetch(`${entry.url}/health`);
    const body: unknown = await response.json();
    return { status: response.status, body, exitCode: await entry.stop() };
  } catch (error) {
    await entry.stop();
    throw error;
  }
}
