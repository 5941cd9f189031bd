import { healthResponseSchema } from '@lgm/contracts';
import { probeEntryHealth, runEntry } from '@lgm/testing';

describe('chat-api local entry (server.ts)', () => {
  it('starts, serves health over real HTTP and exits 0 on SIGTERM', async () => {
    const probe = await probeEntryHealth('apps/chat-api/src/server.ts', { PORT: '0' });
    expect(probe.status).toBe(200);
    expect(healthResponseSchema.parse(probe.body).service).toBe('chat-api');
    expect(probe.exitCode).toBe(0);
  });

  it('refuses to start on a bad environment, naming every bad variable at once', async () => {
    const run = await runEntry('apps/chat-api/src/server.ts', {
      PORT: 'eighty',
      LOG_LEVEL: 'loud',
      CORS_ALLOWED_ORIGINS: 'not-a-url',
    });
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain('Invalid configuration (3 problems)');
    expect(run.stderr).toMatch(/PORT: .*\(got 'eighty'\)/);
    expect(run.stderr).toMatch(/LOG_LEVEL: .*\(got 'loud'\)/);
    expect(run.stderr).toMatch(/CORS_ALLOWED_ORIGINS/);
    expect(run.stdout).not.toContain('listening');
  });

  it('refuses to start without a port', async () => {
    const run = await runEntry('apps/chat-api/src/server.ts', {});
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain('PORT: is required but not set');
  });
});
