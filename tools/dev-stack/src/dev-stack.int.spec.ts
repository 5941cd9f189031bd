import { type ChildProcess, spawn } from 'node:child_process';

import { healthResponseSchema } from '@lgm/contracts';
import { findWorkspaceRoot } from '@lgm/testing';

/**
 * Runs `npm start`'s entry for real: every service as its own process, the web app on Vite, then
 * checks every URL it prints and stops it with SIGINT, as Ctrl-C would.
 */

const portBase = 20_000 + Math.floor(Math.random() * 20_000);
let stack: ChildProcess;
let output = '';

function waitForOutput(text: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no '${text}' within ${timeoutMs} ms:\n${output}`)),
      timeoutMs,
    );
    const check = () => {
      if (output.includes(text)) {
        clearTimeout(timer);
        resolve();
      }
    };
    stack.stdout?.on('data', check);
    stack.stderr?.on('data', check);
    stack.once('exit', (code) => {
      clearTimeout(timer);
      if (!output.includes(text)) reject(new Error(`the stack exited (${code}):\n${output}`));
    });
    check();
  });
}

beforeAll(async () => {
  stack = spawn(process.execPath, ['--import', 'tsx', 'tools/dev-stack/src/main.ts'], {
    cwd: findWorkspaceRoot(),
    env: { PATH: process.env['PATH'] ?? '', LGM_PORT_BASE: String(portBase), LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const collect = (chunk: Buffer) => (output += chunk.toString());
  stack.stdout?.on('data', collect);
  stack.stderr?.on('data', collect);
  await waitForOutput('LGM is up', 90_000);
}, 100_000);

afterAll(() => {
  if (stack.exitCode === null) stack.kill('SIGKILL');
});

describe('npm start (the dev stack)', () => {
  it.each([
    ['chat-api', 1],
    ['ws-gateway', 2],
    ['doc-ingestor', 3],
    ['mcp-server', 4],
    ['code-runner', 5],
  ])('serves %s health at the printed URL', async (service, offset) => {
    const url = `http://127.0.0.1:${portBase + offset}`;
    expect(output).toContain(`${service.padEnd(14)} ${url}`);
    const response = await fetch(`${url}/health`);
    expect(response.status).toBe(200);
    expect(healthResponseSchema.parse(await response.json())).toMatchObject({
      service,
      status: 'ok',
      version: 'local',
    });
  });

  it('serves the web page and its runtime configuration', async () => {
    const web = `http://127.0.0.1:${portBase}`;
    const page = await fetch(web);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<div id="root">');
    const config = (await (await fetch(`${web}/config.json`)).json()) as Record<string, unknown>;
    expect(config).toMatchObject({
      apiUrl: `http://127.0.0.1:${portBase + 1}`,
      wsUrl: `ws://127.0.0.1:${portBase + 2}`,
    });
  });

  it('lets the web origin call the services and no other origin', async () => {
    const health = `http://127.0.0.1:${portBase + 1}/health`;
    const fromWeb = await fetch(health, { headers: { origin: `http://127.0.0.1:${portBase}` } });
    const fromElsewhere = await fetch(health, { headers: { origin: 'http://127.0.0.1:9' } });
    expect(fromWeb.headers.get('access-control-allow-origin')).toBe(`http://127.0.0.1:${portBase}`);
    expect(fromElsewhere.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('stops every service and exits 0 on SIGINT', async () => {
    const exited = new Promise<number | null>((resolve) => stack.once('exit', resolve));
    stack.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(output).toContain('LGM stopped.');
    await expect(fetch(`http://127.0.0.1:${portBase + 1}/health`)).rejects.toThrow();
  }, 30_000);
});
