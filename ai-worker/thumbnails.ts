// The BullMQ consumer of the file-thumbnails queue: each job makes one attachment's thumbnail through
// Thumbnails.produce (src/files/thumbnails.ts), which is idempotent, so a job handed out again after a worker
// died (BullMQ's stalled-job check) or retried after a storage error does its work once.
import { Worker, type Job } from 'bullmq';
import type { Context } from '../src/context.js';
import type { ThumbnailJobData } from '../src/files/service.js';
import { runWithLogContext } from '../src/platform/log-context.js';
import { bullConnection, bullPrefix, queueNames } from '../src/platform/queue.js';
import { closeWorker } from './processors.js';

export interface ThumbnailWorker {
  worker: Worker<ThumbnailJobData>;
  close(): Promise<void>;
}

export async function startThumbnailWorker(ctx: Context, opts: { concurrency?: number } = {}): Promise<ThumbnailWorker> {
  const { config, logger } = ctx;
  const worker = new Worker<ThumbnailJobData>(
    queueNames.fileThumbnails,
    (job: Job<ThumbnailJobData>) =>
      runWithLogContext({ jobId: job.id }, async () => {
        const outcome = await ctx.services.thumbnails.produce(job.data.fileId);
        logger.debug({ fileId: job.data.fileId, outcome }, 'thumbnail job done');
        return { outcome };
      }),
    // decoding is CPU work: one at a time by default, beside the AI jobs
    { connection: bullConnection(config), prefix: bullPrefix(config), concurrency: opts.concurrency ?? 1 },
  );
  worker.on('error', (err) => logger.warn({ err: err.message, queue: worker.name }, 'thumbnail worker error (it reconnects by itself)'));
  await worker.waitUntilReady();
  let closing: Promise<void> | undefined;
  return { worker, close: () => (closing ??= closeWorker(worker, config.shutdownTimeoutMs * 0.6, logger)) };
}
