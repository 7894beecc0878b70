// One shape for every language of the panel: a language is a copy of the English tree with every leaf a
// string, so a key missing (or extra) in a translation fails the typecheck.
import { locales as adminjsLocales } from 'adminjs';
import type { en } from './en.js';

/** The same tree as T, every leaf a string. */
export type Shape<T> = { [K in keyof T]: T[K] extends string ? string : Shape<T[K]> };

/** The panel's own words. */
export type PanelTranslations = Shape<typeof en>;

/** AdminJS's stock words (its English file is the shape). */
export const adminjsEn = adminjsLocales.en as unknown as AdminJsStock;
export type AdminJsStock = {
  actions: Record<'new' | 'edit' | 'show' | 'delete' | 'bulkDelete' | 'list', string>;
  buttons: Record<
    | 'save'
    | 'addNewItem'
    | 'filter'
    | 'filterActive'
    | 'applyChanges'
    | 'resetFilter'
    | 'confirmRemovalMany'
    | 'confirmRemovalMany_plural'
    | 'logout'
    | 'login'
    | 'seeTheDocumentation'
    | 'createFirstRecord'
    | 'cancel'
    | 'confirm'
    | 'contactUs',
    string
  >;
  components: {
    DropZone: Record<'placeholder' | 'acceptedSize' | 'acceptedType' | 'unsupportedSize' | 'unsupportedType', string>;
    LanguageSelector: { availableLanguages: Record<'de' | 'en' | 'es' | 'it' | 'ja' | 'pl' | 'pt-BR' | 'ua' | 'zh-CN', string> };
    Login: { welcomeHeader: string; welcomeMessage: string; properties: { email: string; password: string }; loginButton: string };
  };
  labels: Record<'navigation' | 'pages' | 'selectedRecords' | 'filters' | 'adminVersion' | 'appVersion' | 'dashboard', string>;
  properties: Record<'length' | 'from' | 'to', string>;
  messages: Record<string, string>;
};
