import { ConfigError } from '@lgm/core';
import * as z from 'zod';

/** Reads a secret's string value by ARN (Secrets Manager on AWS; a fake in tests). */
export type SecretReader = (secretArn: string) => Promise<string>;

/** The fields of an RDS-managed secret that a connection needs. */
const rdsSecretSchema = z.looseObject({ username: z.string().min(1), password: z.string().min(1) });

export interface DatabaseLocation {
  readonly DATABASE_URL?: string | undefined;
  readonly DATABASE_SECRET_ARN?: string | undefined;
  readonly DATABASE_HOST?: string | undefined;
  readonly DATABASE_PORT: number;
  readonly DATABASE_NAME?: string | undefined;
}

/**
 * On AWS the database password lives in Secrets Manager (rotated every 30 days), never in the
 * function's environment: at cold start the URL is built from the secret and the host, port and
 * name the stack passes. TLS is verified against the CA bundle the Lambda runtime ships
 * (NODE_EXTRA_CA_CERTS); Aurora PostgreSQL 16 refuses unencrypted connections anyway.
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
