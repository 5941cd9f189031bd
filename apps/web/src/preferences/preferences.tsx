import {
  createContext,
  type JSX,
  type ReactNode,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useState,
} from 'react';

import { detectLocale, I18nProvider, isLocale, type Locale } from '../i18n/i18n';

export const THEMES = ['system', 'light', 'dark'] as const;
export type ThemePreference = (typeof THEMES)[number];

export interface Preferences {
  /** The stored choice, else the browser's language. */
  readonly locale: Locale;
  readonly theme: ThemePreference;
}

/** Where preferences persist. `window.localStorage` in the browser; a Map in tests. */
export interface PreferenceStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

const LOCALE_KEY = 'lgm.locale';
const THEME_KEY = 'lgm.theme';

/** Reads stored preferences, falling back to the browser's language and the system theme. */
export function readPreferences(
  storage: PreferenceStorage | undefined,
  languages: readonly string[] | undefined,
): Preferences {
  const storedLocale = safeGet(storage, LOCALE_KEY);
  const storedTheme = safeGet(storage, THEME_KEY);
  return {
    locale: isLocale(storedLocale) ? storedLocale : detectLocale(languages),
    theme: (THEMES as readonly string[]).includes(storedTheme ?? '')
      ? (storedTheme as ThemePreference)
      : 'system',
  };
}

function safeGet(storage: PreferenceStorage | undefined, key: string): string | null {
  try {
    return storage?.getItem(key) ?? null;
  } catch {
    // Storage can throw in private modes or when disabled by policy: use defaults.
    return null;
  }
}

function safeSet(storage: PreferenceStorage | undefined, key: string, value: string): void {
  try {
    storage?.setItem(key, value);
  } catch {
    // Not persisting a preference is not worth interrupting the user for.
  }
}

/**
 * Applies the theme and language to `<html>`: `data-theme` drives the palette in styles.css
 * (`system` leaves it to `prefers-color-scheme`), and `lang` lets the browser pick Hangul fonts
 * and line breaking rules.
 */
export function applyDocumentPreferences(root: HTMLElement, preferences: Preferences): void {
  if (preferences.theme === 'system') root.removeAttribute('data-theme');
  else root.setAttribute('data-theme', preferences.theme);
  root.lang = preferences.locale;
}

interface PreferencesContextValue extends Preferences {
  setLocale(locale: Locale): void;
  setTheme(theme: ThemePreference): void;
}

const PreferencesContext = createContext<PreferencesContextValue | undefined>(undefined);

export function PreferencesProvider({
  initial,
  storage,
  children,
}: {
  initial: Preferences;
  storage?: PreferenceStorage;
  children: ReactNode;
}): JSX.Element {
  const [preferences, setPreferences] = useState(initial);

  useEffect(() => {
    applyDocumentPreferences(document.documentElement, preferences);
  }, [preferences]);

  const setLocale = useCallback(
    (locale: Locale) => {
      safeSet(storage, LOCALE_KEY, locale);
      setPreferences((current) => ({ ...current, locale }));
    },
    [storage],
  );
  const setTheme = useCallback(
    (theme: ThemePreference) => {
      safeSet(storage, THEME_KEY, theme);
      setPreferences((current) => ({ ...current, theme }));
    },
    [storage],
  );
  const value = useMemo(
    () => ({ ...preferences, setLocale, setTheme }),
    [preferences, setLocale, setTheme],
  );
  return (
    <PreferencesContext.Provider value={value}>
      <I18nProvider locale={preferences.locale}>{children}</I18nProvider>
    </PreferencesContext.Provider>
  );
}

export function usePreferences(): PreferencesContextValue {
  const value = useContext(PreferencesContext);
  if (!value) throw new Error('usePreferences needs a PreferencesProvider');
  return value;
}
