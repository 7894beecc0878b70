// The post counters (likes, visible comments) move only inside the transaction that adds or removes what
// they count. Each such transaction first locks the post row: on InnoDB, two transactions that insert a
// child row (taking a shared lock on the post through the foreign key) and then update the post deadlock;
// taking the post's exclusive lock first serialises them instead. Raw SQL, so the post's updateDate
// (Prisma's @updatedAt) does not move when only a counter does.
import type { Prisma } from '@prisma/client';
import type { Db } from '../platform/prisma.js';

export type PostCounter = 'numberOfLike' | 'numberOfComment';
type Tx = Prisma.TransactionClient;

export async function lockPost(tx: Tx, postId: number): Promise<void> {
  await tx.$executeRaw`UPDATE posts SET numberOfLike = numberOfLike WHERE id = ${postId}`;
}

export async function moveCounter(tx: Tx, postId: number, counter: PostCounter, delta: number): Promise<void> {
  if (!delta) return;
  // the column name comes from the PostCounter union above, never from input
  await tx.$executeRawUnsafe(`UPDATE posts SET ${counter} = ${counter} + ? WHERE id = ?`, delta, postId);
}

/**
 * Runs a counter transaction, retrying when the database gives up on it (deadlock or lock wait, Prisma
 * P2034): the transaction rolled back entirely, so running it again is safe. Transactions on one post
 * queue behind its lock, so a burst on a popular post waits longer than Prisma's 5 s default allows.
 */
export async function counterTransaction<T>(prisma: Db, postId: number, fn: (tx: Tx) => Promise<T>, attempts = 5): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await prisma.$transaction(
        async (tx) => {
          await lockPost(tx, postId);
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
