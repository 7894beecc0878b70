// The BullMQ consumer of the `notifications` queue: each job is one event a service emitted (src/notifications/
// events.ts), turned into its recipients' notifications by NotificationFanout, which writes each at most once, so
// a retried or redelivered job is harmless. The same queue carries the hourly retention sweep (a job scheduler
// that every worker upserts under one id, so there is one schedule however many workers run).
import { Worker } from 'bullmq';
import type { Context } from '../src/context.js';
import { NotificationFanout, type NotificationEvent } from '../src/notifications/index.js';
import { bullConnection, bullPrefix, queueNames } from '../src/platform/queue.js';

export const RETENTION_SCHEDULER_ID = 'notifications-retention';

export interface NotificationWorker {
  fanout: NotificationFanout;
  close(): Promise<void>;
}

export async function startNotificationWorker(ctx: Context, opts: { concurrency?: number; retentionEveryMs?: number } = {}): Promise<NotificationWorker> {
  const { config, logger } = ctx;
  const fanout = new NotificationFanout({ prisma: ctx.prisma, redis: ctx.redis, presenter: ctx.services.notifications.presenter, logger, config });
  const worker = new Worker<NotificationEvent>(queueNames.notifications, async (job) => fanout.handle(job.data), {
    connection: bullConnection(config),
    prefix: bullPrefix(config),
    concurrency: opts.concurrency ?? config.notifications.concurrency,
  });
  worker.on('error', (err) => logger.warn({ err: err.message }, 'notification worker error (it reconnects by itself)'));
  worker.on('failed', (job, err) => logger.warn({ jobId: job?.id, err: err.message, attemptsMade: job?.attemptsMade }, 'notification job failed'));
  await worker.waitUntilReady();
  await ctx.queues
    .get(queueNames.notifications)
    .upsertJobScheduler(RETENTION_SCHEDULER_ID, { every: opts.retentionEveryMs ?? 3_600_000 }, { name: 'retention', data: { kind: 'retention' }, opts: { removeOnComplete: true, removeOnFail: 100 } });
  return { fanout, close: () => worker.close() };
}
