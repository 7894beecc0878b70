// Search over post titles, post bodies and comments, for what the viewer may read: the boards the board policy
// lets them read (one board with `boardId`, a 404 when they may not), visible posts and comments only (staff,
// who read hidden content everywhere, find it too). Ranked by the index (FTS5 bm25 with titles weighted on
// SQLite; title matches, then FULLTEXT relevance on MariaDB), newest first among equals. See
// docs/decisions/0008-search.md for the two indexes and for queries too short for them.
import { access, type Viewer } from '../access/index.js';
import type { BoardPolicy } from '../boards/policy.js';
import type { BoardsService } from '../boards/service.js';
import type { Config } from '../config.js';
import { ValidationError } from '../errors.js';
import { decodeKey, encodeKey, invalidCursor, type Page } from '../http/pagination.js';
import { compile, fieldErrors } from '../http/schema.js';
import { Prisma, type Db } from '../platform/prisma.js';
import { bigrams, charLength, queryTerms } from './grams.js';
import { searchQuery, type SearchInput } from './schemas.js';
import { mentions, snippet } from './snippet.js';

export interface SearchHit {
  type: 'post' | 'comment';
  id: number;
  boardId: number;
  postId: number;
  /** The post's title (of the post a comment is under). */
  title: string;
  /** HTML: the excerpt around the first match, escaped, matches in <mark>. */
  snippet: string;
  author: { id: number; name: string };
  createDate: Date;
  isVisible: boolean;
}

/** How deep a result list may be paged (offset of the last page's end). */
export const MAX_RESULTS = 1000;
/**
 * Queries with no term the index can look up (every term shorter than 3 characters on SQLite, than 2 on
 * MariaDB, e.g. "AI" or "밥") are matched by scanning: only this many of the newest posts or comments the viewer
 * may read are searched, so their cost stays bounded.
 */
export const SHORT_QUERY_SCAN = 5000;

const validate = compile(searchQuery, true);

type Kind = 'post' | 'comment';
type Row = { id: number | bigint };

export class SearchService {
  constructor(
    private readonly prisma: Db,
    private readonly provider: Config['databaseProvider'],
    private readonly boards: BoardsService,
    private readonly policy: BoardPolicy,
  ) {}

  async search(viewer: Viewer | null, input: Partial<SearchInput> & { q: string }): Promise<Page<SearchHit>> {
    const query = { ...input };
    if (!validate(query)) throw ValidationError.of(fieldErrors(validate.errors, 'query'));
    const q = query as SearchInput;
    const offset = q.cursor ? decodeOffset(q.cursor) : 0;
    if (q.boardId !== undefined) await this.policy.requireRead(viewer, q.boardId);
    const boardIds = q.boardId !== undefined ? [q.boardId] : (await this.boards.list(viewer)).map((b) => b.id);
    if (!boardIds.length || offset >= MAX_RESULTS) return { items: [], nextCursor: null };
    const terms = queryTerms(q.q);
    const staff = q.type === 'post' ? access.can(viewer, 'post.moderate') : access.can(viewer, 'comment.moderate');
    const take = Math.min(q.limit, MAX_RESULTS - offset);
    const ids = await this.matchIds(q.type, terms, boardIds, staff, take + 1, offset);
    const items = await this.hits(q.type, ids.slice(0, take), terms);
    const more = ids.length > take && offset + take < MAX_RESULTS;
    return { items, nextCursor: more ? encodeKey([offset + take]) : null };
  }

  /** The ids of one page of matches, best first. */
  private async matchIds(kind: Kind, terms: string[], boardIds: number[], staff: boolean, take: number, offset: number): Promise<number[]> {
    const mysql = this.provider === 'mysql';
    // the terms the index can look up; the others are checked on the rows it returns
    const indexed = terms.filter((t) => (mysql ? bigrams(t).length > 0 : charLength(t) >= 3));
    const boards = Prisma.join(boardIds);
    const p = kind === 'post' ? Prisma.sql`p` : Prisma.sql`c`;
    const scope =
      kind === 'post'
        ? Prisma.sql`p.boardId IN (${boards})${staff ? Prisma.empty : Prisma.sql` AND p.isVisible = 1`}`
        : Prisma.sql`p.boardId IN (${boards})${staff ? Prisma.empty : Prisma.sql` AND p.isVisible = 1 AND c.isVisible = 1`}`;
    const contains = (t: string) =>
      kind === 'post'
        ? mysql
          ? Prisma.sql`(instr(p.name, ${t}) > 0 OR instr(p.content, ${t}) > 0)`
          : Prisma.sql`(instr(lower(p.name), ${t}) > 0 OR instr(lower(p.content), ${t}) > 0)`
        : mysql
          ? Prisma.sql`instr(c.content, ${t}) > 0`
          : Prisma.sql`instr(lower(c.content), ${t}) > 0`;
    // on SQLite the FTS phrase is the exact substring; on MariaDB bigrams only preselect, every term is checked
    const checked = mysql ? terms : terms.filter((t) => !indexed.includes(t));
    const checks = checked.length ? Prisma.sql` AND ${Prisma.join(checked.map(contains), ' AND ')}` : Prisma.empty;
    const from = kind === 'post' ? Prisma.sql`posts p` : Prisma.sql`comments c JOIN posts p ON p.id = c.postId`;
    let rows: Row[];
    if (!indexed.length) {
      // bounded scan of the newest rows the viewer may read
      rows = await this.prisma.$queryRaw<Row[]>`
        SELECT s.id FROM (SELECT ${p}.id FROM ${from} WHERE ${scope} ORDER BY ${p}.id DESC LIMIT ${SHORT_QUERY_SCAN}) s
          JOIN ${kind === 'post' ? Prisma.sql`posts p ON p.id = s.id` : Prisma.sql`comments c ON c.id = s.id JOIN posts p ON p.id = c.postId`}
         WHERE 1 = 1${checks} ORDER BY s.id DESC LIMIT ${take} OFFSET ${offset}`;
    } else if (mysql) {
      const against = indexed
        .flatMap((t) => bigrams(t))
        .filter((g, i, all) => all.indexOf(g) === i)
        .map((g) => `+${g}`)
        .join(' ');
      const fts = kind === 'post' ? Prisma.sql`posts_fts f ON f.postId = p.id` : Prisma.sql`comments_fts f ON f.commentId = c.id`;
      // posts: those whose title holds more of the words first
      const titleFirst =
        kind === 'post'
          ? Prisma.sql`${Prisma.join(
              terms.map((t) => Prisma.sql`(instr(p.name, ${t}) > 0)`),
              ' + ',
            )} DESC, `
          : Prisma.empty;
      rows = await this.prisma.$queryRaw<Row[]>`
        SELECT ${p}.id FROM ${from} JOIN ${fts}
         WHERE MATCH(f.grams) AGAINST (${against} IN BOOLEAN MODE) AND ${scope}${checks}
         ORDER BY ${titleFirst}MATCH(f.grams) AGAINST (${against} IN BOOLEAN MODE) DESC, ${p}.id DESC LIMIT ${take} OFFSET ${offset}`;
    } else {
      const match = indexed.map((t) => `"${t.replace(/"/g, '""')}"`).join(' ');
      rows =
        kind === 'post'
          ? await this.prisma.$queryRaw<Row[]>`
        SELECT p.id FROM posts_fts JOIN posts p ON p.id = posts_fts.rowid
         WHERE posts_fts MATCH ${match} AND ${scope}${checks}
         ORDER BY bm25(posts_fts, 10.0, 1.0), p.id DESC LIMIT ${take} OFFSET ${offset}`
          : await this.prisma.$queryRaw<Row[]>`
        SELECT c.id FROM comments_fts JOIN comments c ON c.id = comments_fts.rowid JOIN posts p ON p.id = c.postId
         WHERE comments_fts MATCH ${match} AND ${scope}${checks}
         ORDER BY bm25(comments_fts), c.id DESC LIMIT ${take} OFFSET ${offset}`;
    }
    return rows.map((r) => Number(r.id));
  }

  /** The rows of the ids, in the ids' order, as results with their snippets. */
  private async hits(kind: Kind, ids: number[], terms: string[]): Promise<SearchHit[]> {
    if (!ids.length) return [];
    const author = { select: { id: true, name: true } } as const;
    if (kind === 'post') {
      const rows = await this.prisma.post.findMany({
        where: { id: { in: ids } },
        select: { id: true, boardId: true, name: true, content: true, createDate: true, isVisible: true, author },
      });
      const byId = new Map(rows.map((r) => [r.id, r]));
      return ids.flatMap((id) => {
        const r = byId.get(id);
        if (!r) return []; // deleted in between
        const text = mentions(r.content, terms) || !mentions(r.name, terms) ? r.content : r.name;
        return [
          { type: 'post' as const, id: r.id, boardId: r.boardId, postId: r.id, title: r.name, snippet: snippet(text, terms), author: r.author, createDate: r.createDate, isVisible: r.isVisible },
        ];
      });
    }
    const rows = await this.prisma.comment.findMany({
      where: { id: { in: ids } },
      select: { id: true, postId: true, content: true, createDate: true, isVisible: true, author, post: { select: { boardId: true, name: true } } },
    });
    const byId = new Map(rows.map((r) => [r.id, r]));
    return ids.flatMap((id) => {
      const r = byId.get(id);
      if (!r) return [];
      return [
        {
          type: 'comment' as const,
          id: r.id,
          boardId: r.post.boardId,
          postId: r.postId,
          title: r.post.name,
          snippet: snippet(r.content, terms),
          author: r.author,
          createDate: r.createDate,
          isVisible: r.isVisible,
        },
      ];
    });
  }
}

/** A cursor is the offset of the next page: a positive integer below MAX_RESULTS. */
function decodeOffset(cursor: string): number {
  const [offset] = decodeKey(cursor, ['number']);
  if (typeof offset === 'number' && Number.isInteger(offset) && offset > 0 && offset < MAX_RESULTS) return offset;
  throw invalidCursor();
}
