// Preloaded into every server of `npm run bench:chat` (node --expose-gc --import tsx --import ./bench/chat/probe.ts):
// the control channel for the idle-memory measurement. On SIGUSR2 it runs a full GC (twice, so that weak
// callbacks and finalizers of the first pass are collected too) and writes one line to stderr:
//   @@probe {"rss":…,"heapUsed":…,"heapTotal":…,"newSpace":…,"external":…,"arrayBuffers":…}
// (heapTotal: the V8 heap's committed size; newSpace: its young generation's part of it)
// With BENCH_CHAT_HEAP_SNAPSHOTS=<folder> it also writes a V8 heap snapshot there each time (for finding what a
// socket costs; snapshots of 10,000 sockets take seconds and skew the connects/s figure of the next phase).
// The servers themselves (A, B and the real chat process) are not changed for the benchmark.
import path from 'node:path';
import v8 from 'node:v8';

const snapshots = process.env.BENCH_CHAT_HEAP_SNAPSHOTS;
let taken = 0;
const gc = (globalThis as { gc?: () => void }).gc;

process.on('SIGUSR2', () => {
  gc?.();
  gc?.();
  // let the GC's deferred work (freeing of external memory) run before sampling
  setTimeout(() => {
    const m = process.memoryUsage();
    const newSpace = v8.getHeapSpaceStatistics().find((x) => x.space_name === 'new_space')?.space_size ?? 0;
    if (snapshots) v8.writeHeapSnapshot(path.join(snapshots, `${process.pid}-${++taken}.heapsnapshot`));
    process.stderr.write(`@@probe ${JSON.stringify({ gc: !!gc, rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, newSpace, external: m.external, arrayBuffers: m.arrayBuffers })}\n`);
  }, 200);
});
