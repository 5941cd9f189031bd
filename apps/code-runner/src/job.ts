import type { HealthReporter } from '@lgm/core';

export interface JobDeps {
  readonly health: HealthReporter;
}

export interface JobOutput {
  write(text: string): unknown;
}

const USAGE = 'usage: code-runner health';

/**
 * The Batch job's core: one command per container run, answered as one JSON document on stdout
 * and an exit code. `health` is the container health check; run jobs arrive with their issue.
 */
export async function runJob(
  deps: JobDeps,
  argv: readonly string[],
  io: { stdout: JobOutput; stderr: JobOutput },
): Promise<number> {
  const [command, ...rest] = argv;
  if (command === 'health' && rest.length === 0) {
    const report = await deps.health.report();
    io.stdout.write(`${JSON.stringify(report)}\n`);
    return report.status === 'down' ? 1 : 0;
  }
  const error = {
    error: {
      code: 'UNKNOWN_COMMAND',
      message:
        command === undefined
          ? `No command given; ${USAGE}`
          : `Unknown command '${argv.join(' ')}'; ${USAGE}`,
    },
  };
  io.stderr.write(`${JSON.stringify(error)}\n`);
  return 2;
}
