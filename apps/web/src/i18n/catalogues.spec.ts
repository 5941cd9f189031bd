import { en } from './en';
import {
  CATALOGUES,
  createTranslator,
  detectLocale,
  interpolate,
  LOCALES,
  placeholders,
} from './i18n';

describe('message catalogues', () => {
  const englishKeys = Object.keys(en).sort();

  it.each(LOCALES)('%s has exactly the English keys', (locale) => {
    expect(Object.keys(CATALOGUES[locale]).sort()).toEqual(englishKeys);
  });

  it.each(LOCALES)('%s has no empty message', (locale) => {
    const empty = Object.entries(CATALOGUES[locale]).filter(([, message]) => !message.trim());
    expect(empty).toEqual([]);
  });

  it.each(LOCALES)('%s uses the same placeholders as English in every message', (locale) => {
    const mismatched = englishKeys.filter((key) => {
      const english = placeholders(en[key as keyof typeof en]);
      const translated = placeholders(CATALOGUES[locale][key as keyof typeof en]);
      return JSON.stringify(english) !== JSON.stringify(translated);
    });
    expect(mismatched).toEqual([]);
  });

  it('has both plural forms wherever one is given', () => {
    const ones = englishKeys.filter((key) => key.endsWith('.one'));
    const missing = ones.filter((key) => !englishKeys.includes(key.replace(/\.one$/, '.other')));
    expect(missing).toEqual([]);
  });

  it('is translated: most Korean messages differ from the English ones', () => {
    const same = englishKeys.filter(
      (key) => CATALOGUES.ko[key as keyof typeof en] === en[key as keyof typeof en],
    );
    // Product names, URLs and codes stay as they are; everything else is Korean.
    expect(same.length).toBeLessThan(englishKeys.length * 0.05);
  });
});

describe('translator', () => {
  it('fills placeholders and chooses plural forms by the locale’s rules', () => {
    // Arrange
    const english = createTranslator('en');
    const korean = createTranslator('ko');

    // Act / Assert
    expect(english.plural('documents.count', 1)).toBe('1 document');
    expect(english.plural('documents.count', 1200)).toBe('1,200 documents');
    expect(korean.plural('documents.count', 3)).toBe('문서 3개');
    expect(english.t('sessions.rename', { title: 'Q3' })).toBe('Rename “Q3”');
    expect(korean.t('tools.download', { name: 'plot.png' })).toBe('plot.png 다운로드');
  });

  it('leaves an unknown placeholder visible', () => {
    expect(interpolate('Hello {name} {other}', { name: 'Ana' })).toBe('Hello Ana {other}');
  });

  it('formats relative times in the locale', () => {
    const now = Date.parse('2026-05-01T12:00:00Z');
    expect(createTranslator('en').formatRelative('2026-05-01T11:57:00Z', now)).toBe(
      '3 minutes ago',
    );
    expect(createTranslator('ko').formatRelative('2026-04-30T12:00:00Z', now)).toBe('어제');
    expect(createTranslator('en').formatRelative('2026-05-01T11:59:50Z', now)).toBe('just now');
  });
});

describe('detectLocale', () => {
  it.each([
    [['ko-KR', 'en-US'], 'ko'],
    [['fr-FR', 'ko'], 'ko'],
    [['en-GB'], 'en'],
    [['ja-JP'], 'en'],
    [[], 'en'],
    [undefined, 'en'],
  ])('%j → %s', (languages, expected) => {
    expect(detectLocale(languages)).toBe(expected);
  });
});
