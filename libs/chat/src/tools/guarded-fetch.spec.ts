import { type BrokenMcpServer, startBrokenMcpServer } from '@lgm/testing';

import { ADDRESS_NOT_ALLOWED, createGuardedFetch, RESPONSE_TOO_LARGE } from './guarded-fetch';
import type { HostResolver } from './url-validation';

let target: BrokenMcpServer;
let hanging: BrokenMcpServer;

beforeAll(async () => {
  target = await startBrokenMcpServer('status-500');
  hanging = await startBrokenMcpServer('hang');
});

afterAll(async () => {
  await target.close();
  await hanging.close();
});

const resolve: HostResolver = async (hostname) =>
  ({ 'tools.test': ['127.0.0.1'], 'meta.test': ['169.254.169.254'] })[hostname] ?? [];

function urlOf(server: BrokenMcpServer, host: string): string {
  const url = new URL(server.url);
  url.hostname = host;
  return url.toString();
}

async function rejection(promise: Promise<unknown>): Promise<{ code?: string; name?: string }> {
  return promise.then(
    () => ({}),
    (error: unknown) => error as { code?: string; name?: string },
  );
}

describe('createGuardedFetch', () => {
  it('connects to the address the resolver gives when private networks are allowed', async () => {
    const fetch = createGuardedFetch({
      allowPrivateNetworks: true,
      maxResponseBytes: 1_000,
      resolve,
    });
    const response = await fetch(urlOf(target, 'tools.test'), { method: 'POST', body: '{}' });
    expect(response.status).toBe(500);
    expect(response.headers.get('content-type')).toBe('text/html');
    expect(await response.text()).toContain('Internal Server Error');
  });

  it('refuses, before any byte is sent, a name that resolves to loopback', async () => {
    const fetch = createGuardedFetch({
      allowPrivateNetworks: false,
      maxResponseBytes: 1_000,
      resolve,
    });
    const before = target.requestCount();
    expect(await rejection(fetch(urlOf(target, 'tools.test')))).toMatchObject({
      code: ADDRESS_NOT_ALLOWED,
    });
    expect(await rejection(fetch(target.url))).toMatchObject({ code: ADDRESS_NOT_ALLOWED });
    expect(target.requestCount()).toBe(before);
  });

  it('refuses metadata endpoints even when private networks are allowed', async () => {
    const fetch = createGuardedFetch({
      allowPrivateNetworks: true,
      maxResponseBytes: 1_000,
      resolve,
    });
    expect(await rejection(fetch('http://meta.test/latest/meta-data/'))).toMatchObject({
      code: ADDRESS_NOT_ALLOWED,
    });
    expect(await rejection(fetch('http://169.254.169.254/latest/meta-data/'))).toMatchObject({
      code: ADDRESS_NOT_ALLOWED,
    });
  });

  it('fails a response body larger than the cap', async () => {
    const fetch = createGuardedFetch({ allowPrivateNetworks: true, maxResponseBytes: 10 });
    const response = await fetch(target.url, { method: 'POST', body: '{}' });
    expect(await rejection(response.text())).toMatchObject({ code: RESPONSE_TOO_LARGE });
  });

  it('stops waiting when its signal aborts', async () => {
    const fetch = createGuardedFetch({ allowPrivateNetworks: true, maxResponseBytes: 1_000 });
    const controller = new AbortController();
    const pending = rejection(
      fetch(hanging.url, { method: 'POST', body: '{}', signal: controller.signal }),
    );
    controller.abort();
    expect(await pending).toMatchObject({ name: 'AbortError' });
  });
});
