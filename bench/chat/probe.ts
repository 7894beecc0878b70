// Preloaded into every server of `npm run bench:chat` (node --expose-gc --import tsx --import ./bench/chat/probe.ts):
// the control channel for the idle-memory measurement. On SIGUSR2 it runs a full GC (twice, so that weak
// callbacks and finalizers of the first pass are collected too) and writes one line to stderr:
//   @@probe {"rss":…,"heapUsed":…,"external":…,"arrayBuffers":…}
// The servers themselves (A, B and the real chat process) are not changed for the benchmark.
const gc = (globalThis as { gc?: () => void }).gc;

process.on('SIGUSR2', () => {
  gc?.();
  gc?.();
  // let the GC's deferred work (freeing of external memory) run before sampling
  setTimeout(() => {
    const m = process.memoryUsage();
    process.stderr.write(`@@probe ${JSON.stringify({ gc: !!gc, rss: m.rss, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers })}\n`);
  }, 200);
});
