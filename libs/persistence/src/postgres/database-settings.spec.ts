import { loadConfig } from '@lgm/core';
import * as z from 'zod';

import {
  checkDatabaseSettings,
  type DatabaseLocation,
  databaseSettingsShape,
  withDatabaseUrl,
} from './database-settings';

const location: DatabaseLocation = {
  DATABASE_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:lgm-db-AbCdEf',
  DATABASE_HOST: 'lgm-dev.cluster-abc.eu-west-1.rds.amazonaws.com',
  DATABASE_PORT: 5432,
  DATABASE_NAME: 'lgm',
};

const schema = (required: boolean) =>
  z
    .object(databaseSettingsShape)
    .superRefine((settings, ctx) => checkDatabaseSettings(settings, ctx, { required }), {
      when: () => true,
    });

describe('database settings', () => {
  it('parses a local URL with the defaults', () => {
    expect(loadConfig(schema(true), { DATABASE_URL: 'postgres://u:p@127.0.0.1:5432/lgm' })).toEqual(
      {
        DATABASE_URL: 'postgres://u:p@127.0.0.1:5432/lgm',
        DATABASE_PORT: 5432,
        DATABASE_POOL_SIZE: 1,
      },
    );
  });

  it('treats blank keys as unset', () => {
    expect(
      loadConfig(schema(false), { DATABASE_URL: '', DATABASE_PORT: ' ', DATABASE_POOL_SIZE: '' }),
    ).toEqual({ DATABASE_PORT: 5432, DATABASE_POOL_SIZE: 1 });
  });

  it('names every missing key at once', () => {
    expect(() =>
      loadConfig(schema(true), {
        DATABASE_SECRET_ARN: 'arn:aws:secretsmanager:x',
        DATABASE_PORT: '0',
      }),
    ).toThrow(/DATABASE_PORT[\s\S]*DATABASE_HOST/);
    expect(() => loadConfig(schema(true), {})).toThrow(/DATABASE_URL: is required/);
    expect(() => loadConfig(schema(true), { DATABASE_URL: 'mysql://x' })).toThrow(
      /must be a postgres/,
    );
  });
});

describe('withDatabaseUrl', () => {
  it('builds a TLS-verified URL from the RDS secret, escaping the password', async () => {
    const asked: string[] = [];
    const config = await withDatabaseUrl(location, async (arn) => {
      asked.push(arn);
      return JSON.stringify({ username: 'lgm_app', password: 'p@ss:/w?rd#1', engine: 'postgres' });
    });
    expect(asked).toEqual([location.DATABASE_SECRET_ARN]);
    expect(config.DATABASE_URL).toBe(
      'postgres://lgm_app:p%40ss%3A%2Fw%3Frd%231@lgm-dev.cluster-abc.eu-west-1.rds.amazonaws.com:5432/lgm?sslmode=verify-full',
    );
  });

  it('keeps an explicit DATABASE_URL and reads no secret', async () => {
    const config = await withDatabaseUrl(
      { ...location, DATABASE_URL: 'postgres://local/db' },
      () => {
        throw new Error('must not be called');
      },
    );
    expect(config.DATABASE_URL).toBe('postgres://local/db');
  });

  it.each(['not json', '{}', '{"username":"u"}'])(
    'refuses a secret that is %s with CONFIG_INVALID',
    async (secret) => {
      await expect(withDatabaseUrl(location, async () => secret)).rejects.toMatchObject({
        code: 'CONFIG_INVALID',
        message: expect.stringContaining('DATABASE_SECRET_ARN'),
      });
    },
  );
});
