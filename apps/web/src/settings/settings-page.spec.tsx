import { fireEvent, screen, waitFor, within } from '@testing-library/react';

import { fakeBackend } from '../test-support/fake-backend';
import { renderApp } from '../test-support/render-app';

async function openSettings(backend = fakeBackend()) {
  const view = renderApp({ path: '/settings', backend });
  await screen.findByRole('heading', { name: 'Settings', level: 1 });
  return { ...view, backend };
}

describe('SettingsPage', () => {
  it('switches the interface to Korean and remembers it', async () => {
    // Arrange
    const { storage } = await openSettings();

    // Act
    fireEvent.change(screen.getByRole('combobox', { name: 'Language' }), {
      target: { value: 'ko' },
    });

    // Assert
    expect(await screen.findByRole('heading', { name: '설정', level: 1 })).toBeTruthy();
    expect(screen.getByRole('link', { name: '문서' })).toBeTruthy();
    expect(document.documentElement.lang).toBe('ko');
    expect(storage.values.get('lgm.locale')).toBe('ko');
  });

  it('applies the theme to the document', async () => {
    // Arrange
    const { storage } = await openSettings();
    const themes = screen.getByRole('radiogroup', { name: 'Theme' });

    // Act
    fireEvent.click(within(themes).getByRole('radio', { name: 'Dark' }));

    // Assert
    expect(document.documentElement.getAttribute('data-theme')).toBe('dark');
    expect(within(themes).getByRole('radio', { name: 'Dark' }).getAttribute('aria-checked')).toBe(
      'true',
    );
    expect(storage.values.get('lgm.theme')).toBe('dark');

    // Act
    fireEvent.click(within(themes).getByRole('radio', { name: 'System' }));

    // Assert
    expect(document.documentElement.hasAttribute('data-theme')).toBe(false);
  });

  it('registers and unregisters an MCP server', async () => {
    // Arrange
    const { backend } = await openSettings();
    const section = screen.getByRole('region', { name: 'Tool servers (MCP)' });
    await within(section).findByRole('heading', { name: 'No tool servers' });

    // Act: an invalid name first
    fireEvent.change(within(section).getByRole('textbox', { name: 'Name' }), {
      target: { value: 'bad name!' },
    });
    fireEvent.change(within(section).getByRole('textbox', { name: 'URL' }), {
      target: { value: 'https://mcp.example.com/mcp' },
    });
    fireEvent.click(within(section).getByRole('button', { name: 'Register' }));
    const error = within(section).getByRole('alert').textContent;
    fireEvent.change(within(section).getByRole('textbox', { name: 'Name' }), {
      target: { value: 'weather' },
    });
    fireEvent.click(within(section).getByRole('button', { name: 'Register' }));

    // Assert
    expect(error).toContain('Use 1 to 32 letters');
    expect(await within(section).findByRole('heading', { name: 'weather' })).toBeTruthy();
    expect(backend.callsTo('POST', '/tools/servers')[0]?.body).toEqual({
      name: 'weather',
      url: 'https://mcp.example.com/mcp',
    });

    // Act
    fireEvent.click(within(section).getByRole('button', { name: 'Unregister weather' }));
    fireEvent.click(within(screen.getByRole('dialog')).getByRole('button', { name: 'Unregister' }));

    // Assert
    await waitFor(() =>
      expect(backend.callsTo('DELETE', '/tools/servers/weather')).toHaveLength(1),
    );
    expect(await within(section).findByRole('heading', { name: 'No tool servers' })).toBeTruthy();
  });

  it('charts usage by day and model, with totals', async () => {
    // Arrange
    const backend = fakeBackend();
    const today = new Date();
    const day = (offset: number) =>
      new Date(today.getTime() - offset * 86_400_000).toISOString().slice(0, 10);
    backend.setUsage({
      from: day(29),
      to: day(0),
      rows: [
        {
          day: day(1),
          modelId: 'anthropic.claude',
          inputTokens: 1200,
          outputTokens: 300,
          costUsd: 0.42,
        },
        {
          day: day(0),
          modelId: 'amazon.nova-lite',
          inputTokens: 500,
          outputTokens: 100,
          costUsd: 0.01,
        },
      ],
      totals: { inputTokens: 1700, outputTokens: 400, costUsd: 0.43 },
    });

    // Act
    await openSettings(backend);
    const section = screen.getByRole('region', { name: 'Usage' });
    const tokens = (await within(section).findByRole('img')).getAttribute('aria-label');
    fireEvent.click(within(section).getByRole('radio', { name: 'Cost' }));

    // Assert
    expect(tokens).toContain('2.1K in total');
    expect(within(section).getByRole('img').getAttribute('aria-label')).toContain('$0.43 in total');
    expect(section.textContent).toContain('1,700');
    expect(within(section).getAllByRole('row')).toHaveLength(3);
    expect(backend.callsTo('GET', '/usage')[0]?.query.get('from')).toBe(day(29));
  });

  it('lists the keyboard shortcuts', async () => {
    // Act
    await openSettings();

    // Assert
    const section = screen.getByRole('region', { name: 'Keyboard shortcuts' });
    expect(section.textContent).toContain('New chat');
    expect(section.textContent).toContain('Esc');
  });
});
