import { type JSX, useEffect } from 'react';

import { useAuth } from '../auth/auth-context';
import type { FetchLike } from '../fetch-like';
import { useI18n } from '../i18n/i18n';
import { PlatformStatus } from '../platform-status';
import { usePreferences } from '../preferences/preferences';
import { AlertIcon, BookIcon, SparkIcon, TerminalIcon, ToolIcon } from '../ui/icons';

/** What a signed-out visitor sees: what LGM is, and the way in. */
export function LandingPage({
  fetchFn,
  configUrl,
}: {
  fetchFn: FetchLike;
  configUrl?: string;
}): JSX.Element {
  const { t } = useI18n();
  const { state, signIn } = useAuth();
  const { locale, setLocale } = usePreferences();
  const unconfigured = state.status === 'unconfigured';
  const expired = state.status === 'signed-out' && state.expired;

  useEffect(() => {
    document.title = `LGM · ${t('landing.tagline')}`;
  }, [t]);

  const pillars = [
    {
      icon: <BookIcon />,
      title: t('landing.pillar.documents.title'),
      text: t('landing.pillar.documents.text'),
    },
    {
      icon: <ToolIcon />,
      title: t('landing.pillar.tools.title'),
      text: t('landing.pillar.tools.text'),
    },
    {
      icon: <TerminalIcon />,
      title: t('landing.pillar.code.title'),
      text: t('landing.pillar.code.text'),
    },
  ];

  return (
    <div className="landing">
      <a className="skip-link" href="#main">
        {t('shell.skip')}
      </a>
      <header className="landing-header">
        <span className="brand">
          <span className="brand-mark" aria-hidden="true">
            <SparkIcon size={16} />
          </span>
          <span className="brand-name">LGM</span>
        </span>
        <div className="landing-header-actions">
          <button
            type="button"
            className="button button-ghost"
            lang={locale === 'en' ? 'ko' : 'en'}
            onClick={() => setLocale(locale === 'en' ? 'ko' : 'en')}
          >
            {locale === 'en' ? '한국어' : 'English'}
          </button>
          {!unconfigured && (
            <button
              type="button"
              className="button button-secondary"
              onClick={() => void signIn('/chat')}
            >
              {t('landing.signIn')}
            </button>
          )}
        </div>
      </header>
      <main id="main" className="landing-main" tabIndex={-1}>
        <section className="hero" aria-labelledby="hero-title">
          <p className="hero-eyebrow">{t('landing.tagline')}</p>
          <h1 id="hero-title">{t('landing.title')}</h1>
          <p className="hero-lead">{t('landing.lead')}</p>
          {expired && (
            <p className="notice notice-info" role="status">
              <AlertIcon size={16} /> {t('landing.expired')}
            </p>
          )}
          {unconfigured ? (
            <p className="notice notice-error" role="alert">
              <AlertIcon size={16} /> {t('landing.unconfigured')}
            </p>
          ) : (
            <div className="hero-actions">
              <button
                type="button"
                className="button button-large"
                onClick={() => void signIn('/chat')}
                data-testid="sign-in"
              >
                {t('landing.signInCta')}
              </button>
            </div>
          )}
        </section>
        <ul className="pillars" aria-label={t('landing.pillars')}>
          {pillars.map((pillar) => (
            <li key={pillar.title} className="pillar">
              <span className="pillar-icon" aria-hidden="true">
                {pillar.icon}
              </span>
              <h2 className="pillar-title">{pillar.title}</h2>
              <p>{pillar.text}</p>
            </li>
          ))}
        </ul>
        <PlatformStatus fetchFn={fetchFn} configUrl={configUrl} />
      </main>
      <footer className="landing-footer">
        <p>{t('landing.footer')}</p>
      </footer>
    </div>
  );
}
