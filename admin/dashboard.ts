// The dashboard's counts, read through the services (users, AI jobs, chat sockets). Posts today is a plain
// count with no rule behind it, read from the database directly.
import type { Context } from '../src/context.js';

export interface DashboardCounts {
  users: number;
  banned: number;
  postsToday: number;
  /** Open chat sockets over every chat replica; null when Redis could not tell. */
  chatSockets: number | null;
  /** AI jobs (training and predictions) queued and running; null when the queue could not tell. */
  aiQueued: number | null;
  aiRunning: number | null;
}

const startOfToday = () => {
  const d = new Date();
  d.setHours(0, 0, 0, 0);
  return d;
};

export async function dashboardCounts(ctx: Context): Promise<DashboardCounts> {
  const { users: usersService, chat, ais } = ctx.services;
  const [{ users, banned }, postsToday, chatSockets, jobs] = await Promise.all([
    usersService.counts(),
    ctx.prisma.post.count({ where: { createDate: { gte: startOfToday() } } }),
    chat.activeConnections().catch(() => null),
    ais.jobCounts().catch(() => null),
  ]);
  return { users, banned, postsToday, chatSockets, aiQueued: jobs?.queued ?? null, aiRunning: jobs?.running ?? null };
}
