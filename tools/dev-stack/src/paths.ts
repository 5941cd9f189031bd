import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root, from this file's place in it. */
export const WORKSPACE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** drizzle-kit's committed SQL migrations. */
export const MIGRATIONS_FOLDER = join(WORKSPACE_ROOT, 'libs/persistence/drizzle');
