// The panel's translations: every English text of the panel, and every stock text of AdminJS, has a
// Korean one (not empty, with the same placeholders); the browser's Accept-Language picks a language.
import { describe, expect, it } from '@jest/globals';
import { adminjsKo } from '../../admin/locale/adminjs-ko.js';
import { en } from '../../admin/locale/en.js';
import { fromAcceptLanguage, panelLocale } from '../../admin/locale/index.js';
import { ko, problemsKo } from '../../admin/locale/ko.js';
import { adminjsEn } from '../../admin/locale/types.js';

/** Every leaf of a translation tree, by its dotted key. */
function leaves(tree: unknown, prefix = ''): Map<string, unknown> {
  const out = new Map<string, unknown>();
  if (tree === null || typeof tree !== 'object') return out.set(prefix, tree);
  for (const [k, v] of Object.entries(tree)) for (const [key, leaf] of leaves(v, prefix ? `${prefix}.${k}` : k)) out.set(key, leaf);
  return out;
}

const placeholders = (s: unknown) => [...String(s).matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]).sort();

describe('panel translations', () => {
  const pairs: [string, unknown, unknown][] = [
    ['panel', en, ko],
    ['AdminJS stock', adminjsEn, adminjsKo],
  ];

  it.each(pairs)('%s: every English key has a Korean text with the same placeholders, and no other key', (_name, english, korean) => {
    const e = leaves(english);
    const k = leaves(korean);
    expect(e.size).toBeGreaterThan(20);
    const missing = [...e.keys()].filter((key) => typeof k.get(key) !== 'string' || !(k.get(key) as string).trim());
    expect(missing).toEqual([]);
    expect([...k.keys()].filter((key) => !e.has(key))).toEqual([]);
    const mismatched = [...e.keys()].filter((key) => placeholders(e.get(key)).join() !== placeholders(k.get(key)).join());
    expect(mismatched).toEqual([]);
  });

  it('names every resource of the panel in both languages, in Korean script', () => {
    const resources = ['User', 'Board', 'UserBoardPermission', 'Post', 'Comment', 'ChatSession', 'Ai', 'AiLog', 'AuditLog'] as const;
    for (const r of resources) {
      expect(en.labels[r]).toBeTruthy();
      expect(ko.labels[r]).toMatch(/[\uAC00-\uD7A3]/);
      expect(Object.keys(ko.resources[r].properties).length).toBeGreaterThan(3);
    }
  });

  it('has a Korean message for the problem codes the panel shows', () => {
    for (const code of ['forbidden', 'required', 'too_long', 'already_exists', 'dataset_header', 'ai_training_in_progress']) expect(problemsKo[code]).toMatch(/[\uAC00-\uD7A3]/);
  });

  it("gives AdminJS both languages, Korean complete over AdminJS's stock words", () => {
    const locale = panelLocale();
    expect(locale.availableLanguages).toEqual(['en', 'ko']);
    expect(locale.language).toBe('en'); // outside a request
    expect(locale.translations.ko.buttons.filter).toBe(adminjsKo.buttons.filter);
    expect(locale.translations.ko.actions.ban).toBe(ko.actions.ban);
    expect(locale.translations.ko.messages.invalidCredentials).toBe(ko.messages.invalidCredentials);
  });
});

describe('Accept-Language', () => {
  it.each([
    [undefined, 'en'],
    ['', 'en'],
    ['ko-KR', 'ko'],
    ['ko-KR,ko;q=0.9,en-US;q=0.8,en;q=0.7', 'ko'],
    ['en-US,en;q=0.9,ko;q=0.8', 'en'],
    ['fr-FR, ko;q=0.5', 'ko'],
    ['en;q=0.2, ko;q=0.8', 'ko'],
    ['ko;q=0, en', 'en'],
    ['de, fr', 'en'],
    ['*', 'en'],
  ])('%j → %s', (header, language) => {
    expect(fromAcceptLanguage(header)).toBe(language);
  });
});
