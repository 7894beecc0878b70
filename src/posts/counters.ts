// The post counters (likes, visible comments) move only inside the transaction that adds or removes what
// they count. Each such transaction first locks the post row: on InnoDB, two transactions that insert a
// child row (taking a shared lock on the post through the foreign key) and then update the post deadlock;
// taking the post's exclusive lock first serialises them instead. Raw SQL, so the post's updateDate
// (Prisma's @updatedAt) does not move when only a counter does.
import type { Prisma } from '@prisma/client';
import type { Db } from '../platform/prisma.js';

export type PostCounter = 'numberOfLike' | 'numberOfComment';
type Tx = Prisma.TransactionClient;

/** The statement that locks the post, not yet run: for `prisma.$transaction([...])` (a batch of statements). */
export function lockPostStatement(db: Tx | Db, postId: number): Prisma.PrismaPromise<number> {
  return db.$executeRaw`UPDATE posts SET numberOfLike = numberOfLike WHERE id = ${postId}`;
}

/** The statement that moves a counter by `delta` (not 0), not yet run: for `prisma.$transaction([...])`. */
export function moveCounterStatement(db: Tx | Db, postId: number, counter: PostCounter, delta: number): Prisma.PrismaPromise<number> {
  // the column name comes from the PostCounter union above, never from input
  return db.$executeRawUnsafe(`UPDATE posts SET ${counter} = ${counter} + ? WHERE id = ?`, delta, postId);
}

export async function lockPost(tx: Tx, postId: number): Promise<void> {
  await lockPostStatement(tx, postId);
}

export async function moveCounter(tx: Tx, postId: number, counter: PostCounter, delta: number): Promise<void> {
  if (!delta) return;
  await moveCounterStatement(tx, postId, counter, delta);
}

/**
 * Runs a counter transaction, retrying when the database gives up on it (deadlock or lock wait, Prisma
 * P2034): the transaction rolled back entirely, so running it again is safe. Transactions on one post
 * queue behind its lock, so a burst on a popular post waits longer than Prisma's 5 s default allows.
 */
export async function counterTransaction<T>(prisma: Db, postId: number | number[], fn: (tx: Tx) => Promise<T>, attempts = 5): Promise<T> {
  // several posts (a batch of comments) are locked in ascending order, so that two transactions never wait on each other
  const postIds = typeof postId === 'number' ? [postId] : [...new Set(postId)].sort((a, b) => a - b);
  for (let i = 1; ; i++) {
    try {
      return await prisma.$transaction(
        async (tx) => {
          for (const id of postIds) await lockPost(tx, id);
          return fn(tx);
        },
        { maxWait: 10_000, timeout: 30_000 },
      );
    } catch (e) {
      if ((e as { code?: string }).code !== 'P2034' || i >= attempts) throw e;
      await new Promise((r) => setTimeout(r, 5 * i + Math.random() * 20));
    }
  }
}
