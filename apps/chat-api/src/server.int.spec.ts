import { healthResponseSchema } from '@lgm/contracts';
import { probeEntryHealth, runEntry, startEntry } from '@lgm/testing';

/**
 * A valid environment whose stores are never reached: the service connects on first use, and
 * these tests only start it, read public routes and stop it.
 */
const ENV = {
  PORT: '0',
  LOG_LEVEL: 'info',
  DATABASE_URL: 'postgres://lgm:lgm@127.0.0.1:9/lgm',
  SESSIONS_TABLE: 'lgm-local-sessions',
  CONNECTIONS_TABLE: 'lgm-local-connections',
  MCP_TOOLS_TABLE: 'lgm-local-mcp-tools',
  DYNAMODB_ENDPOINT: 'http://127.0.0.1:9',
  DOCUMENTS_BUCKET: 'lgm-local-documents',
  ARTIFACTS_BUCKET: 'lgm-local-artifacts',
  S3_ENDPOINT: 'http://127.0.0.1:9',
  AWS_ACCESS_KEY_ID: 'local',
  AWS_SECRET_ACCESS_KEY: 'local',
  AUTH_ISSUER: 'http://127.0.0.1:9/issuer',
  AUTH_AUDIENCE: 'lgm-web',
};

describe('chat-api local entry (server.ts)', () => {
  jest.setTimeout(30_000);

  it('starts, serves health over real HTTP and exits 0 on SIGTERM', async () => {
    const probe = await probeEntryHealth('apps/chat-api/src/server.ts', ENV);
    expect(probe.status).toBe(200);
    expect(healthResponseSchema.parse(probe.body).service).toBe('chat-api');
    expect(probe.exitCode).toBe(0);
  });

  it('serves swagger-ui and the OpenAPI document publicly, and nothing else without a token', async () => {
    const entry = await startEntry('apps/chat-api/src/server.ts', ENV);
    try {
      const ui = await fetch(`${entry.url}/docs/`);
      expect(ui.status).toBe(200);
      expect(await ui.text()).toContain('swagger-ui');
      const asset = await fetch(`${entry.url}/docs/static/swagger-ui-bundle.js`);
      expect(asset.status).toBe(200);
      // Read to the end: an unread body keeps the connection busy and the shutdown waiting.
      expect((await asset.arrayBuffer()).byteLength).toBeGreaterThan(0);
      const document = await fetch(`${entry.url}/docs/json`);
      expect(document.status).toBe(200);
      expect(await document.json()).toMatchObject({
        openapi: expect.stringMatching(/^3\./),
        paths: expect.objectContaining({ '/sessions': expect.any(Object) }),
      });
      const sessions = await fetch(`${entry.url}/sessions`);
      expect(sessions.status).toBe(401);
      expect(await sessions.json()).toMatchObject({ error: { code: 'UNAUTHORIZED' } });
    } finally {
      expect(await entry.stop()).toBe(0);
    }
  });

  it('refuses to start on a bad environment, naming every bad variable at once', async () => {
    const run = await runEntry('apps/chat-api/src/server.ts', {
      ...ENV,
      PORT: 'eighty',
      LOG_LEVEL: 'loud',
      CORS_ALLOWED_ORIGINS: 'not-a-url',
      RATE_LIMIT_MAX: '0',
    });
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain('Invalid configuration (4 problems)');
    expect(run.stderr).toMatch(/PORT: .*\(got 'eighty'\)/);
    expect(run.stderr).toMatch(/LOG_LEVEL: .*\(got 'loud'\)/);
    expect(run.stderr).toMatch(/CORS_ALLOWED_ORIGINS/);
    expect(run.stderr).toMatch(/RATE_LIMIT_MAX: .*\(got '0'\)/);
    expect(run.stdout).not.toContain('listening');
  });

  it('refuses to start without its stores and identity settings', async () => {
    const run = await runEntry('apps/chat-api/src/server.ts', { PORT: '0' });
    expect(run.exitCode).toBe(1);
    for (const key of [
      'DATABASE_URL',
      'SESSIONS_TABLE',
      'DOCUMENTS_BUCKET',
      'AUTH_ISSUER',
      'AUTH_AUDIENCE',
    ]) {
      expect(run.stderr).toContain(`${key}: is required`);
    }
  });

  it('refuses to start without a port', async () => {
    const { PORT: _port, ...withoutPort } = ENV;
    const run = await runEntry('apps/chat-api/src/server.ts', withoutPort);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain('PORT: is required but not set');
  });
});
