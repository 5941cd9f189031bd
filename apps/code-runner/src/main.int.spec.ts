import { healthResponseSchema } from '@lgm/contracts';
import { probeEntryHealth, runEntry } from '@lgm/testing';

describe('code-runner entries', () => {
  it('the Batch job entry (main.ts) answers `health` with a JSON report and exit 0', async () => {
    const run = await runEntry(
      'apps/code-runner/src/main.ts',
      { LOG_LEVEL: 'silent' },
      { args: ['health'] },
    );
    expect(run.exitCode).toBe(0);
    expect(healthResponseSchema.parse(JSON.parse(run.stdout))).toMatchObject({
      service: 'code-runner',
      status: 'ok',
    });
  });

  it('the Batch job entry exits 2 on an unknown command', async () => {
    const run = await runEntry('apps/code-runner/src/main.ts', {}, { args: ['format-disk'] });
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain('UNKNOWN_COMMAND');
  });

  it('the local worker (server.ts) serves health and exits 0 on SIGTERM', async () => {
    const probe = await probeEntryHealth('apps/code-runner/src/server.ts', { PORT: '0' });
    expect(healthResponseSchema.parse(probe.body).service).toBe('code-runner');
    expect(probe.exitCode).toBe(0);
  });
});
