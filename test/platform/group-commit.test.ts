// The generic group commit (src/platform/group-commit.ts): batches bounded by maxBatch and written in order, a lone
// item waits for the interval (or the end of the turn), one write at a time, a failed write fails only its own
// items, close() writes what is waiting; batchOrOneByOne isolates the item at fault. Real timers; the tests wait for states, never for a fixed time.
import { describe, expect, it } from '@jest/globals';
import { performance } from 'node:perf_hooks';
import { batchOrOneByOne, GroupCommit, GroupCommitClosedError } from '../../src/platform/group-commit.js';

const endOfTurn = () => new Promise((resolve) => setImmediate(resolve));

/** A write that records its batches and answers each item with `item * 10`, unless told otherwise. */
function recorder(opts: { maxBatch: number; intervalMs: number }, write?: (batch: number[]) => Promise<number[]>) {
  const batches: number[][] = [];
  const commit = new GroupCommit<number, number>((batch) => {
    batches.push([...batch]);
    return write ? write(batch) : Promise.resolve(batch.map((n) => n * 10));
  }, opts);
  return { commit, batches };
}

function deferred<T>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe('GroupCommit', () => {
  it('writes in order, in batches of at most maxBatch, and answers each item with its own result', async () => {
    const { commit, batches } = recorder({ maxBatch: 3, intervalMs: 0 });
    const results = Promise.all([0, 1, 2, 3, 4, 5, 6].map((n) => commit.add(n)));
    await expect(results).resolves.toEqual([0, 10, 20, 30, 40, 50, 60]);
    expect(batches).toEqual([[0, 1, 2], [3, 4, 5], [6]]);
    expect(commit.waitingCount).toBe(0);
  });

  it('never writes from inside add(); a full batch goes at the end of the turn without waiting for the interval', async () => {
    const { commit, batches } = recorder({ maxBatch: 2, intervalMs: 60_000 });
    const first = commit.add(1);
    await endOfTurn();
    expect(batches).toEqual([]); // one item: it waits for the interval or a full batch
    expect(commit.waitingCount).toBe(1);
    const second = commit.add(2);
    expect(batches).toEqual([]);
    await endOfTurn();
    expect(batches).toEqual([[1, 2]]);
    await expect(Promise.all([first, second])).resolves.toEqual([10, 20]);
  });

  it('intervalMs 0: what is added in one turn is one batch, written at the end of that turn', async () => {
    const { commit, batches } = recorder({ maxBatch: 100, intervalMs: 0 });
    const all = Promise.all([commit.add(1), commit.add(2), commit.add(3)]);
    expect(batches).toEqual([]);
    await endOfTurn();
    expect(batches).toEqual([[1, 2, 3]]);
    await all;
  });

  it('a lone item is written once the interval has passed, without a flush', async () => {
    const intervalMs = 100;
    const { commit, batches } = recorder({ maxBatch: 100, intervalMs });
    const started = performance.now();
    const result = commit.add(7);
    await endOfTurn();
    expect(batches).toEqual([]);
    await expect(result).resolves.toBe(70);
    // a lower bound only (timers never fire early, give or take the clock's rounding)
    expect(performance.now() - started).toBeGreaterThanOrEqual(intervalMs - 5);
    expect(batches).toEqual([[7]]);
  });

  it('runs one write at a time; what arrives meanwhile is the next batch, written as soon as the first is done', async () => {
    const gates: { resolve: (v: number[]) => void; batch: number[] }[] = [];
    const written = deferred<void>();
    const { commit, batches } = recorder({ maxBatch: 10, intervalMs: 60_000 }, (batch) => {
      const gate = deferred<number[]>();
      gates.push({ resolve: gate.resolve, batch });
      if (gates.length === 1) written.resolve();
      return gate.promise;
    });
    const first = commit.add(1);
    void commit.flush();
    await written.promise;
    const later = [commit.add(2), commit.add(3)];
    await endOfTurn();
    expect(batches).toEqual([[1]]); // the first write is still running
    expect(commit.waitingCount).toBe(2);
    gates[0].resolve([10]);
    await expect(first).resolves.toBe(10);
    while (gates.length < 2) await endOfTurn(); // no interval, no flush: it follows the first write
    expect(batches).toEqual([[1], [2, 3]]);
    gates[1].resolve([20, 30]);
    await expect(Promise.all(later)).resolves.toEqual([20, 30]);
  });

  it('a failed write rejects exactly the items of its batch; the other batches are written', async () => {
    const failure = new Error('disk full');
    const { commit, batches } = recorder({ maxBatch: 2, intervalMs: 0 }, (batch) => (batch.includes(3) ? Promise.reject(failure) : Promise.resolve(batch.map((n) => n * 10))));
    const settled = await Promise.allSettled([1, 2, 3, 4, 5].map((n) => commit.add(n)));
    expect(batches).toEqual([[1, 2], [3, 4], [5]]);
    expect(settled).toEqual([
      { status: 'fulfilled', value: 10 },
      { status: 'fulfilled', value: 20 },
      { status: 'rejected', reason: failure },
      { status: 'rejected', reason: failure },
      { status: 'fulfilled', value: 50 },
    ]);
    await expect(commit.add(6)).resolves.toBe(60); // still writing after a failure
  });

  it('a write that throws synchronously, or answers the wrong number of results, fails its batch only', async () => {
    const { commit } = recorder({ maxBatch: 1, intervalMs: 0 }, (batch) => {
      if (batch[0] === 1) throw new Error('sync');
      if (batch[0] === 2) return Promise.resolve([]);
      return Promise.resolve([batch[0] * 10]);
    });
    const [one, two, three] = await Promise.allSettled([commit.add(1), commit.add(2), commit.add(3)]);
    expect(one).toMatchObject({ status: 'rejected', reason: { message: 'sync' } });
    expect(two).toMatchObject({ status: 'rejected', reason: { message: expect.stringMatching(/0 results for 1 items/) } });
    expect(three).toEqual({ status: 'fulfilled', value: 30 });
  });

  it('an item added as soon as the previous result arrives is written too', async () => {
    const { commit, batches } = recorder({ maxBatch: 10, intervalMs: 0 });
    let n = 0;
    while (n < 5) n = (await commit.add(n + 1)) / 10;
    expect(batches).toEqual([[1], [2], [3], [4], [5]]);
  });

  it('close() writes what is waiting and refuses what comes after', async () => {
    const { commit, batches } = recorder({ maxBatch: 2, intervalMs: 60_000 });
    const pending = [1, 2, 3].map((n) => commit.add(n));
    await commit.close();
    expect(batches).toEqual([[1, 2], [3]]);
    await expect(Promise.all(pending)).resolves.toEqual([10, 20, 30]);
    await expect(commit.add(4)).rejects.toBeInstanceOf(GroupCommitClosedError);
    expect(batches).toEqual([[1, 2], [3]]);
  });

  it('flush() with nothing waiting resolves at once', async () => {
    const { commit, batches } = recorder({ maxBatch: 2, intervalMs: 0 });
    await commit.flush();
    expect(batches).toEqual([]);
  });
});

describe('batchOrOneByOne', () => {
  const bad = new Error('item 3 is refused');
  const one = (n: number) => (n === 3 ? Promise.reject(bad) : Promise.resolve(n * 10));

  it('takes the batch write when it succeeds, without writing any item alone', async () => {
    const alone: number[] = [];
    const out = await batchOrOneByOne(
      [1, 2, 4],
      (b) => Promise.resolve(b.map((n) => n * 100)),
      (n) => (alone.push(n), one(n)),
    );
    expect(out).toEqual([100, 200, 400].map((value) => ({ ok: true, value })));
    expect(alone).toEqual([]);
  });

  it('writes each item alone when the batch write fails: only the item at fault fails, with its own error', async () => {
    const out = await batchOrOneByOne([1, 3, 5], () => Promise.reject(new Error('the batch rolled back')), one);
    expect(out).toEqual([
      { ok: true, value: 10 },
      { ok: false, error: bad },
      { ok: true, value: 50 },
    ]);
  });

  it('writes a lone item alone, and refuses a batch write that answers a different number of results', async () => {
    expect(await batchOrOneByOne([3], () => Promise.resolve([0]), one)).toEqual([{ ok: false, error: bad }]);
    await expect(batchOrOneByOne([1, 2], () => Promise.resolve([10]), one)).rejects.toThrow('1 results for 2 items');
  });
});
