// The pieces of search that need no database: the MariaDB tokens of a text and of a query, and the snippet.
import { describe, expect, it } from '@jest/globals';
import { bigrams, queryTerms } from '../../src/search/grams.js';
import { snippet } from '../../src/search/snippet.js';

const hex = (s: string) => Buffer.from(s, 'utf8').toString('hex');

describe('bigrams', () => {
  it('are the distinct 2-character substrings of each run of letters and digits, lower-cased, as hex words', () => {
    expect(bigrams('자유게시판에')).toEqual(['자유', '유게', '게시', '시판', '판에'].map(hex));
    expect(bigrams('Node.js 2x, node')).toEqual(['no', 'od', 'de', 'js', '2x'].map(hex));
    // a query's bigrams are among the bigrams of every text holding it
    const text = new Set(bigrams('오늘 자유게시판에 글을 썼다'));
    expect(bigrams('게시판').every((g) => text.has(g))).toBe(true);
  });

  it('never cross white space or punctuation, and a single character has none', () => {
    expect(bigrams('a b. c')).toEqual([]);
    expect(bigrams('밥')).toEqual([]);
    // astral characters count as one character
    expect(bigrams('𝐀𝐁')).toEqual([hex('𝐀𝐁')]);
  });
});

describe('queryTerms', () => {
  it('splits at white space, lower-cases, drops repeats, keeps at most 8', () => {
    expect(queryTerms('  게시판  Hello\thello  ')).toEqual(['게시판', 'hello']);
    expect(queryTerms('a b c d e f g h i j')).toHaveLength(8);
  });
});

describe('snippet', () => {
  it('marks every match case-insensitively and escapes the rest', () => {
    expect(snippet('Use <b>Search</b> & search', ['search'])).toBe('Use &lt;b&gt;<mark>Search</mark>&lt;/b&gt; &amp; <mark>search</mark>');
  });

  it('starts a little before the first match of a long text and marks the cuts', () => {
    const text = `${'앞부분 '.repeat(100)}자유게시판에 글${' 뒷부분'.repeat(100)}`;
    const s = snippet(text, ['게시판']);
    expect(s.startsWith('…')).toBe(true);
    expect(s.endsWith('…')).toBe(true);
    expect(s).toContain('자유<mark>게시판</mark>에');
    expect(s.replace(/<\/?mark>/g, '').length).toBeLessThanOrEqual(170);
  });

  it('prefers the longer term where two overlap, and never splits a surrogate pair', () => {
    expect(snippet('게시판', ['게시', '게시판'])).toBe('<mark>게시판</mark>');
    const s = snippet(`${'😀'.repeat(200)} end`, ['end']);
    expect(s).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/);
  });
});
