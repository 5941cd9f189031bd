import { type ChildProcess, spawn } from 'node:child_process';

import { healthResponseSchema } from '@lgm/contracts';
import type { Logger } from '@lgm/core';
import { prettyFactory } from 'pino-pretty';

import type { ServicePlan } from './services';

export interface RunningService {
  readonly plan: ServicePlan;
  readonly child: ChildProcess;
}

// Services log JSON lines (what CloudWatch gets); on a terminal people read them prettified.
const prettify = prettyFactory({
  colorize: process.stdout.isTTY,
  ignore: 'pid,hostname,service,name',
  translateTime: 'HH:MM:ss.l',
});

function formatLine(line: string): string {
  if (!line.startsWith('{')) return `${line}\n`;
  try {
    return prettify(JSON.parse(line) as Record<string, unknown>);
  } catch {
    return `${line}\n`;
  }
}

/**
 * Starts one service's local entry as its own process, as the services run on AWS: separately.
 * Its JSON log lines are passed through, prefixed with the service name.
 */
export function startService(
  workspaceRoot: string,
  plan: ServicePlan,
  logger: Logger,
  onUnexpectedExit: (plan: ServicePlan, code: number | null) => void,
): RunningService {
  const child = spawn(process.execPath, ['--import', 'tsx', plan.entry], {
    cwd: workspaceRoot,
    env: { PATH: process.env['PATH'] ?? '', ...plan.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const prefix = `[${plan.name}]`.padEnd(15);
  const relay = (stream: NodeJS.WritableStream) => (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n'))
      if (line) stream.write(`${prefix} ${formatLine(line)}`);
  };
  child.stdout?.on('data', relay(process.stdout));
  child.stderr?.on('data', relay(process.stderr));
  let stopping = false;
  child.once('exit', (code) => {
    if (!stopping) onUnexpectedExit(plan, code);
  });
  child.once('error', (error) =>
    logger.error({ err: error, service: plan.name }, 'could not start'),
  );
  const originalKill = child.kill.bind(child);
  child.kill = (signal?: NodeJS.Signals | number) => {
    stopping = true;
    return originalKill(signal);
  };
  return { plan, child };
}

/** Polls `GET /health` until the service answers with a valid report, or the deadline passes. */
export async function waitForHealthy(plan: ServicePlan, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastProblem = 'no answer yet';
  while (Date.now() < deadline) {
    try {
      const response = await fetch(`${plan.url}/health`, { signal: AbortSignal.timeout(1_000) });
      const report = healthResponseSchema.safeParse(await response.json());
      if (response.ok && report.success) return;
      lastProblem = `HTTP ${response.status}`;
    } catch (error) {
      lastProblem = error instanceof Error ? error.message : String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
  throw new Error(
    `${plan.name} did not become healthy at ${plan.url} within ${timeoutMs} ms (${lastProblem})`,
  );
}

/** SIGTERM to every service, then SIGKILL to any still running after the grace period. */
export async function stopServices(
  services: readonly RunningService[],
  graceMs = 5_000,
): Promise<void> {
  await Promise.all(
    services.map(
      ({ child }) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
          child.once('exit', () => {
            clearTimeout(timer);
            resolve();
          });
          child.kill('SIGTERM');
        }),
    ),
  );
}
