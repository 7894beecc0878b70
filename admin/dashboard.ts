// The dashboard's data: counts read through the services (users, AI jobs, chat sockets), the community's last
// 30 days by day (src/stats, aggregated in SQL), the open reports, and the latest operator actions from the
// audit log. Posts today and open reports are plain counts with no rule behind them, read from the database.
import type { Context } from '../src/context.js';
import { encodeKey } from '../src/http/pagination.js';
import { CommunityStats, type ActivitySeries } from '../src/stats/service.js';

export interface OperatorAction {
  /** The audit record's id in the panel. */
  id: string;
  at: string;
  actorId: number | null;
  actorName: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
}

export interface DashboardData {
  users: number;
  banned: number;
  postsToday: number;
  /** The first instant of today (the server's day), as the posts list's filter takes it. */
  today: string;
  /** Open chat sockets over every chat replica; null when Redis could not tell. */
  chatSockets: number | null;
  /** AI jobs (training and predictions) queued and running; null when the queue could not tell. */
  aiQueued: number | null;
  aiRunning: number | null;
  openReports: number;
  activity: ActivitySeries;
  recentActions: OperatorAction[];
}

const startOfToday = () => {
  const d = new Date();
  d.setHours(0, 0, 0, 0);
  return d;
};

/** Sign-ins (API and panel), sign-outs and token refreshes are not actions on the community. */
const SESSION_EVENT = /^(admin\.)?(login|logout|refresh)(\.|_|$)/;

/** The latest audit events by operators (admin and superuser accounts), newest first. */
async function recentOperatorActions(ctx: Context, limit: number): Promise<OperatorAction[]> {
  const page = await ctx.audit.query({ limit: 200 });
  const actorIds = [...new Set(page.items.map((e) => e.actorId).filter((id): id is number => id !== null))];
  const staff = new Set((await ctx.prisma.user.findMany({ where: { id: { in: actorIds }, role: { in: ['admin', 'superuser'] } }, select: { id: true } })).map((u) => u.id));
  return page.items
    .filter((e) => e.actorId !== null && staff.has(e.actorId) && !SESSION_EVENT.test(e.action))
    .slice(0, limit)
    .map((e) => ({
      id: encodeKey([e.at.toISOString(), e.id]),
      at: e.at.toISOString(),
      actorId: e.actorId,
      actorName: e.actorName,
      action: e.action,
      targetType: e.targetType,
      targetId: e.targetId,
    }));
}

export async function dashboardData(ctx: Context): Promise<DashboardData> {
  const { users: usersService, chat, ais } = ctx.services;
  const today = startOfToday();
  const stats = new CommunityStats(ctx.prisma, ctx.config.databaseProvider);
  const [{ users, banned }, postsToday, chatSockets, jobs, openReports, activity, recentActions] = await Promise.all([
    usersService.counts(),
    ctx.prisma.post.count({ where: { createDate: { gte: today } } }),
    chat.activeConnections().catch(() => null),
    ais.jobCounts().catch(() => null),
    ctx.prisma.report.count({ where: { status: 'open' } }),
    stats.activity(30),
    recentOperatorActions(ctx, 10),
  ]);
  return {
    users,
    banned,
    postsToday,
    today: today.toISOString(),
    chatSockets,
    aiQueued: jobs?.queued ?? null,
    aiRunning: jobs?.running ?? null,
    openReports,
    activity,
    recentActions,
  };
}
