// Rows of community activity at known days before `now` (same time of day, k days earlier), written straight to
// the database, and the per-day counts they make: shared by the stats suite and the dashboard's browser suite.
import crypto from 'node:crypto';
import type { Db } from '../../src/platform/prisma.js';
import type { SeriesName } from '../../src/stats/service.js';

const DAY_MS = 86_400_000;

/** The UTC day (YYYY-MM-DD) that is `k` days before `now`. */
export const dayBefore = (now: Date, k: number) => new Date(now.getTime() - k * DAY_MS).toISOString().slice(0, 10);

export interface SeededActivity {
  /** Seeded rows per series, by UTC day; days 30 and more before `now` are outside a 30-day window. */
  expected: Record<SeriesName, Map<string, number>>;
  userIds: number[];
}

export async function seedActivity(prisma: Db, now: Date): Promise<SeededActivity> {
  const at = (k: number) => new Date(now.getTime() - k * DAY_MS);
  const tag = crypto.randomBytes(3).toString('hex');
  const user = (name: string, k: number) => prisma.user.create({ data: { name: `${name}${tag}`, email: `${name}${tag}@example.com`, passwordHash: 'x', joinDate: at(k) }, select: { id: true } });
  // signups: 1, 1, 3, 29 days ago; 30 and 40 days ago are outside the window
  const [a, b, c, d] = [await user('ana', 1), await user('bo', 1), await user('cy', 3), await user('di', 29)];
  await user('old', 30);
  await user('older', 40);
  const board = await prisma.board.create({ data: { name: `stats-${tag}` } });
  const post = (authorId: number, k: number) => prisma.post.create({ data: { boardId: board.id, authorId, name: 'p', content: 'c', createDate: at(k) } });
  const first = await post(a.id, 1);
  await post(a.id, 1);
  await post(a.id, 3);
  await post(b.id, 29);
  await post(b.id, 31);
  await prisma.comment.create({ data: { postId: first.id, authorId: b.id, content: 'x', createDate: at(1) } });
  await prisma.comment.create({ data: { postId: first.id, authorId: c.id, content: 'y', createDate: at(2) } });
  const session = await prisma.chatSession.create({ data: { creatorId: a.id, name: `chat-${tag}` } });
  for (const [authorId, k] of [
    [a.id, 2],
    [a.id, 2],
    [a.id, 2],
    [c.id, 1],
    [c.id, 45],
  ])
    await prisma.chatMessage.create({ data: { sessionId: session.id, authorId, content: 'hi', createDate: at(k) } });
  const ai = await prisma.ai.create({ data: { name: `stats-${tag}` } });
  await prisma.aiLog.create({ data: { aiId: ai.id, userId: c.id, input: { x: 1 }, createDate: at(1) } });
  await prisma.aiLog.create({ data: { aiId: ai.id, userId: d.id, input: { x: 2 }, createDate: at(5) } });

  const days = (pairs: [number, number][]) => new Map(pairs.map(([k, n]) => [dayBefore(now, k), n]));
  return {
    expected: {
      signups: days([
        [1, 2],
        [3, 1],
        [29, 1],
      ]),
      posts: days([
        [1, 2],
        [3, 1],
        [29, 1],
      ]),
      comments: days([
        [1, 1],
        [2, 1],
      ]),
      chatMessages: days([
        [2, 3],
        [1, 1],
      ]),
      aiPredictions: days([
        [1, 1],
        [5, 1],
      ]),
      // ana, bo and cy one day ago; cy and ana two days ago; ana three; di five; bo 29
      activeMembers: days([
        [1, 3],
        [2, 2],
        [3, 1],
        [5, 1],
        [29, 1],
      ]),
    },
    userIds: [a.id, b.id, c.id, d.id],
  };
}
