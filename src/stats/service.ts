// How the community is doing, day by day: signups, active members, posts, comments, chat messages and AI
// predictions over the last days, each one SQL query aggregated by day in the database (no rows are carried
// into the process). Days are UTC calendar days. Read by the panel's dashboard.
//
// Active members of a day: the accounts that wrote a post, a comment or a chat message, or ran a prediction,
// that day (the project keeps no sign-in history per day).
import { Prisma, type Db } from '../platform/prisma.js';

export const seriesNames = ['signups', 'activeMembers', 'posts', 'comments', 'chatMessages', 'aiPredictions'] as const;
export type SeriesName = (typeof seriesNames)[number];

export interface ActivitySeries {
  /** The days, oldest first, as YYYY-MM-DD (UTC). */
  days: string[];
  /** One count per day of `days`, by series. */
  series: Record<SeriesName, number[]>;
}

const DAY_MS = 86_400_000;

/** The first instant of the UTC day of `d`. */
const utcDay = (d: Date) => new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));

export class CommunityStats {
  constructor(
    private readonly prisma: Db,
    private readonly provider: 'sqlite' | 'mysql',
  ) {}

  /** The last `days` days up to today (`now`'s UTC day) included, every day present (0 when nothing happened). */
  async activity(days = 30, now = new Date()): Promise<ActivitySeries> {
    if (!Number.isInteger(days) || days < 1 || days > 366) throw new RangeError('days must be an integer from 1 to 366');
    const since = new Date(utcDay(now).getTime() - (days - 1) * DAY_MS);
    const dayList = Array.from({ length: days }, (_, i) => new Date(since.getTime() + i * DAY_MS).toISOString().slice(0, 10));
    const counts = await Promise.all(seriesNames.map((name) => this.query(name, since)));
    const series = Object.fromEntries(
      seriesNames.map((name, i) => {
        const byDay = new Map(counts[i].map((r) => [String(r.day), Number(r.n)]));
        return [name, dayList.map((d) => byDay.get(d) ?? 0)];
      }),
    ) as Record<SeriesName, number[]>;
    return { days: dayList, series };
  }

  /** The day of a timestamp column as YYYY-MM-DD in either dialect (both store UTC). */
  private day(column: string): Prisma.Sql {
    return this.provider === 'mysql' ? Prisma.raw(`DATE_FORMAT(${column}, '%Y-%m-%d')`) : Prisma.raw(`date(${column})`);
  }

  private query(name: SeriesName, since: Date): Promise<{ day: string; n: number | bigint }[]> {
    const perDay = (table: string, column: string) =>
      this.prisma.$queryRaw<{ day: string; n: number | bigint }[]>`
        SELECT ${this.day(column)} AS day, COUNT(*) AS n FROM ${Prisma.raw(table)} WHERE ${Prisma.raw(column)} >= ${since} GROUP BY 1`;
    switch (name) {
      case 'signups':
        return perDay('users', 'joinDate');
      case 'posts':
        return perDay('posts', 'createDate');
      case 'comments':
        return perDay('comments', 'createDate');
      case 'chatMessages':
        return perDay('chat_messages', 'createDate');
      case 'aiPredictions':
        return perDay('ai_logs', 'createDate');
      case 'activeMembers': {
        const d = this.day('createDate');
        return this.prisma.$queryRaw`
          SELECT a.day AS day, COUNT(DISTINCT a.who) AS n FROM (
            SELECT ${d} AS day, authorId AS who FROM posts WHERE createDate >= ${since}
            UNION ALL SELECT ${d}, authorId FROM comments WHERE createDate >= ${since}
            UNION ALL SELECT ${d}, authorId FROM chat_messages WHERE createDate >= ${since}
            UNION ALL SELECT ${d}, userId FROM ai_logs WHERE createDate >= ${since}
          ) a GROUP BY a.day`;
      }
    }
  }
}
