// Keeps the MariaDB search index in step with posts and comments. On SQLite the FTS5 tables are maintained
// by triggers (prisma/sqlite/migrations/20261207130000_search), so every method here does nothing there.
// On MariaDB, posts_fts and comments_fts hold each row's bigram tokens (grams.ts): the posts and comments
// services write them in the same transaction as the text they index; a row deleted goes with its tokens
// (ON DELETE CASCADE); hiding changes nothing here (search filters on isVisible). Rows written without the
// services (an import, the migration itself) are indexed by `repairMissing`, which the api runs at start.
import type { Config } from '../config.js';
import type { Logger } from '../platform/logger.js';
import { Prisma, type Db } from '../platform/prisma.js';
import { gramText } from './grams.js';

type Tx = Prisma.TransactionClient | Db;

/** How many rows one repair step reads and indexes. */
const REPAIR_BATCH = 500;

export class SearchIndexer {
  constructor(
    private readonly provider: Config['databaseProvider'],
    private readonly logger: Logger,
  ) {}

  /** Whether the index is written by this code (MariaDB) rather than by the database's triggers (SQLite). */
  get writesIndex(): boolean {
    return this.provider === 'mysql';
  }

  async post(tx: Tx, post: { id: number; name: string; content: string }): Promise<void> {
    if (!this.writesIndex) return;
    const grams = gramText(post.name, post.content);
    await tx.$executeRaw`INSERT INTO posts_fts (postId, grams) VALUES (${post.id}, ${grams}) ON DUPLICATE KEY UPDATE grams = VALUES(grams)`;
  }

  async comment(tx: Tx, comment: { id: number; content: string }): Promise<void> {
    if (!this.writesIndex) return;
    const grams = gramText(comment.content);
    await tx.$executeRaw`INSERT INTO comments_fts (commentId, grams) VALUES (${comment.id}, ${grams}) ON DUPLICATE KEY UPDATE grams = VALUES(grams)`;
  }

  /**
   * Indexes every post and comment that has no tokens yet (MariaDB), in id order, one multi-row INSERT per batch;
   * returns how many it indexed. IGNORE: a row deleted meanwhile (its foreign key fails) or indexed meanwhile by
   * its service (a newer text) is left alone.
   */
  async repairMissing(prisma: Db): Promise<{ posts: number; comments: number }> {
    const done = { posts: 0, comments: 0 };
    if (!this.writesIndex) return done;
    for (let after = 0; ;) {
      const rows = await prisma.$queryRaw<{ id: number | bigint; name: string; content: string }[]>`
        SELECT p.id, p.name, p.content FROM posts p LEFT JOIN posts_fts f ON f.postId = p.id
         WHERE f.postId IS NULL AND p.id > ${after} ORDER BY p.id LIMIT ${REPAIR_BATCH}`;
      if (rows.length) {
        const values = rows.map((r) => Prisma.sql`(${Number(r.id)}, ${gramText(r.name, r.content)})`);
        done.posts += await prisma.$executeRaw`INSERT IGNORE INTO posts_fts (postId, grams) VALUES ${Prisma.join(values)}`;
      }
      if (rows.length < REPAIR_BATCH) break;
      after = Number(rows[rows.length - 1].id);
    }
    for (let after = 0; ;) {
      const rows = await prisma.$queryRaw<{ id: number | bigint; content: string }[]>`
        SELECT c.id, c.content FROM comments c LEFT JOIN comments_fts f ON f.commentId = c.id
         WHERE f.commentId IS NULL AND c.id > ${after} ORDER BY c.id LIMIT ${REPAIR_BATCH}`;
      if (rows.length) {
        const values = rows.map((r) => Prisma.sql`(${Number(r.id)}, ${gramText(r.content)})`);
        done.comments += await prisma.$executeRaw`INSERT IGNORE INTO comments_fts (commentId, grams) VALUES ${Prisma.join(values)}`;
      }
      if (rows.length < REPAIR_BATCH) break;
      after = Number(rows[rows.length - 1].id);
    }
    if (done.posts || done.comments) this.logger.info(done, 'search index: indexed rows that had no tokens');
    return done;
  }
}
