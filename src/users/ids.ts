// Lists of user ids in requests (grants, chat members): every id must be an open account.
import { ValidationError } from '../errors.js';
import type { Db } from '../platform/prisma.js';

/** The distinct ids, each an existing, open account; otherwise one 400 naming the unknown ones in `field`. */
export async function requireUserIds(prisma: Db, userIds: number[], field = 'userIds'): Promise<number[]> {
  const ids = [...new Set(userIds)];
  if (!ids.length) return ids;
  const found = await prisma.user.findMany({ where: { id: { in: ids }, deletedAt: null }, select: { id: true } });
  const missing = ids.filter((id) => !found.some((u) => u.id === id));
  if (missing.length) throw ValidationError.of([{ field, in: 'body', code: 'unknown_user', message: `${field} has unknown users: ${missing.join(', ')}` }]);
  return ids;
}
