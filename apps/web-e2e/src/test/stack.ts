import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
  type DevStackProcess,
  randomPortBase,
  signIn,
  startDevStack,
  WEB_CLIENT_ID,
} from '@lgm/dev-stack/test-support';

/** `npm start`'s stack with the web app, in a fresh data directory, and its URLs. */
export interface E2eStack {
  readonly web: string;
  readonly api: string;
  readonly ws: { readonly host: string; readonly port: number };
  readonly issuer: string;
  readonly process: DevStackProcess;
  /** An access token for a user of the dev issuer, for calls the test makes itself. */
  tokenFor(username: string): Promise<string>;
  /** GET on chat-api as that user; throws on any status but 2xx. */
  get<T>(token: string, path: string): Promise<T>;
  stop(): Promise<void>;
}

/**
 * Starts the stack exactly as `npm start` does (web app on Vite included), with extra settings
 * (model settings pass through to the services, see tools/dev-stack/src/services.ts).
 */
export async function startE2eStack(env: Readonly<Record<string, string>> = {}): Promise<E2eStack> {
  const dataDir = mkdtempSync(join(tmpdir(), 'lgm-e2e-'));
  const portBase = randomPortBase();
  // Ports follow the dev stack's plan: web, then chat-api, ws-gateway…; the issuer at +13.
  const host = '127.0.0.1';
  const web = `http://${host}:${portBase}`;
  const api = `http://${host}:${portBase + 1}`;
  const issuer = `http://${host}:${portBase + 13}`;
  let running: DevStackProcess;
  try {
    running = await startDevStack(
      { ...env, LGM_DATA_DIR: dataDir, LGM_PORT_BASE: String(portBase), LGM_WEB: 'true' },
      180_000,
    );
  } catch (error) {
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
  return {
    web,
    api,
    ws: { host, port: portBase + 2 },
    issuer,
    process: running,
    tokenFor: (username) =>
      signIn({ issuer, clientId: WEB_CLIENT_ID, redirectUri: `${web}/auth/callback`, username }),
    async get<T>(token: string, path: string): Promise<T> {
      const response = await fetch(`${api}${path}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      const text = await response.text();
      if (!response.ok) throw new Error(`GET ${path}: ${response.status} ${text}`);
      return JSON.parse(text) as T;
    },
    async stop() {
      // Ctrl-C as a developer would; a stack that does not stop in time is killed.
      const timer = setTimeout(() => running.kill(), 30_000);
      try {
        await running.stop();
      } finally {
        clearTimeout(timer);
        rmSync(dataDir, { recursive: true, force: true });
      }
    },
  };
}
