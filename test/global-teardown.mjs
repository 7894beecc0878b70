// Once per `jest` run, after every suite: the run must leave Redis as it found it. Every suite's keys live under
// agora-test:<run>:<suite>:<random>: (test/helpers/context.ts); any key of this run still there is a leak of the
// suite named in it (a missing cleanup, or a process or client that wrote after it). The run fails, naming the
// suites and a few keys; the keys are deleted afterwards so that one leak does not pile up in a shared Redis.
import { Redis } from 'ioredis';

export default async function globalTeardown() {
  const run = process.env.AGORA_TEST_RUN;
  if (!run) return;
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 1, lazyConnect: true });
  try {
    await redis.connect();
    const left = [];
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `agora-test:${run}:*`, 'COUNT', 1000);
      cursor = next;
      left.push(...keys);
    } while (cursor !== '0');
    if (!left.length) return;
    const bySuite = new Map();
    for (const key of left) {
      const suite = key.split(':')[2];
      bySuite.set(suite, [...(bySuite.get(suite) ?? []), key]);
    }
    for (let i = 0; i < left.length; i += 500) await redis.del(...left.slice(i, i + 500));
    const lines = [...bySuite].map(([suite, keys]) => `  ${suite}: ${keys.length} key(s), e.g. ${keys.slice(0, 3).join(', ')}`);
    throw new Error(`this run left ${left.length} Redis key(s) behind (now deleted); each suite must delete what it writes:\n${lines.join('\n')}`);
  } finally {
    redis.disconnect();
  }
}
