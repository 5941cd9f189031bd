import type { z } from 'zod';

import { ConfigError, type ConfigIssue } from './errors';

/** The process environment, or any map of the same shape (tests pass their own). */
export type Environment = Readonly<Record<string, string | undefined>>;

/**
 * Parses an app's environment with its zod schema, once, at the composition root.
 * Every bad key is reported together, so one failed start shows everything to fix.
 *
 * @example
 * const config = loadConfig(chatApiConfigSchema, process.env);
 */
export function loadConfig<TSchema extends z.ZodType>(
  schema: TSchema,
  env: Environment,
): z.output<TSchema> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const issues: ConfigIssue[] = result.error.issues.map((issue) => ({
    key: issue.path.length > 0 ? issue.path.map(String).join('.') : '(environment)',
    message: describeIssue(issue, env),
  }));
  throw new ConfigError(issues);
}

function describeIssue(issue: z.core.$ZodIssue, env: Environment): string {
  const key = issue.path[0];
  const raw = typeof key === 'string' ? env[key] : undefined;
  if (raw === undefined && issue.code === 'invalid_type') return 'is required but not set';
  // Show what was received only when it cannot be a secret: the config schema marks secrets by
  // name, and values are never echoed for keys that look like credentials.
  const shown = raw !== undefined && !looksSecret(String(key)) ? ` (got '${truncate(raw)}')` : '';
  return `${issue.message}${shown}`;
}

const SECRET_KEY = /(SECRET|PASSWORD|TOKEN|KEY|CREDENTIAL|AUTH|DATABASE_URL)/i;

function looksSecret(key: string): boolean {
  return SECRET_KEY.test(key);
}

function truncate(value: string): string {
  return value.length > 40 ? `${value.slice(0, 37)}...` : value;
}
