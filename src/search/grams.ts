// Text → search terms and index tokens. SQLite's FTS5 trigram tokenizer needs nothing from here but the terms;
// MariaDB's FULLTEXT parser splits words only at spaces and punctuation (a run of Hangul is one word) and drops
// words shorter than innodb_ft_min_token_size (3 by default), so on MariaDB the index holds, for each run of
// letters and digits, every 2-character substring (a bigram), lower-cased and written as hex: "자유게시판" →
// 자유 유게 게시 시판 판, each as an ASCII word the default parser keeps whole. See docs/decisions/0008-search.md.

/** A run of letters, marks and digits: what a bigram never crosses. */
const RUN = /[\p{L}\p{M}\p{N}]+/gu;

const hex = (s: string) => Buffer.from(s, 'utf8').toString('hex');

/** The distinct bigram tokens of a text (hex), in the order first seen. */
export function bigrams(text: string): string[] {
  const out = new Set<string>();
  for (const run of text.toLowerCase().match(RUN) ?? []) {
    const chars = [...run];
    for (let i = 0; i + 1 < chars.length; i++) out.add(hex(chars[i] + chars[i + 1]));
  }
  return [...out];
}

/** What a document's tokens column holds: its bigrams, space-separated. */
export const gramText = (...texts: string[]): string => bigrams(texts.join(' ')).join(' ');

/** The most terms a query is split into; later ones are ignored. */
export const MAX_TERMS = 8;

/** A query's terms: split at white space, lower-cased, distinct, at most MAX_TERMS. A document matches when it holds every term. */
export function queryTerms(q: string): string[] {
  return [...new Set(q.toLowerCase().split(/\s+/u).filter(Boolean))].slice(0, MAX_TERMS);
}

/** Code points, not UTF-16 units: what "3 characters" means to the trigram tokenizer. */
export const charLength = (s: string): number => [...s].length;
