import { healthResponseSchema } from '@lgm/contracts';
import { testServiceContext } from '@lgm/testing';

import { buildApp } from './app';
import { runJob } from './job';

function capture() {
  const chunks: string[] = [];
  return { chunks, write: (text: string) => chunks.push(text) };
}

describe('code-runner', () => {
  const deps = testServiceContext('code-runner');
  const app = buildApp(deps);
  afterAll(() => app.close());

  it('answers the health check through the local worker', async () => {
    const response = await app.inject({ method: 'GET', url: '/health' });
    expect(response.statusCode).toBe(200);
    expect(healthResponseSchema.parse(response.json())).toMatchObject({ service: 'code-runner' });
  });

  it('answers the health command of the Batch job with one JSON document and exit 0', async () => {
    const stdout = capture();
    const stderr = capture();
    const exitCode = await runJob(deps, ['health'], { stdout, stderr });
    expect(exitCode).toBe(0);
    expect(stderr.chunks).toEqual([]);
    expect(healthResponseSchema.parse(JSON.parse(stdout.chunks.join('')))).toMatchObject({
      service: 'code-runner',
      status: 'ok',
    });
  });

  it.each([[[]], [['run']], [['health', '--extra']]])(
    'refuses %j with UNKNOWN_COMMAND and exit 2',
    async (argv) => {
      const stdout = capture();
      const stderr = capture();
      const exitCode = await runJob(deps, argv, { stdout, stderr });
      expect(exitCode).toBe(2);
      expect(stdout.chunks).toEqual([]);
      expect(JSON.parse(stderr.chunks.join(''))).toMatchObject({
        error: { code: 'UNKNOWN_COMMAND' },
      });
    },
  );
});
