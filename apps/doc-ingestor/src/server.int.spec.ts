import { healthResponseSchema } from '@lgm/contracts';
import { probeEntryHealth, runEntry } from '@lgm/testing';

describe('doc-ingestor local entry (server.ts)', () => {
  it('starts, serves health over real HTTP and exits 0 on SIGTERM', async () => {
    const probe = await probeEntryHealth('apps/doc-ingestor/src/server.ts', { PORT: '0' });
    expect(probe.status).toBe(200);
    expect(healthResponseSchema.parse(probe.body).service).toBe('doc-ingestor');
    expect(probe.exitCode).toBe(0);
  });

  it('refuses to start on a bad environment', async () => {
    const run = await runEntry('apps/doc-ingestor/src/server.ts', {
      PORT: '70000',
      SERVICE_VERSION: '',
    });
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain('Invalid configuration (2 problems)');
    expect(run.stderr).toContain('PORT');
    expect(run.stderr).toContain('SERVICE_VERSION');
  });

  it('refuses a database without a documents bucket (ingestion needs both)', async () => {
    const run = await runEntry('apps/doc-ingestor/src/server.ts', {
      PORT: '0',
      DATABASE_URL: 'postgres://postgres:postgres@127.0.0.1:1/postgres',
    });
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain('DOCUMENTS_BUCKET');
  });
});
