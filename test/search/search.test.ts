// Search over the real API, on SQLite (FTS5 trigram) and on MariaDB (bigram FULLTEXT): Korean and English, a
// word inside a longer run of Hangul, the board policy (hidden boards, revoked grants, anonymous visitors),
// hidden and deleted content leaving the results, edits re-indexed, paging, and every bad input a 400 naming
// its field.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Express } from 'express';
import { b64url, expectProblem } from '../helpers/auth.js';
import type { TestContext } from '../helpers/context.js';
import { testProvider } from '../helpers/db.js';
import { actor, boardName, call, createBoard, startSuite, type Actor, type Board } from '../boards/setup.js';
import { createComment, createPost, fieldsOf } from '../posts/helpers.js';
import { gramText } from '../../src/search/grams.js';

interface Hit {
  type: 'post' | 'comment';
  id: number;
  boardId: number;
  postId: number;
  title: string;
  snippet: string;
  author: { id: number; name: string };
  createDate: string;
  isVisible: boolean;
}
interface HitPage {
  items: Hit[];
  nextCursor: string | null;
}

let t: TestContext;
let app: Express;
let admin: Actor;
let member: Actor;
let granted: Actor;
let open: Board;
let hidden: Board;

beforeAll(async () => {
  ({ t, app } = await startSuite({ ANONYMOUS_READ: 'true' }));
  admin = await actor(t, app, 'admin');
  member = await actor(t, app);
  granted = await actor(t, app);
  open = await createBoard(app, admin, { name: boardName('search') });
  hidden = await createBoard(app, admin, { name: boardName('search-hidden'), isVisible: false, userIds: [granted.id] });
});
afterAll(() => t.cleanup());

/** A word no other test uses, so each test sees only its own rows. */
let seq = 0;
const word = (prefix = 'zq') => `${prefix}${process.pid.toString(36)}x${(seq++).toString(36)}`;

async function search(who: Actor | null, query: Record<string, string | number>) {
  const qs = new URLSearchParams(Object.fromEntries(Object.entries(query).map(([k, v]) => [k, String(v)]))).toString();
  return call(app, who, 'get', `/search?${qs}`);
}
async function hits(who: Actor | null, query: Record<string, string | number>): Promise<Hit[]> {
  const res = await search(who, query);
  expect(res.status).toBe(200);
  return (res.body as HitPage).items;
}
const ids = (items: { id: number }[]) => items.map((h) => h.id).sort((a, b) => a - b);

describe(`GET /search, posts (${testProvider})`, () => {
  it('finds a Korean word inside a longer run of Hangul, in the body and in the title, with a highlighted snippet', async () => {
    const tag = word();
    const inBody = await createPost(app, member, open.id, { name: `공지 ${tag}`, content: `오늘 자유게시판에 새 글이 올라왔습니다 ${tag}` });
    const inTitle = await createPost(app, member, open.id, { name: `우리게시판규칙 ${tag}`, content: `규칙을 읽어 주세요 ${tag}` });
    await createPost(app, member, open.id, { name: `게시 ${tag}`, content: `판매 ${tag}` }); // 게시 and 판 apart: no match

    const found = await hits(member, { q: `게시판 ${tag}` });
    expect(ids(found)).toEqual(ids([inBody, inTitle]));
    const body = found.find((h) => h.id === inBody.id)!;
    expect(body).toMatchObject({ type: 'post', postId: inBody.id, boardId: open.id, title: `공지 ${tag}`, author: { id: member.id, name: member.name }, isVisible: true });
    expect(body.snippet).toContain('자유<mark>게시판</mark>에');
    // a title match ranks first
    expect(found[0].id).toBe(inTitle.id);
  });

  it('finds English words case-insensitively, every word required, and escapes the snippet', async () => {
    const tag = word();
    const both = await createPost(app, member, open.id, { name: `Release notes ${tag}`, content: `The <b>Searchable</b> index is READY ${tag}` });
    await createPost(app, member, open.id, { name: `Other ${tag}`, content: `searchable but not the second word ${tag}` });

    const found = await hits(null, { q: `SEARCHABLE ready ${tag}` });
    expect(ids(found)).toEqual([both.id]);
    expect(found[0].snippet).toContain('&lt;b&gt;<mark>Searchable</mark>&lt;/b&gt; index is <mark>READY</mark>');
    expect(found[0].snippet).not.toContain('<b>');
  });

  it('matches queries shorter than the index can look up (1–2 characters) among the newest rows', async () => {
    const tag = word();
    const ko = await createPost(app, member, open.id, { name: `짧은 ${tag}`, content: `밥 먹었어요` });
    const en = await createPost(app, member, open.id, { name: `short ${tag}`, content: `an AI note` });
    expect(ids(await hits(member, { q: '밥' }))).toContain(ko.id);
    expect(ids(await hits(member, { q: 'ai' }))).toContain(en.id);
    // a short word next to a long one narrows what the long one finds
    expect(ids(await hits(member, { q: `${tag} 밥` }))).toEqual([ko.id]);
  });

  it('takes % and _ literally', async () => {
    const tag = word();
    const pct = await createPost(app, member, open.id, { name: `rate ${tag}`, content: `up 50%_now` });
    await createPost(app, member, open.id, { name: `rate ${tag}`, content: `up 500 now` });
    expect(ids(await hits(member, { q: `${tag} 0%_` }))).toEqual([pct.id]);
  });

  it('leaves out a hidden post for members and anonymous visitors, finds it for moderators, and brings it back when shown', async () => {
    const tag = word();
    const post = await createPost(app, member, open.id, { name: `moderated ${tag}`, content: 'body' });
    expect(ids(await hits(member, { q: tag }))).toEqual([post.id]);
    expect((await call(app, admin, 'patch', `/boards/${open.id}/posts/${post.id}`, { isVisible: false })).status).toBe(200);
    expect(await hits(member, { q: tag })).toEqual([]);
    expect(await hits(null, { q: tag })).toEqual([]);
    expect(await hits(admin, { q: tag })).toEqual([expect.objectContaining({ id: post.id, isVisible: false })]);
    expect((await call(app, admin, 'patch', `/boards/${open.id}/posts/${post.id}`, { isVisible: true })).status).toBe(200);
    expect(ids(await hits(member, { q: tag }))).toEqual([post.id]);
  });

  it('follows an edit: the new words are found, the old ones no longer', async () => {
    const [before, after] = [word(), word()];
    const post = await createPost(app, member, open.id, { name: `edit ${before}`, content: `게시물 ${before}` });
    expect((await call(app, member, 'patch', `/boards/${open.id}/posts/${post.id}`, { name: 'edited', content: `바뀐게시물내용 ${after}` })).status).toBe(200);
    expect(await hits(member, { q: before })).toEqual([]);
    expect(ids(await hits(member, { q: `게시물내 ${after}` }))).toEqual([post.id]);
  });

  it('forgets a deleted post and its comments', async () => {
    const tag = word();
    const post = await createPost(app, member, open.id, { name: `gone ${tag}`, content: 'body' });
    await createComment(app, member, post.id, `comment ${tag}`);
    expect(await hits(member, { q: tag, type: 'comment' })).toHaveLength(1);
    expect((await call(app, member, 'delete', `/boards/${open.id}/posts/${post.id}`)).status).toBe(204);
    expect(await hits(member, { q: tag })).toEqual([]);
    expect(await hits(member, { q: tag, type: 'comment' })).toEqual([]);
    if (testProvider === 'mysql') {
      const [left] = await t.ctx.prisma.$queryRaw<{ n: bigint | number }[]>`SELECT COUNT(*) n FROM posts_fts WHERE postId = ${post.id}`;
      expect(Number(left.n)).toBe(0);
    }
  });

  it('pages with cursor, without repeats, to the end', async () => {
    const tag = word();
    const made = [];
    for (let i = 0; i < 5; i++) made.push(await createPost(app, member, open.id, { name: `page ${i} ${tag}`, content: `paged ${tag}` }));
    const seen: number[] = [];
    let cursor: string | null = null;
    for (let i = 0; i < 5; i++) {
      const res = await search(member, { q: tag, limit: 2, ...(cursor ? { cursor } : {}) });
      expect(res.status).toBe(200);
      const page = res.body as HitPage;
      seen.push(...page.items.map((h) => h.id));
      cursor = page.nextCursor;
      if (!cursor) break;
    }
    expect(cursor).toBeNull();
    expect(seen.sort((a, b) => a - b)).toEqual(ids(made));
  });
});

describe(`GET /search, the board policy (${testProvider})`, () => {
  it('finds posts of a hidden board only for grant holders and staff, and no longer once the grant is revoked', async () => {
    const tag = word();
    const secret = await createPost(app, granted, hidden.id, { name: `비밀게시판 ${tag}`, content: `hidden ${tag}` });
    await createComment(app, granted, secret.id, `비밀댓글 ${tag}`);
    const pub = await createPost(app, member, open.id, { name: `공개게시판 ${tag}`, content: `open ${tag}` });

    expect(ids(await hits(granted, { q: `게시판 ${tag}` }))).toEqual(ids([secret, pub]));
    expect(ids(await hits(admin, { q: `게시판 ${tag}` }))).toEqual(ids([secret, pub]));
    expect(ids(await hits(member, { q: `게시판 ${tag}` }))).toEqual([pub.id]);
    expect(ids(await hits(null, { q: `게시판 ${tag}` }))).toEqual([pub.id]);
    expect(await hits(member, { q: tag, type: 'comment' })).toEqual([]);
    expect(await hits(granted, { q: tag, type: 'comment' })).toHaveLength(1);
    // boardId: the hidden board does not exist for those who may not read it
    expectProblem(await search(member, { q: tag, boardId: hidden.id }), 404, 'board_not_found');
    expectProblem(await search(null, { q: tag, boardId: hidden.id }), 404, 'board_not_found');
    expect(ids(await hits(granted, { q: tag, boardId: hidden.id }))).toEqual([secret.id]);

    const revoke = await call(app, admin, 'put', `/boards/${hidden.id}/grants`, { userIds: [] });
    expect(revoke.status).toBe(200);
    expect(ids(await hits(granted, { q: `게시판 ${tag}` }))).toEqual([pub.id]);
    expect(await hits(granted, { q: tag, type: 'comment' })).toEqual([]);
    expectProblem(await search(granted, { q: tag, boardId: hidden.id }), 404, 'board_not_found');
    const restore = await call(app, admin, 'put', `/boards/${hidden.id}/grants`, { userIds: [granted.id] });
    expect(restore.status).toBe(200);
  });

  it('leaves out the posts of a disabled board, even for members who could read it before', async () => {
    const tag = word();
    const board = await createBoard(app, admin, { name: boardName('search-off') });
    const post = await createPost(app, member, board.id, { name: `disabled ${tag}`, content: 'body' });
    expect(ids(await hits(member, { q: tag }))).toEqual([post.id]);
    expect((await call(app, admin, 'patch', `/boards/${board.id}`, { isAvailable: false })).status).toBe(200);
    expect(await hits(member, { q: tag })).toEqual([]);
    expect(ids(await hits(admin, { q: tag }))).toEqual([post.id]);
  });
});

describe(`GET /search, comments (${testProvider})`, () => {
  it('finds comments in Korean and English with their post, and leaves out hidden, deleted and hidden-post comments', async () => {
    const tag = word();
    const post = await createPost(app, member, open.id, { name: `토론 ${tag}`, content: 'body' });
    const ko = await createComment(app, member, post.id, `저는 자유게시판에 동의합니다 ${tag}`);
    const en = await createComment(app, granted, post.id, `I agree with the Proposal ${tag}`);

    const koHits = await hits(member, { q: `게시판 ${tag}`, type: 'comment' });
    expect(koHits).toEqual([expect.objectContaining({ type: 'comment', id: ko.id, postId: post.id, boardId: open.id, title: `토론 ${tag}` })]);
    expect(koHits[0].snippet).toContain('자유<mark>게시판</mark>에');
    expect(ids(await hits(member, { q: `proposal ${tag}`, type: 'comment' }))).toEqual([en.id]);

    // a comment hidden by a moderator, then a deleted one
    expect((await call(app, admin, 'patch', `/comments/${en.id}`, { isVisible: false })).status).toBe(200);
    expect(await hits(member, { q: `proposal ${tag}`, type: 'comment' })).toEqual([]);
    expect(ids(await hits(admin, { q: `proposal ${tag}`, type: 'comment' }))).toEqual([en.id]);
    expect((await call(app, member, 'delete', `/comments/${ko.id}`)).status).toBe(204);
    expect(await hits(member, { q: `게시판 ${tag}`, type: 'comment' })).toEqual([]);

    // the comments of a hidden post are as hidden as the post
    const other = await createComment(app, member, post.id, `still here ${tag}`);
    expect(ids(await hits(member, { q: tag, type: 'comment' }))).toEqual([other.id]);
    expect((await call(app, admin, 'patch', `/boards/${open.id}/posts/${post.id}`, { isVisible: false })).status).toBe(200);
    expect(await hits(member, { q: tag, type: 'comment' })).toEqual([]);
  });

  it('follows a comment edit', async () => {
    const [before, after] = [word(), word()];
    const post = await createPost(app, member, open.id, { name: 'edits', content: 'body' });
    const c = await createComment(app, member, post.id, `first ${before}`);
    expect((await call(app, member, 'patch', `/comments/${c.id}`, { content: `두번째댓글 ${after}` })).status).toBe(200);
    expect(await hits(member, { q: before, type: 'comment' })).toEqual([]);
    expect(ids(await hits(member, { q: `번째 ${after}`, type: 'comment' }))).toEqual([c.id]);
  });
});

describe(`the search index (${testProvider})`, () => {
  it('indexes rows written straight to the database: by triggers on SQLite, by the repair job on MariaDB', async () => {
    const tag = word();
    const post = await t.ctx.prisma.post.create({ data: { boardId: open.id, authorId: member.id, name: `직접 ${tag}`, content: '가져온게시판글' } });
    const comment = await t.ctx.prisma.comment.create({ data: { postId: post.id, authorId: member.id, content: `가져온댓글 ${tag}` } });
    if (testProvider === 'mysql') {
      // no tokens yet: the services write them, and these rows did not go through the services
      expect(await hits(member, { q: `게시판글 ${tag}` })).toEqual([]);
      const repaired = await t.ctx.services.searchIndex.repairMissing(t.ctx.prisma);
      expect(repaired.posts).toBeGreaterThanOrEqual(1);
      expect(repaired.comments).toBeGreaterThanOrEqual(1);
    } else {
      expect(await t.ctx.services.searchIndex.repairMissing(t.ctx.prisma)).toEqual({ posts: 0, comments: 0 });
    }
    expect(ids(await hits(member, { q: `게시판글 ${tag}` }))).toEqual([post.id]);
    expect(ids(await hits(member, { q: `댓글 ${tag}`, type: 'comment' }))).toEqual([comment.id]);
    // and once indexed, a second repair finds nothing left to do
    expect(await t.ctx.services.searchIndex.repairMissing(t.ctx.prisma)).toEqual({ posts: 0, comments: 0 });
  });
});

describe(`the search index after every write of this suite (${testProvider})`, () => {
  it('forgets the posts and comments of a deleted board, and matches the rows exactly', async () => {
    const tag = word();
    const board = await createBoard(app, admin, { name: boardName('search-deleted') });
    const post = await createPost(app, member, board.id, { name: `지울게시판 ${tag}`, content: 'body' });
    await createComment(app, member, post.id, `지울댓글 ${tag}`);
    expect(await hits(member, { q: tag })).toHaveLength(1);
    expect((await call(app, admin, 'delete', `/boards/${board.id}`)).status).toBe(204);
    expect(await hits(admin, { q: tag })).toEqual([]);
    expect(await hits(admin, { q: tag, type: 'comment' })).toEqual([]);

    const db = t.ctx.prisma;
    if (testProvider === 'sqlite') {
      // FTS5 compares its index with the content tables and fails on any difference
      await db.$executeRawUnsafe(`INSERT INTO posts_fts(posts_fts, rank) VALUES ('integrity-check', 1)`);
      await db.$executeRawUnsafe(`INSERT INTO comments_fts(comments_fts, rank) VALUES ('integrity-check', 1)`);
    } else {
      // one token row per post and comment, each holding the tokens of the row's text as it is now
      const posts = await db.$queryRaw<{ name: string; content: string; grams: string | null }[]>`
        SELECT p.name, p.content, f.grams FROM posts p LEFT JOIN posts_fts f ON f.postId = p.id`;
      expect(posts.filter((r) => r.grams !== gramText(r.name, r.content))).toEqual([]);
      const comments = await db.$queryRaw<{ content: string; grams: string | null }[]>`
        SELECT c.content, f.grams FROM comments c LEFT JOIN comments_fts f ON f.commentId = c.id`;
      expect(comments.filter((r) => r.grams !== gramText(r.content))).toEqual([]);
      const [orphans] = await db.$queryRaw<{ n: bigint | number }[]>`
        SELECT (SELECT COUNT(*) FROM posts_fts WHERE postId NOT IN (SELECT id FROM posts)) + (SELECT COUNT(*) FROM comments_fts WHERE commentId NOT IN (SELECT id FROM comments)) n`;
      expect(Number(orphans.n)).toBe(0);
    }
  });
});

describe(`GET /search, bad input (${testProvider})`, () => {
  it.each([
    ['no q', {}, 'q', 'required'],
    ['an empty q', { q: '' }, 'q', 'too_short'],
    ['a whitespace-only q', { q: '   ' }, 'q', 'invalid_format'],
    ['a 101-character q', { q: '가'.repeat(101) }, 'q', 'too_long'],
    ['an unknown type', { q: 'x', type: 'user' }, 'type', 'invalid_value'],
    ['a boardId that is not a number', { q: 'x', boardId: 'abc' }, 'boardId', 'invalid_type'],
    ['a limit over 50', { q: 'x', limit: 51 }, 'limit', 'out_of_range'],
    ['a cursor that is not one', { q: 'x', cursor: 'garbage' }, 'cursor', 'invalid_cursor'],
    ['a cursor beyond the last page', { q: 'x', cursor: b64url([1000]) }, 'cursor', 'invalid_cursor'],
    ['a negative cursor', { q: 'x', cursor: b64url([-20]) }, 'cursor', 'invalid_cursor'],
    ['an unknown parameter', { q: 'x', sort: 'new' }, 'sort', 'unknown_field'],
  ])('answers %s with 400 naming the field', async (_label, query, field, code) => {
    const res = await search(member, query);
    expectProblem(res, 400, 'validation_failed');
    expect(fieldsOf(res)).toContain(field);
    expect((res.body as { errors: { field: string; code: string }[] }).errors).toContainEqual(expect.objectContaining({ field, code }));
  });

  it('answers a boardId that does not exist with 404', async () => {
    expectProblem(await search(member, { q: 'x', boardId: 999_999 }), 404, 'board_not_found');
  });
});
