import type { JSX, ReactNode } from 'react';

import { ApiError } from '../api/api-client';
import { useI18n } from '../i18n/i18n';
import { AlertIcon } from './icons';

export function Spinner({ size = 18 }: { size?: number }): JSX.Element {
  return <span className="spinner" style={{ width: size, height: size }} aria-hidden="true" />;
}

/** A placeholder while something loads, announced politely to screen readers. */
export function LoadingState({ label }: { label: string }): JSX.Element {
  return (
    <div className="state state-loading" role="status" aria-live="polite">
      <Spinner size={22} />
      <span>{label}</span>
    </div>
  );
}

/** Grey bars in the shape of the content that is loading. */
export function Skeleton({ lines = 3, label }: { lines?: number; label: string }): JSX.Element {
  return (
    <div className="skeleton" role="status" aria-label={label}>
      {Array.from({ length: lines }, (_, index) => (
        <span key={index} className="skeleton-line" style={{ width: `${92 - index * 17}%` }} />
      ))}
    </div>
  );
}

export function EmptyState({
  icon,
  title,
  children,
  action,
}: {
  icon?: ReactNode;
  title: string;
  children?: ReactNode;
  action?: ReactNode;
}): JSX.Element {
  return (
    <div className="state state-empty">
      {icon && <div className="state-icon">{icon}</div>}
      <h2 className="state-title">{title}</h2>
      {children && <div className="state-body">{children}</div>}
      {action && <div className="state-action">{action}</div>}
    </div>
  );
}

/** What went wrong, in the UI's language, from an API error code. */
export function useErrorMessage(): (error: unknown) => string {
  const { t } = useI18n();
  return (error) => {
    if (error instanceof ApiError) {
      switch (error.code) {
        case 'NETWORK_ERROR':
          return t('error.network');
        case 'UNAUTHORIZED':
        case 'TOKEN_EXPIRED':
          return t('error.unauthorized');
        case 'RATE_LIMITED':
          return t('error.rateLimited');
        default:
          if (error.status === 404) return t('error.notFound');
          if (error.status >= 500 || error.status === 0) return t('error.server');
          return error.message || t('error.generic');
      }
    }
    return t('error.generic');
  };
}

export function ErrorState({
  title,
  error,
  onRetry,
  compact = false,
}: {
  title: string;
  error?: unknown;
  onRetry?: () => void;
  compact?: boolean;
}): JSX.Element {
  const { t } = useI18n();
  const describe = useErrorMessage();
  return (
    <div className={`state state-error${compact ? ' state-compact' : ''}`} role="alert">
      <div className="state-icon state-icon-error">
        <AlertIcon size={compact ? 18 : 24} />
      </div>
      <div>
        <h2 className="state-title">{title}</h2>
        {error !== undefined && <p className="state-body">{describe(error)}</p>}
      </div>
      {onRetry && (
        <button type="button" className="button button-secondary" onClick={onRetry}>
          {t('action.retry')}
        </button>
      )}
    </div>
  );
}
