// The panel's languages: English and Korean, chosen per operator. The account's setting (`User.locale`)
// wins; without one, the browser's Accept-Language decides (English when it names neither). The language
// of a request is kept in AsyncLocalStorage, so AdminJS's page (its `locale` option is a function) and the
// notices and errors the actions build all speak it without passing it around.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { NextFunction, Request, Response } from 'express';
import { locales, type Locale } from '../../src/users/schemas.js';
import { adminjsKo } from './adminjs-ko.js';
import { en } from './en.js';
import { ko, problemsKo } from './ko.js';
import type { PanelTranslations } from './types.js';

export { locales, type Locale };

const panel: Record<Locale, PanelTranslations> = { en, ko };

/** Every language's tree as AdminJS takes it: Korean over AdminJS's stock words (AdminJS ships English itself). */
const translations = {
  en,
  ko: {
    ...ko,
    actions: { ...adminjsKo.actions, ...ko.actions },
    buttons: { ...adminjsKo.buttons, ...ko.buttons },
    labels: { ...adminjsKo.labels, ...ko.labels },
    properties: adminjsKo.properties,
    messages: { ...adminjsKo.messages, ...ko.messages },
    components: { ...adminjsKo.components, ...ko.components },
  },
};

export const isLocale = (v: unknown): v is Locale => typeof v === 'string' && (locales as readonly string[]).includes(v);

/** The first of the panel's languages an Accept-Language header asks for (by q-value), or English. */
export function fromAcceptLanguage(header: string | undefined): Locale {
  if (!header) return 'en';
  const wanted = header
    .split(',')
    .map((part, i) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
      return { lang: tag.trim().toLowerCase().split('-')[0] ?? '', q: q ? Number(q.slice(2)) : 1, i };
    })
    .filter((w) => w.lang && Number.isFinite(w.q) && w.q > 0)
    .sort((a, b) => b.q - a.q || a.i - b.i);
  return wanted.map((w) => w.lang).find(isLocale) ?? 'en';
}

const current = new AsyncLocalStorage<{ language: Locale }>();

/** The language of the request being served (English outside one). */
export function panelLanguage(): Locale {
  return current.getStore()?.language ?? 'en';
}

/**
 * Express middleware: the request's language, from the signed-in operator's setting (`locale` on the session's
 * operator, re-read from the account on every request) or else Accept-Language.
 */
export function languageOf(operator: () => { locale?: unknown } | undefined) {
  return (req: Request, _res: Response, next: NextFunction) => {
    const chosen = operator()?.locale;
    const language = isLocale(chosen) ? chosen : fromAcceptLanguage(req.get('accept-language'));
    current.run({ language }, next);
  };
}

/** AdminJS's `locale` option: the request's language, both languages on offer (the top bar's switch). */
export function panelLocale() {
  return {
    language: panelLanguage(),
    availableLanguages: [...locales],
    // i18next's debug log (on in AdminJS's development bundle) warns of the backend the panel does not use
    debug: false,
    translations,
  };
}

type MessageKey = keyof PanelTranslations['messages'];

/** A message of the panel in the request's language, `{{name}}` placeholders filled. */
export function t(key: MessageKey, vars: Record<string, string | number> = {}): string {
  const text = panel[panelLanguage()].messages[key];
  return text.replace(/\{\{(\w+)\}\}/g, (_m, name: string) => String(vars[name] ?? ''));
}

/** A service's problem as the operator reads it: the code's message in their language, else the service's. */
export function problemText(code: string | undefined, message: string): string {
  if (panelLanguage() === 'ko' && code && problemsKo[code]) return problemsKo[code];
  return message;
}
