import * as z from 'zod';

import { loadConfig } from './config';
import { ConfigError } from './errors';

const schema = z.object({
  PORT: z.coerce.number().int().min(1).max(65535),
  LOG_LEVEL: z.enum(['info', 'debug']).default('info'),
  DATABASE_URL: z.url(),
  API_TOKEN: z.string().min(32),
});

describe('loadConfig', () => {
  it('returns typed values with defaults applied', () => {
    const config = loadConfig(schema, {
      PORT: '8080',
      DATABASE_URL: 'postgres://localhost/lgm',
      API_TOKEN: 'x'.repeat(32),
    });

    expect(config).toEqual({
      PORT: 8080,
      LOG_LEVEL: 'info',
      DATABASE_URL: 'postgres://localhost/lgm',
      API_TOKEN: 'x'.repeat(32),
    });
  });

  it('reports every bad key in one error', () => {
    const attempt = () =>
      loadConfig(schema, { PORT: 'eighty', LOG_LEVEL: 'loud', API_TOKEN: 'short-secret' });

    expect(attempt).toThrow(ConfigError);
    try {
      attempt();
    } catch (error) {
      const configError = error as ConfigError;
      expect(configError.code).toBe('CONFIG_INVALID');
      expect(configError.issues.map((issue) => issue.key).sort()).toEqual([
        'API_TOKEN',
        'DATABASE_URL',
        'LOG_LEVEL',
        'PORT',
      ]);
      expect(configError.message).toContain('DATABASE_URL: is required but not set');
      expect(configError.message).toContain("(got 'eighty')");
      expect(configError.message).toContain('4 problems');
    }
  });

  it('never echoes the value of a secret-looking key', () => {
    expect(() =>
      loadConfig(schema, {
        PORT: '1',
        DATABASE_URL: 'not a url with password hunter2',
        API_TOKEN: 'hunter2',
      }),
    ).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('hunter2') as unknown }),
    );
  });
});
