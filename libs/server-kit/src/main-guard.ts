import { ConfigError } from '@lgm/core';

/**
 * Runs an entry point's start-up. A bad configuration prints its one readable report and exits 1;
 * any other start-up failure is printed with its stack and exits 1 as well.
 */
export function runMain(start: () => Promise<unknown>): void {
  start().catch((error: unknown) => {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
    } else {
      process.stderr.write(
        `Start-up failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
      );
    }
    process.exit(1);
  });
}
