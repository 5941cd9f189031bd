import { type ChildProcess, spawn } from 'node:child_process';

import { findWorkspaceRoot } from '@lgm/testing';

/** `npm start`'s entry as a child process, for tests. */
export interface DevStackProcess {
  readonly portBase: number;
  /** Everything it printed so far. */
  output(): string;
  /** SIGINT, as Ctrl-C would; resolves with the exit code. */
  stop(): Promise<number | null>;
  kill(): void;
}

export function randomPortBase(): number {
  return 20_000 + Math.floor(Math.random() * 20_000);
}

/** Starts the dev stack and resolves once it prints `LGM is up`. */
export async function startDevStack(
  env: Readonly<Record<string, string>>,
  timeoutMs = 90_000,
): Promise<DevStackProcess> {
  const portBase = Number(env['LGM_PORT_BASE'] ?? randomPortBase());
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', 'tools/dev-stack/src/main.ts'],
    {
      cwd: findWorkspaceRoot(),
      env: {
        PATH: process.env['PATH'] ?? '',
        LOG_LEVEL: 'warn',
        ...env,
        LGM_PORT_BASE: String(portBase),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`the dev stack did not come up within ${timeoutMs} ms:\n${output}`)),
      timeoutMs,
    );
    const collect = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('LGM is up')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`the dev stack exited (${code}) before it was up:\n${output}`));
    });
  });
  return {
    portBase,
    output: () => output,
    stop: () => {
      child.kill('SIGINT');
      return exited;
    },
    kill: () => {
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}
