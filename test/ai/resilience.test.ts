// Nothing is lost when things break: the worker's and queues' Redis connections killed (CLIENT KILL) while
// predictions flow (every prediction still finishes, and the queue drains). A worker process SIGKILLed in the middle
// of a training job is test/process/ai-worker-kill.test.ts.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { startAiWorkers, type AiWorkers } from '../../ai-worker/processors.js';
import { queueNames } from '../../src/platform/queue.js';
import { redisUrl } from '../helpers/context.js';
import { testProvider } from '../helpers/db.js';
import { FORMULA, aiName, startAiSuite, trained, waitFor, type AiSuite } from './helpers.js';

let s: AiSuite;

beforeAll(async () => {
  s = await startAiSuite({ AI_LOCK_DURATION_MS: '4000', AI_STALLED_INTERVAL_MS: '1000' }, { worker: false });
}, 60_000);
afterAll(async () => {
  await s?.cleanup();
});

describe(`resilience (${testProvider})`, () => {
  it('Redis connections killed while predictions flow: every prediction still finishes', async () => {
    const admin = { id: s.admin.id, role: 'admin' as const, jti: 'j', sid: 's', exp: 0 };
    const member = { id: s.member.id, role: 'user' as const, jti: 'j', sid: 's', exp: 0 };
    let workers: AiWorkers | null = await startAiWorkers(s.t.ctx, { archive: null, predictConcurrency: 10 });
    const killer = new Redis(redisUrl);
    try {
      const ai = await s.t.ctx.services.ais.create(admin, { name: aiName('blip') });
      expect((await trained(s, ai.id)).status).toBe('succeeded');
      const bull = `${s.t.ctx.config.redisPrefix}bull`;
      const killBull = async () => {
        const list = (await killer.client('LIST')) as string;
        const ids = list
          .split('\n')
          .map((l) => ({ id: /\bid=(\d+)/.exec(l)?.[1], name: /\bname=(\S*)/.exec(l)?.[1] ?? '' }))
          .filter((c) => c.id && c.name.startsWith(bull));
        for (const c of ids) await killer.client('KILL', 'ID', c.id!).catch(() => 0);
        return ids.length;
      };
      const logs: number[] = [];
      let killed = 0;
      for (let round = 0; round < 4; round++) {
        for (let i = 0; i < 50; i++) {
          const log = await s.t.ctx.services.ais.predict(member, ai.id, { input: FORMULA.map((_, j) => round + i + j) }).catch(() => null);
          if (log) logs.push(log.id);
        }
        killed += await killBull();
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(killed).toBeGreaterThan(0);
      expect(logs.length).toBeGreaterThan(150);
      await waitFor('every prediction to finish', async () => (await s.t.ctx.prisma.aiLog.count({ where: { id: { in: logs }, isFinished: true } })) === logs.length, 60_000, 200);
      const rows = await s.t.ctx.prisma.aiLog.findMany({ where: { id: { in: logs } } });
      expect(rows.filter((r) => r.status !== 'succeeded').map((r) => ({ id: r.id, status: r.status, error: r.error }))).toEqual([]);
      // the queue drains: nothing left waiting, running or failed
      await waitFor(
        'the queue to drain',
        async () => {
          const c = await s.t.ctx.queues.get(queueNames.aiPredict).getJobCounts('wait', 'active', 'delayed', 'failed');
          return c.wait + c.active + c.delayed + c.failed === 0;
        },
        30_000,
        200,
      );
      await workers.close();
      workers = null;
    } finally {
      killer.disconnect();
      await workers?.close();
    }
  }, 120_000);
});
