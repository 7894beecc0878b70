// The group-commit writer's scheduling: a batch is flushed at the end of the event-loop turn, also when it is full.
// A full batch must not be flushed from inside submit(): the chat server calls submit() from a uWS message handler,
// which holds that socket's cork, and the acks and fan-out written from there went out one frame per system call
// (bench:chat with 8 unacknowledged sends per socket: 1 syscall per delivery, saturated throughput halved).
import { describe, expect, it } from '@jest/globals';
import { createChatMetrics } from '../../src/chat/metrics.js';
import type { CommitResult, PendingMessage } from '../../src/chat/service.js';
import { GroupCommitWriter } from '../../src/chat/writer.js';
import { createLogger } from '../../src/platform/logger.js';

const logger = createLogger({ logLevel: 'silent', nodeEnv: 'test' }, 'unit');
const metrics = createChatMetrics();
const endOfTurn = () => new Promise((resolve) => setImmediate(resolve));
const msg = (n: number): PendingMessage => ({ sessionId: 1, authorId: 1, clientMsgId: `m${n}`, content: 'x' });

function recorder(opts: { intervalMs: number; maxBatch: number }) {
  const committed: string[][] = [];
  const delivered: string[][] = [];
  const writer = new GroupCommitWriter<PendingMessage>(
    (batch) => {
      committed.push(batch.map((m) => m.clientMsgId));
      return Promise.resolve(batch.map((_, i): CommitResult => ({ ok: true, id: i, createdAt: new Date(), duplicate: false })));
    },
    (batch) => void delivered.push(batch.map((m) => m.clientMsgId)),
    opts,
    metrics,
    logger,
  );
  return { writer, committed, delivered };
}

describe('GroupCommitWriter', () => {
  it('does not flush a full batch from inside submit(), but at the end of the same turn', async () => {
    const { writer, committed, delivered } = recorder({ intervalMs: 0, maxBatch: 3 });
    for (let i = 0; i < 3; i++) writer.submit(msg(i));
    expect(committed).toEqual([]); // nothing written (nor acknowledged) while the caller is still running
    await endOfTurn();
    expect(committed).toEqual([['m0', 'm1', 'm2']]);
    expect(delivered).toEqual([['m0', 'm1', 'm2']]);
  });

  it('a full batch does not wait for the flush interval', async () => {
    const { writer, committed } = recorder({ intervalMs: 60_000, maxBatch: 2 });
    writer.submit(msg(0));
    await endOfTurn();
    expect(committed).toEqual([]); // one message: it waits for the interval (or a full batch)
    writer.submit(msg(1));
    expect(committed).toEqual([]);
    await endOfTurn();
    expect(committed).toEqual([['m0', 'm1']]);
  });

  it('splits what is pending into batches of at most maxBatch, committed and delivered in order', async () => {
    const { writer, committed, delivered } = recorder({ intervalMs: 0, maxBatch: 3 });
    for (let i = 0; i < 7; i++) writer.submit(msg(i));
    await writer.flush();
    expect(committed).toEqual([['m0', 'm1', 'm2'], ['m3', 'm4', 'm5'], ['m6']]);
    expect(delivered).toEqual(committed);
    expect(writer.size).toBe(0);
  });
});
