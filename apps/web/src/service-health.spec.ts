import { checkServiceHealth, healthUrl } from './service-health';
import { fakeFetch, healthBody } from './test-support/fake-fetch';

describe('healthUrl', () => {
  it.each([
    ['https://api.lgm.test', 'https://api.lgm.test/health'],
    ['https://api.lgm.test/', 'https://api.lgm.test/health'],
    ['https://api.lgm.test/prod', 'https://api.lgm.test/prod/health'],
    ['http://localhost:4101/prod/', 'http://localhost:4101/prod/health'],
  ])('appends /health to %s, keeping the stage path', (base, expected) => {
    expect(healthUrl(base)).toBe(expected);
  });
});

describe('checkServiceHealth', () => {
  it('returns the parsed report and the latency', async () => {
    // Arrange
    const fetchFn = fakeFetch({ 'https://m.test/health': { json: healthBody('mcp-server') } });
    const times = [100, 142];

    // Act
    const health = await checkServiceHealth(fetchFn, 'mcp-server', 'https://m.test', {
      now: () => times.shift() ?? 0,
    });

    // Assert
    expect(health).toEqual({
      state: 'reported',
      latencyMs: 42,
      health: healthBody('mcp-server'),
    });
  });

  it('reports a service that says it is down with HTTP 503, not as unreachable', async () => {
    // Arrange
    const fetchFn = fakeFetch({
      'https://m.test/health': { status: 503, json: healthBody('mcp-server', { status: 'down' }) },
    });

    // Act
    const health = await checkServiceHealth(fetchFn, 'mcp-server', 'https://m.test');

    // Assert
    expect(health.state === 'reported' && health.health.status).toBe('down');
  });

  it('treats a 200 with a body outside the contract as unreachable', async () => {
    // Arrange
    const fetchFn = fakeFetch({ 'https://m.test/health': { json: { status: 'fine' } } });

    // Act
    const health = await checkServiceHealth(fetchFn, 'mcp-server', 'https://m.test');

    // Assert
    expect(health).toEqual({
      state: 'unreachable',
      reason: { kind: 'unexpected' },
    });
  });

  it('rethrows when the caller aborts, instead of reporting a timeout', async () => {
    // Arrange
    const fetchFn = fakeFetch({ 'https://m.test/health': { hang: true } });
    const controller = new AbortController();

    // Act
    const checking = checkServiceHealth(fetchFn, 'mcp-server', 'https://m.test', {
      signal: controller.signal,
    });
    controller.abort();

    // Assert
    await expect(checking).rejects.toHaveProperty('name', 'AbortError');
  });
});
