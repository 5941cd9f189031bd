import type { ServiceName } from '@lgm/contracts';
import { type JSX, useCallback, useEffect, useState } from 'react';

import type { FetchLike } from './fetch-like';
import type { MessageKey } from './i18n/en';
import { type Translator, useI18n } from './i18n/i18n';
import { loadRuntimeConfig, type RuntimeConfigResult, servicesToCheck } from './runtime-config';
import {
  checkServiceHealth,
  type DisplayStatus,
  displayStatus,
  type ServiceHealth,
  type UnreachableReason,
} from './service-health';

export interface PlatformStatusProps {
  /** Used for config.json and every health check. */
  readonly fetchFn: FetchLike;
  readonly configUrl?: string;
  readonly healthTimeoutMs?: number;
}

interface ServiceRow {
  readonly name: ServiceName;
  readonly url: string;
  readonly health: ServiceHealth;
}

type PanelState =
  | { readonly phase: 'loading-config' }
  | { readonly phase: 'config-error'; readonly result: Extract<RuntimeConfigResult, { ok: false }> }
  | { readonly phase: 'checking'; readonly services: readonly ServiceRow[] };

export const SERVICE_LABELS: Readonly<Record<ServiceName, MessageKey>> = {
  'chat-api': 'status.service.chat-api',
  'ws-gateway': 'status.service.ws-gateway',
  'doc-ingestor': 'status.service.doc-ingestor',
  'mcp-server': 'status.service.mcp-server',
  'code-runner': 'status.service.code-runner',
};

const STATUS_LABELS: Readonly<Record<DisplayStatus | 'checking', MessageKey>> = {
  checking: 'status.state.checking',
  ok: 'status.state.ok',
  degraded: 'status.state.degraded',
  down: 'status.state.down',
  unreachable: 'status.state.unreachable',
};

/**
 * Loads `/config.json`, then asks every configured service for its health and shows the answers
 * as they arrive. "Check again" repeats both steps.
 */
export function PlatformStatus({
  fetchFn,
  configUrl,
  healthTimeoutMs,
}: PlatformStatusProps): JSX.Element {
  const i18n = useI18n();
  const { t } = i18n;
  const [state, setState] = useState<PanelState>({ phase: 'loading-config' });
  const [round, setRound] = useState(0);

  useEffect(() => {
    const controller = new AbortController();
    const { signal } = controller;
    setState({ phase: 'loading-config' });

    const run = async (): Promise<void> => {
      const result = await loadRuntimeConfig(fetchFn, { url: configUrl, signal });
      if (!result.ok) {
        setState({ phase: 'config-error', result });
        return;
      }
      const services = servicesToCheck(result.config);
      setState({
        phase: 'checking',
        services: services.map((service) => ({ ...service, health: { state: 'checking' } })),
      });
      await Promise.all(
        services.map(async ({ name, url }) => {
          const health = await checkServiceHealth(fetchFn, name, url, {
            signal,
            timeoutMs: healthTimeoutMs,
          });
          setState((current) =>
            current.phase === 'checking'
              ? {
                  ...current,
                  services: current.services.map((row) =>
                    row.name === name ? { ...row, health } : row,
                  ),
                }
              : current,
          );
        }),
      );
    };

    run().catch((error: unknown) => {
      // Aborted because the panel unmounted or a new round started: nothing to show.
      if (signal.aborted) return;
      const message = error instanceof Error ? error.message : String(error);
      setState({
        phase: 'config-error',
        result: { ok: false, reason: 'unreachable', message, issues: [] },
      });
    });
    return () => controller.abort();
  }, [fetchFn, configUrl, healthTimeoutMs, round]);

  const checkAgain = useCallback(() => setRound((n) => n + 1), []);
  const busy =
    state.phase === 'loading-config' ||
    (state.phase === 'checking' && state.services.some((row) => row.health.state === 'checking'));

  return (
    <section className="panel status-panel" aria-labelledby="platform-status-heading">
      <div className="panel-header">
        <h2 id="platform-status-heading">{t('status.title')}</h2>
        <button
          type="button"
          className="button button-secondary"
          onClick={checkAgain}
          disabled={busy}
        >
          {t('status.checkAgain')}
        </button>
      </div>
      <p className="status-summary" role="status" aria-live="polite">
        {summarize(state, i18n)}
      </p>
      {state.phase === 'config-error' && <ConfigError result={state.result} />}
      {state.phase === 'checking' && state.services.length > 0 && (
        <ul className="service-list" aria-label={t('status.services')} aria-busy={busy}>
          {state.services.map((row) => (
            <ServiceItem key={row.name} row={row} />
          ))}
        </ul>
      )}
    </section>
  );
}

function summarize(state: PanelState, { t, plural }: Translator): string {
  switch (state.phase) {
    case 'loading-config':
      return t('status.loadingConfig');
    case 'config-error':
      return t('status.unavailable');
    case 'checking': {
      const total = state.services.length;
      if (total === 0) return t('status.noServices');
      const pending = state.services.filter((row) => row.health.state === 'checking').length;
      if (pending > 0) return plural('status.checking', total);
      const ok = state.services.filter((row) => displayStatus(row.health) === 'ok').length;
      if (ok === total) return plural('status.allOk', total);
      return t('status.someDown', {
        ok,
        services: plural('status.serviceCount', total),
        attention: plural('status.needAttention', total - ok),
      });
    }
  }
}

function ConfigError({
  result,
}: {
  result: Extract<RuntimeConfigResult, { ok: false }>;
}): JSX.Element {
  const { t } = useI18n();
  const title = t(`status.config.${result.reason}`);
  return (
    <div className="notice notice-error" role="alert">
      <h3>{title}</h3>
      <p>{result.message}</p>
      {result.issues.length > 0 && (
        <ul className="issue-list" aria-label={t('status.config.problems')}>
          {result.issues.map((issue) => (
            <li key={issue}>
              <code>{issue}</code>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function ServiceItem({ row }: { row: ServiceRow }): JSX.Element {
  const { t } = useI18n();
  const status = displayStatus(row.health);
  const label = t(SERVICE_LABELS[row.name]);
  const headingId = `service-${row.name}`;
  return (
    <li className="service" aria-labelledby={headingId}>
      <div className="service-main">
        <h3 id={headingId} className="service-name">
          {label}
        </h3>
        <span className={`badge badge-${status}`}>
          <span className="badge-dot" aria-hidden="true" />
          {t(STATUS_LABELS[status])}
        </span>
      </div>
      <ServiceDetails row={row} />
    </li>
  );
}

function describeReason(reason: UnreachableReason, t: Translator['t']): string {
  switch (reason.kind) {
    case 'timeout':
      return t('status.reason.timeout', { seconds: reason.seconds });
    case 'network':
      return t('status.reason.network');
    case 'http':
      return t('status.reason.http', { status: reason.status });
    case 'unexpected':
      return t('status.reason.unexpected');
    case 'wrong-service':
      return t('status.reason.wrongService', { service: reason.service });
    case 'error':
      return t('status.reason.error', { message: reason.message });
  }
}

function ServiceDetails({ row }: { row: ServiceRow }): JSX.Element {
  const { t, formatNumber } = useI18n();
  const { health } = row;
  if (health.state === 'checking') {
    return <p className="service-meta">{t('status.asking', { url: row.url })}</p>;
  }
  if (health.state === 'unreachable') {
    return (
      <p className="service-meta">
        <span className="service-reason">{describeReason(health.reason, t)}</span>{' '}
        <span className="service-url">{row.url}</span>
      </p>
    );
  }
  const failing = Object.entries(health.health.checks).filter(([, check]) => check.status !== 'ok');
  return (
    <>
      <dl className="service-meta service-facts">
        <div>
          <dt>{t('status.version')}</dt>
          <dd>{health.health.version}</dd>
        </div>
        <div>
          <dt>{t('status.latency')}</dt>
          <dd>
            {formatNumber(Math.max(0, Math.round(health.latencyMs)), {
              style: 'unit',
              unit: 'millisecond',
            })}
          </dd>
        </div>
        <div className="service-url-fact">
          <dt>{t('status.url')}</dt>
          <dd className="service-url">{row.url}</dd>
        </div>
      </dl>
      {failing.length > 0 && (
        <ul
          className="check-list"
          aria-label={t('status.failingChecks', { service: t(SERVICE_LABELS[row.name]) })}
        >
          {failing.map(([name, check]) => (
            <li key={name}>
              <strong>{name}</strong>: {check.status}
              {check.detail ? ` — ${check.detail}` : ''}
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
