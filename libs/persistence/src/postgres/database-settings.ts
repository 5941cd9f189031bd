import { ConfigError } from '@lgm/core';
import * as z from 'zod';

/**
 * Where a service finds PostgreSQL, as every service reads it from its environment: either
 * `DATABASE_URL` (locally: the dev stack's PGlite server or a real PostgreSQL), or on AWS
 * `DATABASE_SECRET_ARN` with `DATABASE_HOST`, `DATABASE_PORT` and `DATABASE_NAME` (the password
 * lives in Secrets Manager, never in the function's environment). Merge
 * {@link databaseSettingsShape} into an app's schema, apply {@link checkDatabaseSettings} in its
 * refinement, and resolve the secret at start-up with {@link withDatabaseUrl}.
 */

// `KEY=` in an .env file means "not set".
const blankAsUnset = (value: unknown): unknown =>
  typeof value === 'string' && value.trim() === '' ? undefined : value;
const optional = <T extends z.ZodType>(schema: T) => z.preprocess(blankAsUnset, schema.optional());

/** The database keys, each validated on its own. */
export const databaseSettingsShape = {
  DATABASE_URL: optional(z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')),
  /** On AWS instead of DATABASE_URL: the RDS secret (username, password) and where to connect. */
  DATABASE_SECRET_ARN: optional(
    z.string().regex(/^arn:aws[a-z-]*:secretsmanager:/, 'must be a secret ARN'),
  ),
  DATABASE_HOST: optional(z.string().min(1).max(255)),
  DATABASE_PORT: z.preprocess(
    blankAsUnset,
    z.coerce.number().int().min(1).max(65535).default(5432),
  ),
  DATABASE_NAME: optional(z.string().min(1).max(63)),
  /** Lambda wants 1–2 connections (RDS Proxy multiplexes); PGlite locally is one backend too. */
  DATABASE_POOL_SIZE: z.preprocess(blankAsUnset, z.coerce.number().int().min(1).max(20).default(1)),
};

/** Parsed database settings. */
export type DatabaseSettings = z.output<z.ZodObject<typeof databaseSettingsShape>>;

/** Where the database is, as {@link withDatabaseUrl} reads it (a parsed config has these keys). */
export interface DatabaseLocation {
  readonly DATABASE_URL?: string | undefined;
  readonly DATABASE_SECRET_ARN?: string | undefined;
  readonly DATABASE_HOST?: string | undefined;
  readonly DATABASE_PORT: number;
  readonly DATABASE_NAME?: string | undefined;
}

/**
 * Cross-field rules: a secret needs a host and a database name; with `required`, one of
 * DATABASE_URL and DATABASE_SECRET_ARN must be set. Reads values defensively because it also runs
 * when single keys failed (zod's `when`), so one failed start names every bad key.
 */
export function checkDatabaseSettings(
  settings: Partial<DatabaseLocation>,
  ctx: z.RefinementCtx,
  options: { readonly required?: boolean } = {},
): void {
  if (
    settings.DATABASE_SECRET_ARN !== undefined &&
    (settings.DATABASE_HOST === undefined || settings.DATABASE_NAME === undefined)
  ) {
    ctx.addIssue({
      code: 'custom',
      path: [settings.DATABASE_HOST === undefined ? 'DATABASE_HOST' : 'DATABASE_NAME'],
      message: 'is required with DATABASE_SECRET_ARN',
    });
  }
  if (
    options.required === true &&
    settings.DATABASE_URL === undefined &&
    settings.DATABASE_SECRET_ARN === undefined
  ) {
    ctx.addIssue({
      code: 'custom',
      path: ['DATABASE_URL'],
      message: 'is required (or DATABASE_SECRET_ARN with DATABASE_HOST and DATABASE_NAME)',
    });
  }
}

/** Reads a secret's string value by ARN (Secrets Manager on AWS; a fake in tests). */
export type SecretReader = (secretArn: string) => Promise<string>;

/** The fields of an RDS-managed secret that a connection needs. */
const rdsSecretSchema = z.looseObject({ username: z.string().min(1), password: z.string().min(1) });

/**
 * On AWS the database password lives in Secrets Manager (rotated every 30 days), never in the
 * function's environment: at cold start the URL is built from the secret and the host, port and
 * name the stack passes. TLS is verified against the CA bundle the Lambda runtime ships
 * (NODE_EXTRA_CA_CERTS); Aurora PostgreSQL 16 refuses unencrypted connections anyway. A config
 * that already has DATABASE_URL (or no secret) is returned as it is.
 *
 * @example
 * const secrets = new SecretsManagerClient({ region: config.AWS_REGION });
 * const resolved = await withDatabaseUrl(config, async (arn) =>
 *   (await secrets.send(new GetSecretValueCommand({ SecretId: arn }))).SecretString ?? '',
 * );
 */
export async function withDatabaseUrl<TConfig extends DatabaseLocation>(
  config: TConfig,
  readSecret: SecretReader,
): Promise<TConfig> {
  if (config.DATABASE_URL !== undefined || config.DATABASE_SECRET_ARN === undefined) return config;
  const parsed = rdsSecretSchema.safeParse(safeJson(await readSecret(config.DATABASE_SECRET_ARN)));
  if (!parsed.success) {
    throw new ConfigError([
      { key: 'DATABASE_SECRET_ARN', message: 'names a secret without username and password' },
    ]);
  }
  const { username, password } = parsed.data;
  const url =
    `postgres://${encodeURIComponent(username)}:${encodeURIComponent(password)}` +
    `@${config.DATABASE_HOST}:${config.DATABASE_PORT}/${encodeURIComponent(config.DATABASE_NAME ?? '')}` +
    '?sslmode=verify-full';
  return { ...config, DATABASE_URL: url };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
