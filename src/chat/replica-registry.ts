// The live chat replicas and their socket counts in Redis: each replica reports its count with a TTL (heartbeat.ts),
// and the admin panel adds them up. A replica that stops reporting drops out when its count expires.
import { redisKeys, redisTtl } from '../platform/keys.js';
import type { Redis } from '../platform/redis.js';

export class ReplicaRegistry {
  constructor(private readonly redis: Redis) {}

  /** Open chat sockets over every live chat replica (each reports its count with a TTL). */
  async activeConnections(): Promise<number> {
    const replicas = await this.redis.smembers(redisKeys.chatReplicas());
    if (!replicas.length) return 0;
    const counts = await this.redis.mget(...replicas.map((r) => redisKeys.chatReplicaConnections(r)));
    const dead = replicas.filter((_, i) => counts[i] === null);
    if (dead.length) await this.redis.srem(redisKeys.chatReplicas(), ...dead);
    return counts.reduce((sum, c) => sum + (c === null ? 0 : Number(c)), 0);
  }

  /** A chat replica's heartbeat: its socket count, alive for chatReplicaSeconds. */
  async reportConnections(replicaId: string, count: number): Promise<void> {
    await this.redis.multi().set(redisKeys.chatReplicaConnections(replicaId), String(count), 'EX', redisTtl.chatReplicaSeconds).sadd(redisKeys.chatReplicas(), replicaId).exec();
  }

  async dropReplica(replicaId: string): Promise<void> {
    await this.redis.multi().del(redisKeys.chatReplicaConnections(replicaId)).srem(redisKeys.chatReplicas(), replicaId).exec();
  }
}
