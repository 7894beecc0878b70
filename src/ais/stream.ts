// GET /ailogs/:id/events: Server-Sent Events with the log's state, ended after its final one. Subscribes to the
// completion events first and reads the row after, so a state published in between is not missed.
import type { Request, Response } from 'express';
import type { Context } from '../context.js';
import type { AiLogView } from './service.js';

export async function streamLog(ctx: Context, req: Request, res: Response, id: number): Promise<void> {
  const { ais } = ctx.services;
  const who = req.user ?? null;
  await ais.getLog(who, id); // 404 before the stream starts
  let done = false;
  let unsubscribe: (() => void) | null = null;
  const timers: { heartbeat?: NodeJS.Timeout } = {};
  const finish = () => {
    if (done) return;
    done = true;
    clearInterval(timers.heartbeat);
    unsubscribe?.();
    res.end();
  };
  req.on('close', finish);
  let lastSent = '';
  let reading = Promise.resolve();
  const push = () => {
    // serialised: states go out in order, each at most once
    reading = reading.then(async () => {
      if (done) return;
      let log: AiLogView;
      try {
        log = await ais.getLog(who, id);
      } catch {
        res.write(`event: gone\ndata: ${JSON.stringify({ id })}\n\n`);
        return finish();
      }
      const data = JSON.stringify(log);
      const key = `${log.status}|${log.updateDate.toISOString()}`;
      if (key !== lastSent) {
        lastSent = key;
        res.write(`event: ailog\nid: ${log.id}-${log.status}\ndata: ${data}\n\n`);
      }
      if (log.isFinished) finish();
    });
  };
  // subscribe first, then read: a state published in between is not missed
  unsubscribe = await ais.events.subscribe(id, push);
  if (done) return unsubscribe();
  res.status(200).set({ 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache, no-transform', Connection: 'keep-alive', 'X-Accel-Buffering': 'no' });
  res.flushHeaders();
  res.write('retry: 3000\n\n');
  timers.heartbeat = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
  push();
  await reading;
}
