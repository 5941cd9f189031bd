import { loadRuntimeConfig, runtimeConfigSchema, servicesToCheck } from './runtime-config';
import { fakeFetch } from './test-support/fake-fetch';

describe('runtimeConfigSchema', () => {
  it('accepts API, WebSocket, service URLs and sign-in settings, ignoring unknown keys', () => {
    // Arrange
    const input = {
      apiUrl: 'https://api.lgm.test/prod',
      wsUrl: 'wss://ws.lgm.test/prod',
      services: { 'chat-api': 'https://api.lgm.test/prod' },
      auth: { authority: 'https://cognito.test/pool', clientId: 'lgm-web' },
      analytics: { id: 'x' },
    };

    // Act
    const config = runtimeConfigSchema.parse(input);

    // Assert
    expect(config).toEqual({
      apiUrl: 'https://api.lgm.test/prod',
      wsUrl: 'wss://ws.lgm.test/prod',
      services: { 'chat-api': 'https://api.lgm.test/prod' },
      auth: {
        authority: 'https://cognito.test/pool',
        clientId: 'lgm-web',
        redirectPath: '/auth/callback',
        scope: 'openid profile email',
      },
    });
  });

  it('keeps a configured redirect path and scope', () => {
    // Act
    const config = runtimeConfigSchema.parse({
      apiUrl: 'http://a.test',
      wsUrl: 'ws://a.test',
      auth: {
        authority: 'http://127.0.0.1:4110',
        clientId: 'lgm-web',
        redirectPath: '/signed-in',
        scope: 'openid',
      },
    });

    // Assert
    expect(config.auth).toMatchObject({ redirectPath: '/signed-in', scope: 'openid' });
  });

  it.each([
    ['an API URL that is not http(s)', { apiUrl: 'ftp://x.test', wsUrl: 'ws://x.test' }],
    ['a WebSocket URL that is not ws(s)', { apiUrl: 'http://x.test', wsUrl: 'http://x.test' }],
    [
      'a service URL that is not a URL',
      { apiUrl: 'http://x.test', wsUrl: 'ws://x.test', services: { 'chat-api': 'x' } },
    ],
    ['a missing wsUrl', { apiUrl: 'http://x.test' }],
    [
      'an authority that is not a URL',
      { apiUrl: 'http://x.test', wsUrl: 'ws://x.test', auth: { authority: 'x', clientId: 'c' } },
    ],
    [
      'a redirect path to another origin',
      {
        apiUrl: 'http://x.test',
        wsUrl: 'ws://x.test',
        auth: { authority: 'http://i.test', clientId: 'c', redirectPath: '//evil.test/cb' },
      },
    ],
  ])('rejects %s', (_case, input) => {
    expect(runtimeConfigSchema.safeParse(input).success).toBe(false);
  });
});

describe('loadRuntimeConfig', () => {
  it('lists every problem with its path', async () => {
    // Arrange
    const fetchFn = fakeFetch({ '/config.json': { json: { apiUrl: 42 } } });

    // Act
    const result = await loadRuntimeConfig(fetchFn);

    // Assert
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toBe('invalid');
    expect(!result.ok && result.issues.map((issue) => issue.split(':')[0])).toEqual([
      'apiUrl',
      'wsUrl',
    ]);
  });

  it('reports an HTTP error as unreachable', async () => {
    // Arrange
    const fetchFn = fakeFetch({ '/config.json': { status: 500, text: 'oops' } });

    // Act
    const result = await loadRuntimeConfig(fetchFn);

    // Assert
    expect(result).toEqual({
      ok: false,
      reason: 'unreachable',
      message: 'Could not load /config.json: HTTP 500.',
      issues: [],
    });
  });

  it('rethrows when the caller aborts', async () => {
    // Arrange
    const fetchFn = fakeFetch({ '/config.json': { hang: true } });
    const controller = new AbortController();

    // Act
    const loading = loadRuntimeConfig(fetchFn, { signal: controller.signal });
    controller.abort();

    // Assert
    await expect(loading).rejects.toHaveProperty('name', 'AbortError');
  });
});

describe('servicesToCheck', () => {
  it('orders services as the contract lists them', () => {
    // Arrange
    const config = runtimeConfigSchema.parse({
      apiUrl: 'http://a.test',
      wsUrl: 'ws://a.test',
      services: { 'code-runner': 'http://c.test', 'chat-api': 'http://a.test' },
    });

    // Act
    const services = servicesToCheck(config);

    // Assert
    expect(services).toEqual([
      { name: 'chat-api', url: 'http://a.test' },
      { name: 'code-runner', url: 'http://c.test' },
    ]);
  });

  it('falls back to chat-api at apiUrl', () => {
    // Arrange
    const config = runtimeConfigSchema.parse({ apiUrl: 'http://a.test/v1', wsUrl: 'ws://a.test' });

    // Act
    const services = servicesToCheck(config);

    // Assert
    expect(services).toEqual([{ name: 'chat-api', url: 'http://a.test/v1' }]);
  });
});
