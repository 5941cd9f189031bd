import { createContext, type JSX, type ReactNode, useContext, useMemo } from 'react';

import { en, type MessageKey } from './en';
import { ko } from './ko';

/** The languages the UI is written in. */
export const LOCALES = ['en', 'ko'] as const;
export type Locale = (typeof LOCALES)[number];

/** Every catalogue has every key of the English one (checked by the compiler and a test). */
export type Catalogue = Readonly<Record<MessageKey, string>>;

export const CATALOGUES: Readonly<Record<Locale, Catalogue>> = { en, ko };

export type MessageParams = Readonly<Record<string, string | number>>;

/** Plural forms a key can have, as `<key>.one` / `<key>.other` (Intl.PluralRules categories). */
type PluralBase<K extends string> = K extends `${infer Base}.other` ? Base : never;
export type PluralKey = PluralBase<MessageKey>;

export interface Translator {
  readonly locale: Locale;
  /** The message for `key` with `{name}` placeholders filled from `params`. */
  t(key: MessageKey, params?: MessageParams): string;
  /** `<key>.one` or `<key>.other` by the locale's plural rules, with `{count}` filled. */
  plural(key: PluralKey, count: number, params?: MessageParams): string;
  formatNumber(value: number, options?: Intl.NumberFormatOptions): string;
  formatDate(value: Date | string | number, options?: Intl.DateTimeFormatOptions): string;
  /** "3 minutes ago", "yesterday". */
  formatRelative(value: Date | string | number, now?: number): string;
}

/**
 * The best UI language for the browser's preferences: the first of `navigator.languages` we have,
 * by its primary subtag (`ko-KR` → `ko`), else English.
 */
export function detectLocale(languages: readonly string[] | undefined): Locale {
  for (const tag of languages ?? []) {
    const primary = tag.toLowerCase().split('-')[0];
    const match = LOCALES.find((locale) => locale === primary);
    if (match) return match;
  }
  return 'en';
}

export function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && (LOCALES as readonly string[]).includes(value);
}

/** Fills `{name}` placeholders; unknown placeholders stay visible so a missing param is noticed. */
export function interpolate(message: string, params: MessageParams | undefined): string {
  if (!params) return message;
  return message.replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in params ? String(params[name]) : whole,
  );
}

/** The placeholder names a message uses, for the catalogue completeness test. */
export function placeholders(message: string): string[] {
  return [...message.matchAll(/\{(\w+)\}/g)].map((match) => match[1] ?? '').sort();
}

export function createTranslator(locale: Locale): Translator {
  const catalogue = CATALOGUES[locale];
  const pluralRules = new Intl.PluralRules(locale);
  const t = (key: MessageKey, params?: MessageParams): string =>
    interpolate(catalogue[key] ?? en[key], params);
  const relative = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' });
  return {
    locale,
    t,
    plural(key, count, params) {
      const category = pluralRules.select(count);
      const candidate = `${key}.${category}`;
      const chosen = (candidate in catalogue ? candidate : `${key}.other`) as MessageKey;
      return t(chosen, { count: new Intl.NumberFormat(locale).format(count), ...params });
    },
    formatNumber: (value, options) => new Intl.NumberFormat(locale, options).format(value),
    formatDate: (value, options) =>
      new Intl.DateTimeFormat(
        locale,
        options ?? { dateStyle: 'medium', timeStyle: 'short' },
      ).format(new Date(value)),
    formatRelative(value, now = Date.now()) {
      const seconds = Math.round((new Date(value).getTime() - now) / 1000);
      const steps: [Intl.RelativeTimeFormatUnit, number][] = [
        ['second', 60],
        ['minute', 60],
        ['hour', 24],
        ['day', 7],
        ['week', 4.35],
        ['month', 12],
        ['year', Number.POSITIVE_INFINITY],
      ];
      let amount = seconds;
      for (const [unit, size] of steps) {
        if (Math.abs(amount) < size) {
          return unit === 'second' && Math.abs(amount) < 45
            ? t('time.justNow')
            : relative.format(Math.round(amount), unit);
        }
        amount /= size;
      }
      return relative.format(Math.round(amount), 'year');
    },
  };
}

const I18nContext = createContext<Translator>(createTranslator('en'));

export function I18nProvider({
  locale,
  children,
}: {
  locale: Locale;
  children: ReactNode;
}): JSX.Element {
  const translator = useMemo(() => createTranslator(locale), [locale]);
  return <I18nContext.Provider value={translator}>{children}</I18nContext.Provider>;
}

/** The translator of the current UI language. */
export function useI18n(): Translator {
  return useContext(I18nContext);
}
