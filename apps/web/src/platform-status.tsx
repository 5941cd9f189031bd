import type { ServiceName } from '@lgm/contracts';
import { type JSX, useCallback, useEffect, useState } from 'react';

import type { FetchLike } from './fetch-like';
import { loadRuntimeConfig, type RuntimeConfigResult, servicesToCheck } from './runtime-config';
import {
  checkServiceHealth,
  type DisplayStatus,
  displayStatus,
  type ServiceHealth,
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

export const SERVICE_LABELS: Readonly<Record<ServiceName, string>> = {
  'chat-api': 'Chat API',
  'ws-gateway': 'Streaming gateway',
  'doc-ingestor': 'Document ingestion',
  'mcp-server': 'MCP tool server',
  'code-runner': 'Code runner',
};

const STATUS_LABELS: Readonly<Record<DisplayStatus | 'checking', string>> = {
  checking: 'checking',
  ok: 'ok',
  degraded: 'degraded',
  down: 'down',
  unreachable: 'unreachable',
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
        <h2 id="platform-status-heading">Platform status</h2>
        <button type="button" className="button" onClick={checkAgain} disabled={busy}>
          Check again
        </button>
      </div>
      <p className="status-summary" role="status" aria-live="polite">
        {summarize(state)}
      </p>
      {state.phase === 'config-error' && <ConfigError result={state.result} />}
      {state.phase === 'checking' && state.services.length > 0 && (
        <ul className="service-list" aria-label="Services" aria-busy={busy}>
          {state.services.map((row) => (
            <ServiceItem key={row.name} row={row} />
          ))}
        </ul>
      )}
    </section>
  );
}

function summarize(state: PanelState): string {
  switch (state.phase) {
    case 'loading-config':
      return 'Loading the runtime configuration…';
    case 'config-error':
      return 'The platform status is unavailable: the runtime configuration could not be used.';
    case 'checking': {
      const total = state.services.length;
      if (total === 0) return 'The runtime configuration lists no services to check.';
      const pending = state.services.filter((row) => row.health.state === 'checking').length;
      if (pending > 0) return `Checking ${plural(total, 'service')}…`;
      const ok = state.services.filter((row) => displayStatus(row.health) === 'ok').length;
      if (ok === total) {
        return total === 1
          ? 'The service is operational.'
          : `All ${total} services are operational.`;
      }
      return `${ok} of ${plural(total, 'service')} operational; ${total - ok} need${
        total - ok === 1 ? 's' : ''
      } attention.`;
    }
  }
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

function ConfigError({
  result,
}: {
  result: Extract<RuntimeConfigResult, { ok: false }>;
}): JSX.Element {
  const title = {
    missing: 'Runtime configuration not found',
    unreachable: 'Runtime configuration unreachable',
    invalid: 'Invalid runtime configuration',
  }[result.reason];
  return (
    <div className="notice notice-error" role="alert">
      <h3>{title}</h3>
      <p>{result.message}</p>
      {result.issues.length > 0 && (
        <ul className="issue-list" aria-label="Configuration problems">
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
  const status = displayStatus(row.health);
  const label = SERVICE_LABELS[row.name];
  const headingId = `service-${row.name}`;
  return (
    <li className="service" aria-labelledby={headingId}>
      <div className="service-main">
        <h3 id={headingId} className="service-name">
          {label}
        </h3>
        <span className={`badge badge-${status}`}>
          <span className="badge-dot" aria-hidden="true" />
          {STATUS_LABELS[status]}
        </span>
      </div>
      <ServiceDetails row={row} />
    </li>
  );
}

function ServiceDetails({ row }: { row: ServiceRow }): JSX.Element {
  const { health } = row;
  if (health.state === 'checking') {
    return <p className="service-meta">Asking {row.url} for its health…</p>;
  }
  if (health.state === 'unreachable') {
    return (
      <p className="service-meta">
        <span className="service-reason">{capitalize(health.reason)}.</span>{' '}
        <span className="service-url">{row.url}</span>
      </p>
    );
  }
  const failing = Object.entries(health.health.checks).filter(([, check]) => check.status !== 'ok');
  return (
    <>
      <dl className="service-meta service-facts">
        <div>
          <dt>Version</dt>
          <dd>{health.health.version}</dd>
        </div>
        <div>
          <dt>Latency</dt>
          <dd>{Math.max(0, Math.round(health.latencyMs))} ms</dd>
        </div>
        <div className="service-url-fact">
          <dt>URL</dt>
          <dd className="service-url">{row.url}</dd>
        </div>
      </dl>
      {failing.length > 0 && (
        <ul className="check-list" aria-label={`${SERVICE_LABELS[row.name]} failing checks`}>
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

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
