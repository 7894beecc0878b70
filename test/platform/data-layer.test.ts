// The Prisma client for the configured provider against the migrated database: relations, enums, JSON,
// unique constraints mapped to 409 problems, cascading deletes.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { statusOfKind } from '../../src/http/errors.js';
import { toAppError } from '../../src/platform/known-errors.js';
import type { Db } from '../../src/platform/prisma.js';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { testProvider } from '../helpers/db.js';

describe(`data layer (${testProvider})`, () => {
  let t: TestContext;
  let prisma: Db;
  beforeAll(async () => {
    t = await createTestContext();
    prisma = t.ctx.prisma;
  });
  afterAll(() => t.cleanup());

  it('stores and reads users with their enum role and defaults', async () => {
    const u = await prisma.user.create({ data: { name: 'alice', email: 'alice@example.com', passwordHash: 'x', role: 'admin' } });
    expect(u.role).toBe('admin');
    expect(u.isBanned).toBe(false);
    expect(u.joinDate).toBeInstanceOf(Date);
    expect(Math.abs(u.joinDate.getTime() - Date.now())).toBeLessThan(60_000);
    await expect(prisma.user.create({ data: { name: 'bob', email: 'bob@example.com', passwordHash: 'x', role: 'root' as never } })).rejects.toThrow();
  });

  it('maps a unique violation to a 409 problem naming the field', async () => {
    const err = await prisma.user.create({ data: { name: 'alice', email: 'other@example.com', passwordHash: 'x' } }).catch((e: unknown) => e);
    const app = toAppError(err);
    expect(app && statusOfKind[app.kind]).toBe(409);
    expect(app?.code).toBe('already_exists');
    expect(app?.errors?.map((e) => e.field)).toEqual(['name']);
  });

  it('round-trips JSON columns', async () => {
    const ai = await prisma.ai.create({ data: { name: 'lin', metrics: { r2: 0.99, rmse: 0.1, features: ['x0', 'x1'] } } });
    const back = await prisma.ai.findUniqueOrThrow({ where: { id: ai.id } });
    expect(back.metrics).toEqual({ r2: 0.99, rmse: 0.1, features: ['x0', 'x1'] });
    expect(back.status).toBe('queued');
  });

  it('keeps one like per user and post, and cascades deletes from board to posts, likes and files', async () => {
    const author = await prisma.user.create({ data: { name: 'carol', email: 'carol@example.com', passwordHash: 'x' } });
    const board = await prisma.board.create({ data: { name: 'general' } });
    const post = await prisma.post.create({ data: { boardId: board.id, authorId: author.id, name: 'hello', content: 'world' } });
    await prisma.postLike.create({ data: { postId: post.id, userId: author.id } });
    const dup = await prisma.postLike.create({ data: { postId: post.id, userId: author.id } }).catch((e: unknown) => e);
    expect(toAppError(dup)?.kind).toBe('conflict');
    await prisma.postFile.create({
      data: { postId: post.id, storedName: 'abc', originalName: 'a.txt', path: 'posts/abc', size: 1, mimeType: 'text/plain', sha256: 'f'.repeat(64) },
    });
    await prisma.comment.create({ data: { postId: post.id, authorId: author.id, content: 'c'.repeat(2000) } });
    await prisma.board.delete({ where: { id: board.id } });
    expect(await prisma.post.count({ where: { boardId: board.id } })).toBe(0);
    expect(await prisma.postLike.count({ where: { postId: post.id } })).toBe(0);
    expect(await prisma.postFile.count({ where: { postId: post.id } })).toBe(0);
    expect(await prisma.comment.count({ where: { postId: post.id } })).toBe(0);
  });

  it('enforces foreign keys', async () => {
    await expect(prisma.post.create({ data: { boardId: 999_999, authorId: 999_999, name: 'x', content: 'y' } })).rejects.toThrow();
  });

  it('lets a chat message be stored once per (session, author, clientMsgId)', async () => {
    const u = await prisma.user.create({ data: { name: 'dave', email: 'dave@example.com', passwordHash: 'x' } });
    const s = await prisma.chatSession.create({ data: { creatorId: u.id, name: 'room' } });
    await prisma.chatMessage.create({ data: { sessionId: s.id, authorId: u.id, content: 'hi', clientMsgId: 'm1' } });
    const again = await prisma.chatMessage.create({ data: { sessionId: s.id, authorId: u.id, content: 'hi', clientMsgId: 'm1' } }).catch((e: unknown) => e);
    expect(toAppError(again)?.kind).toBe('conflict');
    // messages without a client id never collide
    await prisma.chatMessage.createMany({ data: [1, 2].map(() => ({ sessionId: s.id, authorId: u.id, content: 'x' })) });
    expect(await prisma.chatMessage.count({ where: { sessionId: s.id } })).toBe(3);
  });
});
