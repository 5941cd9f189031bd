import { mcpServerNameSchema, type McpServerView, type UsageResponse } from '@lgm/contracts';
import { type FormEvent, type JSX, useCallback, useEffect, useId, useState } from 'react';

import { useServices } from '../app/services';
import { useAuth } from '../auth/auth-context';
import { useI18n } from '../i18n/i18n';
import { PlatformStatus } from '../platform-status';
import { type ThemePreference, THEMES, usePreferences } from '../preferences/preferences';
import { SHORTCUTS } from '../shell/shortcuts';
import { ConfirmDialog } from '../ui/dialog';
import { formatUsd } from '../ui/format';
import {
  ChartIcon,
  GlobeIcon,
  KeyboardIcon,
  MonitorIcon,
  MoonIcon,
  ServerIcon,
  SignOutIcon,
  SunIcon,
  TrashIcon,
} from '../ui/icons';
import { EmptyState, ErrorState, Skeleton, useErrorMessage } from '../ui/states';
import { useToast } from '../ui/toast';
import { UsageChart, type UsageMetric } from './usage-chart';

/** Appearance, language, tools, usage, account. */
export function SettingsPage(): JSX.Element {
  const { t } = useI18n();
  const { fetchFn } = useServices();
  useEffect(() => {
    document.title = `${t('settings.title')} · LGM`;
  }, [t]);
  return (
    <div className="page settings-page">
      <header className="page-header">
        <div>
          <h1>{t('settings.title')}</h1>
          <p className="page-lead">{t('settings.lead')}</p>
        </div>
      </header>
      <AppearanceSection />
      <McpServersSection />
      <UsageSection />
      <ShortcutsSection />
      <AccountSection />
      <PlatformStatus fetchFn={fetchFn} />
    </div>
  );
}

const THEME_ICONS: Readonly<Record<ThemePreference, JSX.Element>> = {
  system: <MonitorIcon size={16} />,
  light: <SunIcon size={16} />,
  dark: <MoonIcon size={16} />,
};

function AppearanceSection(): JSX.Element {
  const { t } = useI18n();
  const { theme, setTheme, locale, setLocale } = usePreferences();
  const languageId = useId();
  return (
    <section className="card settings-section" aria-labelledby="appearance-heading">
      <h2 id="appearance-heading" className="section-title">
        <GlobeIcon size={18} /> {t('settings.appearance')}
      </h2>
      <div className="setting-row">
        <div>
          <p className="setting-label" id="theme-label">
            {t('settings.theme')}
          </p>
          <p className="setting-hint">{t('settings.themeHint')}</p>
        </div>
        <div className="segmented" role="radiogroup" aria-labelledby="theme-label">
          {THEMES.map((option) => (
            <button
              key={option}
              type="button"
              role="radio"
              aria-checked={theme === option}
              className={`segment${theme === option ? ' segment-active' : ''}`}
              onClick={() => setTheme(option)}
            >
              {THEME_ICONS[option]}
              {t(`settings.theme.${option}`)}
            </button>
          ))}
        </div>
      </div>
      <div className="setting-row">
        <div>
          <label className="setting-label" htmlFor={languageId}>
            {t('settings.language')}
          </label>
          <p className="setting-hint">{t('settings.languageHint')}</p>
        </div>
        <select
          id={languageId}
          className="select"
          value={locale}
          onChange={(event) => setLocale(event.target.value === 'ko' ? 'ko' : 'en')}
        >
          <option value="en" lang="en">
            English
          </option>
          <option value="ko" lang="ko">
            한국어
          </option>
        </select>
      </div>
    </section>
  );
}

type ToolsState =
  | { readonly status: 'loading' }
  | { readonly status: 'error'; readonly error: unknown }
  | { readonly status: 'ready'; readonly servers: readonly McpServerView[] };

function McpServersSection(): JSX.Element {
  const { api } = useServices();
  const { t, formatRelative } = useI18n();
  const toast = useToast();
  const describe = useErrorMessage();
  const [state, setState] = useState<ToolsState>({ status: 'loading' });
  const [round, setRound] = useState(0);
  const [name, setName] = useState('');
  const [url, setUrl] = useState('');
  const [formError, setFormError] = useState<string>();
  const [saving, setSaving] = useState(false);
  const [removing, setRemoving] = useState<McpServerView>();
  const nameId = useId();
  const urlId = useId();

  useEffect(() => {
    const controller = new AbortController();
    setState({ status: 'loading' });
    api.listTools(controller.signal).then(
      (result) => setState({ status: 'ready', servers: result.servers }),
      (error: unknown) => !controller.signal.aborted && setState({ status: 'error', error }),
    );
    return () => controller.abort();
  }, [api, round]);

  const register = async (event: FormEvent) => {
    event.preventDefault();
    setFormError(undefined);
    if (!mcpServerNameSchema.safeParse(name).success) {
      setFormError(t('mcp.nameInvalid'));
      return;
    }
    if (!/^https?:\/\//i.test(url.trim())) {
      setFormError(t('mcp.urlInvalid'));
      return;
    }
    setSaving(true);
    try {
      await api.registerMcpServer({ name, url: url.trim() });
      setName('');
      setUrl('');
      toast.show('success', t('mcp.registered', { name }));
      setRound((n) => n + 1);
    } catch (error) {
      setFormError(describe(error));
    } finally {
      setSaving(false);
    }
  };

  const unregister = async () => {
    if (!removing) return;
    try {
      await api.unregisterMcpServer(removing.name);
      toast.show('success', t('mcp.unregistered', { name: removing.name }));
      setRound((n) => n + 1);
    } catch (error) {
      toast.show('error', describe(error));
    } finally {
      setRemoving(undefined);
    }
  };

  return (
    <section className="card settings-section" aria-labelledby="mcp-heading">
      <h2 id="mcp-heading" className="section-title">
        <ServerIcon size={18} /> {t('mcp.title')}
      </h2>
      <p className="setting-hint">{t('mcp.lead')}</p>
      {state.status === 'loading' && <Skeleton lines={2} label={t('mcp.loading')} />}
      {state.status === 'error' && (
        <ErrorState
          compact
          title={t('mcp.loadFailed')}
          error={state.error}
          onRetry={() => setRound((n) => n + 1)}
        />
      )}
      {state.status === 'ready' && state.servers.length === 0 && (
        <EmptyState title={t('mcp.empty.title')}>
          <p>{t('mcp.empty.body')}</p>
        </EmptyState>
      )}
      {state.status === 'ready' && state.servers.length > 0 && (
        <ul className="server-list" aria-label={t('mcp.title')}>
          {state.servers.map((server) => (
            <li key={server.id} className="server-row" aria-labelledby={`server-${server.id}`}>
              <div className="server-main">
                <h3 id={`server-${server.id}`} className="server-name">
                  {server.name}
                </h3>
                <p className="server-url">{server.url}</p>
                {server.tools === null ? (
                  <p className="setting-hint">{t('mcp.toolsUnknown')}</p>
                ) : (
                  <ul className="tool-chips" aria-label={t('mcp.tools', { name: server.name })}>
                    {server.tools.map((tool) => (
                      <li key={tool.name} className="tool-chip" title={tool.description}>
                        {tool.name}
                      </li>
                    ))}
                  </ul>
                )}
                {server.toolsFetchedAt && (
                  <p className="setting-hint">
                    {t('mcp.fetched', { when: formatRelative(server.toolsFetchedAt) })}
                  </p>
                )}
              </div>
              <button
                type="button"
                className="icon-button icon-button-danger"
                onClick={() => setRemoving(server)}
                aria-label={t('mcp.unregister', { name: server.name })}
              >
                <TrashIcon size={16} />
              </button>
            </li>
          ))}
        </ul>
      )}
      <form className="server-form" onSubmit={(event) => void register(event)} noValidate>
        <h3 className="form-title">{t('mcp.add')}</h3>
        <div className="form-grid">
          <div className="field">
            <label htmlFor={nameId}>{t('mcp.name')}</label>
            <input
              id={nameId}
              value={name}
              onChange={(event) => setName(event.target.value)}
              placeholder="weather"
              autoComplete="off"
              spellCheck={false}
              aria-describedby={`${nameId}-hint`}
            />
            <p id={`${nameId}-hint`} className="field-hint">
              {t('mcp.nameHint')}
            </p>
          </div>
          <div className="field field-wide">
            <label htmlFor={urlId}>{t('mcp.url')}</label>
            <input
              id={urlId}
              type="url"
              value={url}
              onChange={(event) => setUrl(event.target.value)}
              placeholder="https://mcp.example.com/mcp"
              autoComplete="off"
              spellCheck={false}
            />
          </div>
        </div>
        {formError && (
          <p className="form-error" role="alert">
            {formError}
          </p>
        )}
        <button type="submit" className="button" disabled={saving || !name || !url}>
          {t('mcp.register')}
        </button>
      </form>
      {removing && (
        <ConfirmDialog
          title={t('mcp.unregisterTitle')}
          body={<p>{t('mcp.unregisterBody', { name: removing.name })}</p>}
          confirmLabel={t('mcp.unregisterConfirm')}
          onConfirm={() => void unregister()}
          onCancel={() => setRemoving(undefined)}
        />
      )}
    </section>
  );
}

const RANGES = [7, 30, 90] as const;

/** `YYYY-MM-DD` of today minus `days - 1` (UTC), so the range holds `days` days. */
function rangeOf(days: number, now = new Date()): { from: string; to: string } {
  const to = now.toISOString().slice(0, 10);
  const from = new Date(now.getTime() - (days - 1) * 86_400_000).toISOString().slice(0, 10);
  return { from, to };
}

function UsageSection(): JSX.Element {
  const { api } = useServices();
  const { t, locale, formatNumber } = useI18n();
  const [days, setDays] = useState<(typeof RANGES)[number]>(30);
  const [metric, setMetric] = useState<UsageMetric>('tokens');
  const [state, setState] = useState<
    | { status: 'loading' }
    | { status: 'error'; error: unknown }
    | { status: 'ready'; usage: UsageResponse }
  >({ status: 'loading' });
  const [round, setRound] = useState(0);
  const load = useCallback(
    (signal: AbortSignal) => {
      setState({ status: 'loading' });
      api.usage(rangeOf(days), signal).then(
        (usage) => setState({ status: 'ready', usage }),
        (error: unknown) => !signal.aborted && setState({ status: 'error', error }),
      );
    },
    [api, days],
  );
  useEffect(() => {
    const controller = new AbortController();
    load(controller.signal);
    return () => controller.abort();
  }, [load, round]);

  return (
    <section className="card settings-section" aria-labelledby="usage-heading">
      <div className="section-header">
        <h2 id="usage-heading" className="section-title">
          <ChartIcon size={18} /> {t('usage.title')}
        </h2>
        <div className="usage-controls">
          <div
            className="segmented segmented-small"
            role="radiogroup"
            aria-label={t('usage.metric')}
          >
            {(['tokens', 'cost'] as const).map((option) => (
              <button
                key={option}
                type="button"
                role="radio"
                aria-checked={metric === option}
                className={`segment${metric === option ? ' segment-active' : ''}`}
                onClick={() => setMetric(option)}
              >
                {option === 'tokens' ? t('usage.tokens') : t('usage.cost')}
              </button>
            ))}
          </div>
          <label className="visually-hidden" htmlFor="usage-range">
            {t('usage.range')}
          </label>
          <select
            id="usage-range"
            className="select select-small"
            value={days}
            onChange={(event) => setDays(Number(event.target.value) as (typeof RANGES)[number])}
          >
            {RANGES.map((range) => (
              <option key={range} value={range}>
                {t('usage.lastDays', { days: range })}
              </option>
            ))}
          </select>
        </div>
      </div>
      {state.status === 'loading' && <Skeleton lines={4} label={t('usage.loading')} />}
      {state.status === 'error' && (
        <ErrorState
          compact
          title={t('usage.loadFailed')}
          error={state.error}
          onRetry={() => setRound((n) => n + 1)}
        />
      )}
      {state.status === 'ready' && (
        <>
          <dl className="usage-totals">
            <div>
              <dt>{t('usage.inputTokens')}</dt>
              <dd>{formatNumber(state.usage.totals.inputTokens)}</dd>
            </div>
            <div>
              <dt>{t('usage.outputTokens')}</dt>
              <dd>{formatNumber(state.usage.totals.outputTokens)}</dd>
            </div>
            <div>
              <dt>{t('usage.cost')}</dt>
              <dd>{formatUsd(state.usage.totals.costUsd, locale)}</dd>
            </div>
          </dl>
          {state.usage.rows.length === 0 ? (
            <EmptyState title={t('usage.empty.title')}>
              <p>{t('usage.empty.body')}</p>
            </EmptyState>
          ) : (
            <>
              <UsageChart
                rows={state.usage.rows}
                from={state.usage.from}
                to={state.usage.to}
                metric={metric}
              />
              <details className="usage-table">
                <summary>{t('usage.showTable')}</summary>
                <table>
                  <caption className="visually-hidden">{t('usage.title')}</caption>
                  <thead>
                    <tr>
                      <th scope="col">{t('usage.day')}</th>
                      <th scope="col">{t('usage.model')}</th>
                      <th scope="col">{t('usage.inputTokens')}</th>
                      <th scope="col">{t('usage.outputTokens')}</th>
                      <th scope="col">{t('usage.cost')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {state.usage.rows.map((row) => (
                      <tr key={`${row.day}-${row.modelId}`}>
                        <td>{row.day}</td>
                        <td>{row.modelId}</td>
                        <td>{formatNumber(row.inputTokens)}</td>
                        <td>{formatNumber(row.outputTokens)}</td>
                        <td>{formatUsd(row.costUsd, locale)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </details>
            </>
          )}
        </>
      )}
    </section>
  );
}

function ShortcutsSection(): JSX.Element {
  const { t } = useI18n();
  const mac = /Mac|iPhone|iPad/.test(navigator.platform ?? '');
  return (
    <section className="card settings-section" aria-labelledby="shortcuts-heading">
      <h2 id="shortcuts-heading" className="section-title">
        <KeyboardIcon size={18} /> {t('shortcuts.title')}
      </h2>
      <dl className="shortcut-list">
        {SHORTCUTS.map((shortcut) => (
          <div key={shortcut.action}>
            <dt>{t(shortcut.action)}</dt>
            <dd>
              {shortcut.keys(mac).map((key) => (
                <kbd key={key}>{key}</kbd>
              ))}
            </dd>
          </div>
        ))}
      </dl>
    </section>
  );
}

function AccountSection(): JSX.Element {
  const { t } = useI18n();
  const { state, signOut } = useAuth();
  const user = state.status === 'signed-in' ? state.user : undefined;
  return (
    <section className="card settings-section" aria-labelledby="account-heading">
      <h2 id="account-heading" className="section-title">
        {t('account.title')}
      </h2>
      <div className="setting-row">
        <div>
          <p className="setting-label">{user?.name ?? user?.email ?? user?.sub}</p>
          {user?.email && user.name && <p className="setting-hint">{user.email}</p>}
        </div>
        <button type="button" className="button button-secondary" onClick={() => void signOut()}>
          <SignOutIcon size={16} />
          {t('account.signOut')}
        </button>
      </div>
    </section>
  );
}
