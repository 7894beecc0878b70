// The dashboard's day-by-day series, aggregated in SQL on the provider under test (TEST_DATABASE=mysql for
// MariaDB): every day of the window present, rows counted on their UTC day, nothing from before the window.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CommunityStats, seriesNames } from '../../src/stats/service.js';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { testProvider } from '../helpers/db.js';
import { dayBefore, seedActivity, type SeededActivity } from './seed.js';

let t: TestContext;
let stats: CommunityStats;
let seeded: SeededActivity;
const now = new Date();

beforeAll(async () => {
  t = await createTestContext();
  stats = new CommunityStats(t.ctx.prisma, testProvider);
  seeded = await seedActivity(t.ctx.prisma, now);
});
afterAll(async () => {
  await t.cleanup();
});

describe(`community stats (${testProvider})`, () => {
  it('counts each series by UTC day over the last 30 days, zero on quiet days', async () => {
    const { days, series } = await stats.activity(30, now);
    expect(days).toHaveLength(30);
    expect(days[0]).toBe(dayBefore(now, 29));
    expect(days[29]).toBe(dayBefore(now, 0));
    expect(Object.keys(series).sort()).toEqual([...seriesNames].sort());
    for (const name of seriesNames) {
      const want = days.map((d) => seeded.expected[name].get(d) ?? 0);
      expect({ name, counts: series[name] }).toEqual({ name, counts: want });
    }
    // the rows 30 days old and older are outside the window: the sums are those of the window
    expect(series.signups.reduce((x, y) => x + y, 0)).toBe(4);
    expect(series.posts.reduce((x, y) => x + y, 0)).toBe(4);
    expect(series.chatMessages.reduce((x, y) => x + y, 0)).toBe(4);
  });

  it('a shorter window drops the older days', async () => {
    const { days, series } = await stats.activity(3, now);
    expect(days).toEqual([dayBefore(now, 2), dayBefore(now, 1), dayBefore(now, 0)]);
    expect(series.activeMembers).toEqual([2, 3, 0]);
    expect(series.posts).toEqual([0, 2, 0]);
  });

  it('refuses a window that is not a whole number of days from 1 to 366', async () => {
    await expect(stats.activity(0, now)).rejects.toThrow(RangeError);
    await expect(stats.activity(1.5, now)).rejects.toThrow(RangeError);
  });
});
