// The highlighted excerpt of a search result: the text around the first match, HTML-escaped, every match of a
// term wrapped in <mark>. Made here (not by the database) so both providers give the same snippet.

/** Characters of context shown before the first match, and the excerpt's length. */
const BEFORE = 40;
const LENGTH = 160;

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Whether the text holds any of the terms (case-insensitive). */
export function mentions(text: string, terms: string[]): boolean {
  return terms.length > 0 && new RegExp(terms.map(escapeRegExp).join('|'), 'iu').test(text);
}

/**
 * An HTML fragment safe to insert as is: the excerpt of `text` (white space collapsed) starting a little before
 * the first match, with `…` where it was cut and each match in <mark>.
 */
export function snippet(text: string, terms: string[]): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  const pattern = terms.length
    ? new RegExp(
        terms
          .map(escapeRegExp)
          .sort((a, b) => b.length - a.length)
          .join('|'),
        'giu',
      )
    : null;
  const first = pattern ? flat.search(new RegExp(pattern.source, 'iu')) : -1;
  let start = Math.max(0, first - BEFORE);
  // do not cut a surrogate pair or start mid-word when a space is near
  if (start > 0) {
    const space = flat.lastIndexOf(' ', start + 10);
    if (space > start - 10 && space < first) start = space + 1;
    if (/[\uDC00-\uDFFF]/.test(flat[start] ?? '')) start--;
  }
  let end = Math.min(flat.length, start + LENGTH);
  if (/[\uDC00-\uDFFF]/.test(flat[end] ?? '')) end++;
  const part = flat.slice(start, end);
  let html = '';
  let at = 0;
  for (const m of pattern ? part.matchAll(pattern) : []) {
    html += escapeHtml(part.slice(at, m.index)) + '<mark>' + escapeHtml(m[0]) + '</mark>';
    at = m.index + m[0].length;
  }
  html += escapeHtml(part.slice(at));
  return (start > 0 ? '…' : '') + html + (end < flat.length ? '…' : '');
}
