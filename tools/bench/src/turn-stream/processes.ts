import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

// Child processes of the turn-stream benchmark (the gateway under test and the stores), with
// their pids so the benchmark can read their memory and CPU time from /proc, and a guarantee
// that none outlives the benchmark.

/** A child process the benchmark started. */
export interface Child {
  readonly label: string;
  readonly pid: number;
  /** The last lines it wrote (stdout and stderr), for failure messages. */
  tail(): string;
  /** Resolves with the exit code (or signal name) once it has exited. */
  readonly exited: Promise<number | string | null>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once it has exited. */
  stop(graceMs?: number): Promise<void>;
}

const children = new Set<{ pid: number; alive: () => boolean }>();
let exitHookInstalled = false;

/** Kills every child still running, synchronously (for `process.on('exit')`). */
export function killAllChildren(): void {
  for (const child of children) {
    if (!child.alive()) continue;
    try {
      process.kill(child.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}

const TAIL_CHARS = 4000;

/**
 * Starts `node <args>` in `cwd` with exactly `env` (plus PATH). Its stdin is a pipe the
 * benchmark never writes: entries of ours exit when it closes, so they die with the benchmark.
 */
export function spawnNode(
  label: string,
  args: readonly string[],
  env: Readonly<Record<string, string>>,
  cwd: string,
  onStdout?: (chunk: Buffer) => void,
): Child {
  if (!exitHookInstalled) {
    // Whatever ends the benchmark (an exception, process.exit), no child survives it.
    process.on('exit', killAllChildren);
    exitHookInstalled = true;
  }
  const child = spawn(process.execPath, [...args], {
    cwd,
    env: { PATH: process.env['PATH'] ?? '', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error(`${label}: could not start node ${args.join(' ')}`);
  let output = '';
  let alive = true;
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString()).slice(-TAIL_CHARS);
  };
  child.stdout.on('data', keep);
  if (onStdout !== undefined) child.stdout.on('data', onStdout);
  child.stderr.on('data', keep);
  const exited = new Promise<number | string | null>((resolve) =>
    child.once('exit', (code, signal) => {
      alive = false;
      resolve(code ?? signal);
    }),
  );
  const entry = { pid: child.pid, alive: () => alive };
  children.add(entry);
  void exited.then(() => children.delete(entry));
  return {
    label,
    pid: child.pid,
    tail: () => output,
    exited,
    stop: async (graceMs = 10_000) => {
      if (!alive) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * Starts a Node entry of ours that prints `{"msg":"listening","url":…}` when ready (as
 * libs/local-stack's postgres-main.ts does) and resolves with its URL.
 */
export async function startListeningEntry(
  label: string,
  args: readonly string[],
  env: Readonly<Record<string, string>>,
  cwd: string,
  timeoutMs: number,
): Promise<{ child: Child; url: string }> {
  let onLine: (line: string) => void = () => undefined;
  let buffered = '';
  const child = spawnNode(label, args, env, cwd, (chunk) => {
    buffered += chunk.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) onLine(line);
  });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${label} was not ready within ${timeoutMs} ms:\n${child.tail()}`)),
        timeoutMs,
      );
      onLine = (line) => {
        const found = listeningUrl(line);
        if (found === undefined) return;
        clearTimeout(timer);
        resolve(found);
      };
      void child.exited.then((code) => {
        clearTimeout(timer);
        reject(
          new Error(`${label} exited (${String(code)}) before it was ready:\n${child.tail()}`),
        );
      });
    });
    onLine = () => undefined;
    return { child, url };
  } catch (error) {
    await child.stop(2_000);
    throw error;
  }
}

function listeningUrl(line: string): string | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const parsed = JSON.parse(line) as { msg?: unknown; url?: unknown };
    return parsed.msg === 'listening' && typeof parsed.url === 'string' ? parsed.url : undefined;
  } catch {
    return undefined;
  }
}

/** A free TCP port on 127.0.0.1 (the gateway is told which port to listen on). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Resident memory of a process now and at its peak, from /proc/<pid>/status (Linux). */
export function memoryOf(pid: number): { rssMiB: number; peakMiB: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (name: string): number =>
      Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
    return { rssMiB: kib('VmRSS') / 1024, peakMiB: kib('VmHWM') / 1024 };
  } catch {
    return undefined;
  }
}

let clockTicks: number | undefined;

/** CPU time (user + system, all threads) a process has used, in ms, from /proc/<pid>/stat. */
export function cpuMsOf(pid: number): number | undefined {
  try {
    clockTicks ??= Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start at field 3; utime is 14.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return (ticks / clockTicks) * 1000;
  } catch {
    return undefined;
  }
}
