// BullMQ queues. BullMQ keeps its own key prefix (ioredis keyPrefix is not allowed there), derived from
// REDIS_PREFIX so that one deployment's queues never mix with another's.
import { Queue, type ConnectionOptions } from 'bullmq';
import type { Config } from '../config.js';

export const queueNames = { aiTrain: 'ai-train', aiPredict: 'ai-predict', fileThumbnails: 'file-thumbnails', notifications: 'notifications' } as const;
export type QueueName = (typeof queueNames)[keyof typeof queueNames];

export function bullPrefix(config: Pick<Config, 'redisPrefix'>): string {
  return `${config.redisPrefix}bull`;
}

export function bullConnection(config: Pick<Config, 'redisUrl'>): ConnectionOptions {
  const u = new URL(config.redisUrl);
  return {
    host: u.hostname,
    port: Number(u.port || 6379),
    username: u.username ? decodeURIComponent(u.username) : undefined,
    password: u.password ? decodeURIComponent(u.password) : undefined,
    db: u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0,
    tls: u.protocol === 'rediss:' ? {} : undefined,
    maxRetriesPerRequest: null,
  };
}

export interface Queues {
  get(name: QueueName): Queue;
  close(): Promise<void>;
}

/** Queues are opened on first use, so a process that never enqueues opens no connection for them. */
export function createQueues(config: Pick<Config, 'redisUrl' | 'redisPrefix'>): Queues {
  const open = new Map<QueueName, Queue>();
  return {
    get(name) {
      let q = open.get(name);
      if (!q) {
        q = new Queue(name, { connection: bullConnection(config), prefix: bullPrefix(config) });
        open.set(name, q);
      }
      return q;
    },
    async close() {
      await Promise.allSettled([...open.values()].map((q) => q.close()));
      open.clear();
    },
  };
}
