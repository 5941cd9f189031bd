import { type DatabaseLocation, withDatabaseUrl } from './database-secret';

const location: DatabaseLocation = {
  DATABASE_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:lgm-db-AbCdEf',
  DATABASE_HOST: 'lgm-dev.cluster-abc.eu-west-1.rds.amazonaws.com',
  DATABASE_PORT: 5432,
  DATABASE_NAME: 'lgm',
};

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
    expect(new URL(config.DATABASE_URL as string).password).toBe('p%40ss%3A%2Fw%3Frd%231');
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
