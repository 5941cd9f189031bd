import { fireEvent, render, screen, within } from '@testing-library/react';

import { PlatformStatus } from './platform-status';
import { deferred, fakeFetch, type FakeRoute, healthBody } from './test-support/fake-fetch';

const CONFIG_URL = '/config.json';

const validConfig = {
  apiUrl: 'https://api.lgm.test/prod',
  wsUrl: 'wss://ws.lgm.test/prod',
  services: {
    'chat-api': 'https://api.lgm.test/prod',
    'mcp-server': 'https://mcp.lgm.test',
    'code-runner': 'http://localhost:4105/',
  },
};

function serviceItem(name: string): HTMLElement {
  return screen.getByRole('listitem', { name });
}

async function findSummary(text: RegExp): Promise<HTMLElement> {
  const summary = await screen.findByRole('status');
  await screen.findByText(text);
  return summary;
}

describe('PlatformStatus', () => {
  it('shows loading states, then the status and version of each service', async () => {
    // Arrange
    const config = deferred<FakeRoute>();
    const chatApi = deferred<FakeRoute>();
    const fetchFn = fakeFetch({
      [CONFIG_URL]: { pending: config.promise },
      'https://api.lgm.test/prod/health': { pending: chatApi.promise },
      'https://mcp.lgm.test/health': {
        json: healthBody('mcp-server', {
          status: 'degraded',
          version: '0.9.0',
          checks: { registry: { status: 'degraded', detail: 'DynamoDB throttled' } },
        }),
      },
      'http://localhost:4105/health': {
        status: 503,
        json: healthBody('code-runner', { status: 'down', version: '2.0.0' }),
      },
    });

    // Act
    render(<PlatformStatus fetchFn={fetchFn} />);

    // Assert: the configuration is loading
    const summary = screen.getByRole('status');
    expect(summary.getAttribute('aria-live')).toBe('polite');
    expect(summary.textContent).toBe('Loading the runtime configuration…');
    expect(
      (screen.getByRole('button', { name: 'Check again' }) as HTMLButtonElement).disabled,
    ).toBe(true);

    // Act: the configuration arrives, chat-api has not answered yet
    config.resolve({ json: validConfig });

    // Assert
    await screen.findByText('Checking 3 services…');
    expect(within(serviceItem('Chat API')).getByText('checking')).toBeTruthy();
    await screen.findByText('down');
    expect(within(serviceItem('Chat API')).getByText('checking')).toBeTruthy();

    // Act: chat-api answers
    chatApi.resolve({ json: healthBody('chat-api', { version: '1.4.2' }) });

    // Assert
    await findSummary(/1 of 3 services operational; 2 need attention\./);
    const chat = serviceItem('Chat API');
    expect(within(chat).getByText('ok')).toBeTruthy();
    expect(within(chat).getByText('1.4.2')).toBeTruthy();
    const mcp = serviceItem('MCP tool server');
    expect(within(mcp).getByText('degraded')).toBeTruthy();
    expect(within(mcp).getByText('0.9.0')).toBeTruthy();
    expect(
      within(mcp).getByRole('list', { name: 'MCP tool server failing checks' }).textContent,
    ).toBe('registry: degraded — DynamoDB throttled');
    const runner = serviceItem('Code runner');
    expect(within(runner).getByText('down')).toBeTruthy();
    expect(within(runner).getByText('2.0.0')).toBeTruthy();
    const list = screen.getByRole('list', { name: 'Services' });
    const rows = within(list)
      .getAllByRole('listitem')
      .filter((item) => item.parentElement === list);
    expect(rows.map((row) => row.querySelector('h3')?.textContent)).toEqual([
      'Chat API',
      'MCP tool server',
      'Code runner',
    ]);
    expect(
      (screen.getByRole('button', { name: 'Check again' }) as HTMLButtonElement).disabled,
    ).toBe(false);
    expect(fetchFn.calls).toEqual([
      CONFIG_URL,
      'https://api.lgm.test/prod/health',
      'https://mcp.lgm.test/health',
      'http://localhost:4105/health',
    ]);
  });

  it('shows a service whose health check fails as unreachable', async () => {
    // Arrange
    const fetchFn = fakeFetch({
      [CONFIG_URL]: { json: validConfig },
      'https://api.lgm.test/prod/health': { json: healthBody('chat-api') },
      'https://mcp.lgm.test/health': { reject: new TypeError('Failed to fetch') },
      'http://localhost:4105/health': { status: 502, text: '<html>Bad Gateway</html>' },
    });

    // Act
    render(<PlatformStatus fetchFn={fetchFn} />);

    // Assert
    await findSummary(/1 of 3 services operational; 2 need attention\./);
    expect(within(serviceItem('Chat API')).getByText('ok')).toBeTruthy();
    const mcp = serviceItem('MCP tool server');
    expect(within(mcp).getByText('unreachable')).toBeTruthy();
    expect(mcp.textContent).toContain('No connection (network error or CORS refusal).');
    const runner = serviceItem('Code runner');
    expect(within(runner).getByText('unreachable')).toBeTruthy();
    expect(runner.textContent).toContain('Answered HTTP 502.');
  });

  it('shows a service that does not answer in time as unreachable', async () => {
    // Arrange
    const fetchFn = fakeFetch({
      [CONFIG_URL]: { json: { ...validConfig, services: { 'ws-gateway': 'http://127.0.0.1:1' } } },
      'http://127.0.0.1:1/health': { hang: true },
    });

    // Act
    render(<PlatformStatus fetchFn={fetchFn} healthTimeoutMs={20} />);

    // Assert
    await findSummary(/0 of 1 service operational; 1 needs attention\./);
    const gateway = serviceItem('Streaming gateway');
    expect(within(gateway).getByText('unreachable')).toBeTruthy();
    expect(gateway.textContent).toContain('No answer within 0.02 s.');
  });

  it('shows a service answering as another service as unreachable', async () => {
    // Arrange
    const fetchFn = fakeFetch({
      [CONFIG_URL]: { json: { ...validConfig, services: { 'doc-ingestor': 'https://x.test' } } },
      'https://x.test/health': { json: healthBody('chat-api') },
    });

    // Act
    render(<PlatformStatus fetchFn={fetchFn} />);

    // Assert
    await findSummary(/0 of 1 service operational/);
    expect(serviceItem('Document ingestion').textContent).toContain(
      'Answered as chat-api; check the URL in config.json.',
    );
  });

  it('checks chat-api at apiUrl when the configuration lists no services', async () => {
    // Arrange
    const { services: _omitted, ...withoutServices } = validConfig;
    const fetchFn = fakeFetch({
      [CONFIG_URL]: { json: withoutServices },
      'https://api.lgm.test/prod/health': { json: healthBody('chat-api') },
    });

    // Act
    render(<PlatformStatus fetchFn={fetchFn} />);

    // Assert
    await findSummary(/The service is operational\./);
    expect(within(serviceItem('Chat API')).getByText('ok')).toBeTruthy();
  });

  it('shows a clear error when config.json has the wrong shape', async () => {
    // Arrange
    const fetchFn = fakeFetch({
      [CONFIG_URL]: {
        json: {
          apiUrl: 'not a url',
          wsUrl: 'https://ws.lgm.test',
          services: { billing: 'https://b.test' },
        },
      },
    });

    // Act
    render(<PlatformStatus fetchFn={fetchFn} />);

    // Assert
    const alert = await screen.findByRole('alert');
    expect(within(alert).getByRole('heading').textContent).toBe('Invalid runtime configuration');
    expect(alert.textContent).toContain('/config.json does not have the expected shape.');
    const problems = within(alert)
      .getAllByRole('listitem')
      .map((item) => item.textContent);
    expect(problems).toContain('apiUrl: must be an http(s) URL');
    expect(problems).toContain('wsUrl: must be a ws(s) URL');
    expect(problems).toContain(
      'services: unknown service billing; expected chat-api, ws-gateway, doc-ingestor, mcp-server, code-runner',
    );
    expect(screen.getByRole('status').textContent).toMatch(/platform status is unavailable/);
    expect(screen.queryByRole('list', { name: 'Services' })).toBeNull();
    expect(fetchFn.calls).toEqual([CONFIG_URL]);
  });

  it.each<[string, FakeRoute]>([
    ['a 404', { status: 404, text: 'Not Found' }],
    ['an HTML fallback page', { text: '<!doctype html><html></html>' }],
  ])('explains how to provide config.json when the server answers %s', async (_case, route) => {
    // Arrange
    const fetchFn = fakeFetch({ [CONFIG_URL]: route });

    // Act
    render(<PlatformStatus fetchFn={fetchFn} />);

    // Assert
    const alert = await screen.findByRole('alert');
    expect(within(alert).getByRole('heading').textContent).toBe('Runtime configuration not found');
    expect(alert.textContent).toContain('apps/web/public/config.json');
  });

  it('says when config.json cannot be fetched at all', async () => {
    // Arrange
    const fetchFn = fakeFetch({});

    // Act
    render(<PlatformStatus fetchFn={fetchFn} configUrl="/settings/config.json" />);

    // Assert
    const alert = await screen.findByRole('alert');
    expect(within(alert).getByRole('heading').textContent).toBe(
      'Runtime configuration unreachable',
    );
    expect(alert.textContent).toContain('Could not load /settings/config.json');
  });

  it('checks again on request', async () => {
    // Arrange
    let healthy = false;
    const fetchFn = fakeFetch({
      [CONFIG_URL]: { json: { ...validConfig, services: { 'chat-api': 'https://api.lgm.test' } } },
      get 'https://api.lgm.test/health'(): FakeRoute {
        return healthy ? { json: healthBody('chat-api') } : { status: 503, text: '' };
      },
    });
    render(<PlatformStatus fetchFn={fetchFn} />);
    await findSummary(/0 of 1 service operational/);
    healthy = true;

    // Act
    fireEvent.click(screen.getByRole('button', { name: 'Check again' }));

    // Assert
    await findSummary(/The service is operational\./);
    expect(within(serviceItem('Chat API')).getByText('ok')).toBeTruthy();
    expect(fetchFn.calls.filter((url) => url === CONFIG_URL)).toHaveLength(2);
  });
});
