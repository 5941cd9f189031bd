import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The Nx workspace root (the directory holding nx.json), found from the working directory:
 * `cdk synth` runs in infra/, jest and Nx in the root. Asset paths (Lambda entries, the lock
 * file) are resolved from it.
 */
export function workspaceRoot(from: string = process.cwd()): string {
  for (let directory = from; ; directory = dirname(directory)) {
    if (existsSync(join(directory, 'nx.json'))) return directory;
    if (dirname(directory) === directory) {
      throw new Error(`No nx.json in ${from} or any directory above it`);
    }
  }
}
