import { healthResponseSchema } from '@lgm/contracts';
import { probeEntryHealth } from '@lgm/testing';

describe.each(['main.ts', 'server.ts'])('mcp-server entry %s', (entry) => {
  it('starts, serves health over real HTTP and exits 0 on SIGTERM', async () => {
    // HOST is pinned to loopback: the container entry's own default is every interface.
    const probe = await probeEntryHealth(`apps/mcp-server/src/${entry}`, {
      PORT: '0',
      HOST: '127.0.0.1',
    });
    expect(probe.status).toBe(200);
    expect(healthResponseSchema.parse(probe.body).service).toBe('mcp-server');
    expect(probe.exitCode).toBe(0);
  });
});
