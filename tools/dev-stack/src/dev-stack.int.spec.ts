import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { healthResponseSchema } from '@lgm/contracts';

import { type DevStackProcess, startDevStack } from './test-support/dev-stack-process';

/**
 * Runs `npm start`'s entry for real: the embedded stores, every service as its own process, the
 * web app on Vite; then checks every URL it prints and stops it with SIGINT, as Ctrl-C would.
 */

const dataDir = mkdtempSync(join(tmpdir(), 'lgm-dev-stack-'));
let stack: DevStackProcess;

beforeAll(async () => {
  stack = await startDevStack({ LGM_DATA_DIR: dataDir });
}, 100_000);

afterAll(() => {
  stack.kill();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('npm start (the dev stack)', () => {
  it.each([
    ['chat-api', 1],
    ['ws-gateway', 2],
    ['doc-ingestor', 3],
    ['mcp-server', 4],
    ['code-runner', 5],
  ])('serves %s health at the printed URL', async (service, offset) => {
    const url = `http://127.0.0.1:${stack.portBase + offset}`;
    expect(stack.output()).toContain(`${service.padEnd(14)} ${url}`);
    const response = await fetch(`${url}/health`);
    expect(response.status).toBe(200);
    expect(healthResponseSchema.parse(await response.json())).toMatchObject({
      service,
      status: 'ok',
      version: 'local',
    });
  });

  it('prints one line per embedded store', () => {
    expect(stack.output()).toMatch(
      new RegExp(
        `postgres +postgres://postgres:\\*\\*\\*@127\\.0\\.0\\.1:${stack.portBase + 10}/postgres`,
      ),
    );
    expect(stack.output()).toContain(`dynamodb       http://127.0.0.1:${stack.portBase + 11}`);
    expect(stack.output()).toContain(`s3             http://127.0.0.1:${stack.portBase + 12}`);
  });

  it('serves the web page and its runtime configuration', async () => {
    const web = `http://127.0.0.1:${stack.portBase}`;
    const page = await fetch(web);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<div id="root">');
    const config = (await (await fetch(`${web}/config.json`)).json()) as Record<string, unknown>;
    expect(config).toMatchObject({
      apiUrl: `http://127.0.0.1:${stack.portBase + 1}`,
      wsUrl: `ws://127.0.0.1:${stack.portBase + 2}/ws`,
      auth: { authority: `http://127.0.0.1:${stack.portBase + 13}`, clientId: 'lgm-web' },
    });
  });

  it('runs the dev OIDC issuer the web signs in with', async () => {
    const issuer = `http://127.0.0.1:${stack.portBase + 13}`;
    const discovery = (await (
      await fetch(`${issuer}/.well-known/openid-configuration`)
    ).json()) as Record<string, unknown>;
    expect(discovery).toMatchObject({ issuer, code_challenge_methods_supported: ['S256'] });
    expect(stack.output()).toContain(`sign-in        ${issuer}`);
  });

  it('lets the web origin call the services and no other origin', async () => {
    const health = `http://127.0.0.1:${stack.portBase + 1}/health`;
    const fromWeb = await fetch(health, {
      headers: { origin: `http://127.0.0.1:${stack.portBase}` },
    });
    const fromElsewhere = await fetch(health, { headers: { origin: 'http://127.0.0.1:9' } });
    expect(fromWeb.headers.get('access-control-allow-origin')).toBe(
      `http://127.0.0.1:${stack.portBase}`,
    );
    expect(fromElsewhere.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('stops every service and store and exits 0 on SIGINT', async () => {
    expect(await stack.stop()).toBe(0);
    expect(stack.output()).toContain('LGM stopped.');
    await expect(fetch(`http://127.0.0.1:${stack.portBase + 1}/health`)).rejects.toThrow();
    await expect(fetch(`http://127.0.0.1:${stack.portBase + 11}`)).rejects.toThrow();
  }, 30_000);
});
