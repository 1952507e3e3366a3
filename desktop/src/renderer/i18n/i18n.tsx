import { createContext, useCallback, useContext, useEffect, useMemo, type ReactNode } from 'react';
import type { Language } from '@govdesk/shared';
import { useCore, useCoreQuery } from '../data/core.tsx';

/**
 * UI text, dates and numbers in the chosen language. Each feature keeps its
 * own catalogue (`<feature>/labels.ts`), so adding a feature adds no key
 * anywhere else. The language itself is core's (`app.language`): one choice
 * per device, followed by every window and by Electron main's menus.
 */

/** A catalogue: the same keys in every language, zh-CN first. */
export interface Messages<K extends string> {
  readonly 'zh-CN': Readonly<Record<K, string>>;
  readonly en: Readonly<Record<K, string>>;
}

/** TypeScript refuses an English catalogue that lacks a key of the Chinese one, or has one more. */
export function defineMessages<const ZhCN extends Record<string, string>>(zhCN: ZhCN, en: Record<keyof ZhCN, string>): Messages<keyof ZhCN & string> {
  return { 'zh-CN': zhCN, en };
}

/** `{name}` in a message is replaced by `values.name`; numbers are written the language's way. */
export type Translate<K extends string> = (key: K, values?: Record<string, string | number>) => string;

interface I18n {
  language: Language;
  setLanguage(language: Language): void;
  translate<K extends string>(messages: Messages<K>, key: K, values?: Record<string, string | number>): string;
  /** A date and time, e.g. 2026/5/3 14:05:09 or 5/3/2026, 14:05:09. */
  dateTime(value: string | Date): string;
}

const I18nContext = createContext<I18n | null>(null);

/** Until core says, nothing is shown; a page that cannot reach core at all (no launch secret) is in Chinese. */
const WITHOUT_CORE: Language = 'zh-CN';

/** The language core keeps, for I18nProvider; switching asks core, which tells every window (this one too). */
export function CoreLanguage({ children }: { children: ReactNode }) {
  const api = useCore();
  const chosen = useCoreQuery('app.language', {}, { updateOn: { 'app.language': (choice) => choice } });
  const language = chosen.status === 'ready' ? chosen.data.language : chosen.status === 'failed' ? WITHOUT_CORE : null;
  const setLanguage = useCallback(
    (next: Language) => {
      api.call('app.setLanguage', { language: next }).catch((error: unknown) => console.error('GovDesk: the language could not be changed', error));
    },
    [api],
  );
  return (
    language && (
      <I18nProvider language={language} setLanguage={setLanguage}>
        {children}
      </I18nProvider>
    )
  );
}

export function I18nProvider({ language, setLanguage, children }: { language: Language; setLanguage(language: Language): void; children: ReactNode }) {
  useEffect(() => {
    // Screen readers, fonts and line breaking go by <html lang>.
    document.documentElement.lang = language;
  }, [language]);

  const value = useMemo<I18n>(() => {
    // Made when first needed: building an Intl formatter costs tens of milliseconds, on the first screen's path otherwise.
    let numbers: Intl.NumberFormat | undefined;
    let dates: Intl.DateTimeFormat | undefined;
    return {
      language,
      setLanguage,
      translate: (messages, key, values = {}) =>
        messages[language][key].replace(/\{(\w+)\}/g, (placeholder, name: string) => {
          const value = values[name];
          return value === undefined ? placeholder : typeof value === 'number' ? (numbers ??= new Intl.NumberFormat(language)).format(value) : value;
        }),
      dateTime: (value) =>
        (dates ??= new Intl.DateTimeFormat(language, { year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: '2-digit', second: '2-digit', hour12: false })).format(
          typeof value === 'string' ? new Date(value) : value,
        ),
    };
  }, [language, setLanguage]);

  return <I18nContext value={value}>{children}</I18nContext>;
}

export function useI18n(): I18n {
  const i18n = useContext(I18nContext);
  if (!i18n) throw new Error('useI18n outside I18nProvider');
  return i18n;
}

/** The `t` of one catalogue, in the current language. */
export function useMessages<K extends string>(messages: Messages<K>): Translate<K> {
  const { translate } = useI18n();
  return useCallback((key, values) => translate(messages, key, values), [translate, messages]);
}
