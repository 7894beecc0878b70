// Who is online in each chat session, across replicas, in Redis: a hash per session, userId → the number of replicas
// where that user has a socket joined to it. A replica counts a user once per session however many sockets they
// have there (rooms.ts keeps the local count), and the `presence` frames go out when a user's count over all
// replicas goes from 0 to 1 (online) and back to 0 (offline): per user, not per replica. Each replica also keeps the
// set of what it counted; when a replica dies without cleaning up, the others' heartbeats (heartbeat.ts) notice that
// its connection count expired and take its counts back (sweep), telling its users' sessions they went offline.
import type { Logger } from '../platform/logger.js';
import { redisKeys } from '../platform/keys.js';
import type { Redis } from '../platform/redis.js';
import type { ChatBus } from './bus.js';
import { frames } from './frames.js';

// KEYS: session hash, this replica's set, the replicas set. ARGV: userId, "sessionId:userId", replica id.
const ARRIVE = `if redis.call('SADD', KEYS[2], ARGV[2]) == 0 then return -1 end
redis.call('SADD', KEYS[3], ARGV[3])
return redis.call('HINCRBY', KEYS[1], ARGV[1], 1)`;
// KEYS: session hash, this replica's set. ARGV: userId, "sessionId:userId".
const DEPART = `if redis.call('SREM', KEYS[2], ARGV[2]) == 0 then return -1 end
local n = redis.call('HINCRBY', KEYS[1], ARGV[1], -1)
if n <= 0 then redis.call('HDEL', KEYS[1], ARGV[1]) end
return n`;
// KEYS: the dead replica's set, the replicas set, then one session hash per entry. ARGV: replica id, then the entries
// ("sessionId:userId"). Returns the entries whose user is offline now.
const SWEEP = `local gone = {}
for i = 3, #KEYS do
  local e = ARGV[i - 1]
  if redis.call('SISMEMBER', KEYS[1], e) == 1 then
    local uid = string.match(e, ':(%d+)$')
    local n = redis.call('HINCRBY', KEYS[i], uid, -1)
    if n <= 0 then redis.call('HDEL', KEYS[i], uid); table.insert(gone, e) end
    redis.call('SREM', KEYS[1], e)
  end
end
if redis.call('SCARD', KEYS[1]) == 0 then redis.call('SREM', KEYS[2], ARGV[1]) end
return gone`;

export class ChatPresence {
  /** Per "sessionId:userId": the last arrive/depart, so that each runs after the one before. */
  private readonly chains = new Map<string, Promise<void>>();

  constructor(
    private readonly redis: Redis,
    private readonly bus: ChatBus,
    private readonly log: Logger,
  ) {}

  /** The user's first socket in the session on this replica: counted; `presence online` if no replica had them. */
  arrive(replicaId: string, sessionId: number, userId: number): Promise<void> {
    return this.chain(sessionId, userId, async () => {
      const n = (await this.redis.eval(
        ARRIVE,
        3,
        redisKeys.chatOnline(sessionId),
        redisKeys.chatOnlineOf(replicaId),
        redisKeys.chatOnlineReplicas(),
        String(userId),
        `${sessionId}:${userId}`,
        replicaId,
      )) as number;
      if (n === 1) this.bus.publishFrame(sessionId, frames.presence(sessionId, userId, 'online'));
    });
  }

  /** Their last socket in the session here is gone: `presence offline` once no replica has them (unless `quiet`). */
  depart(replicaId: string, sessionId: number, userId: number, quiet = false): Promise<void> {
    return this.chain(sessionId, userId, async () => {
      const n = (await this.redis.eval(DEPART, 2, redisKeys.chatOnline(sessionId), redisKeys.chatOnlineOf(replicaId), String(userId), `${sessionId}:${userId}`)) as number;
      if (n === 0 && !quiet) this.bus.publishFrame(sessionId, frames.presence(sessionId, userId, 'offline'));
    });
  }

  /** The members connected to the session on any replica. */
  async online(sessionId: number): Promise<number[]> {
    return (await this.redis.hkeys(redisKeys.chatOnline(sessionId))).map(Number).sort((x, y) => x - y);
  }

  /** Takes back what a replica counted (it stopped, or died: its connection count expired); tells the sessions. */
  async dropReplica(replicaId: string): Promise<void> {
    const entries = await this.redis.smembers(redisKeys.chatOnlineOf(replicaId));
    const keys = entries.map((e) => redisKeys.chatOnline(Number(e.split(':')[0])));
    const gone = (await this.redis.eval(SWEEP, 2 + keys.length, redisKeys.chatOnlineOf(replicaId), redisKeys.chatOnlineReplicas(), ...keys, replicaId, ...entries)) as string[];
    for (const e of gone) {
      const [sessionId, userId] = e.split(':').map(Number);
      this.bus.publishFrame(sessionId, frames.presence(sessionId, userId, 'offline'));
    }
  }

  /** The replicas that counted users but whose connection count expired (heartbeat.ts): their counts are taken back. */
  async sweep(): Promise<void> {
    const replicas = await this.redis.smembers(redisKeys.chatOnlineReplicas());
    if (!replicas.length) return;
    const alive = await this.redis.mget(...replicas.map((r) => redisKeys.chatReplicaConnections(r)));
    for (const [i, replicaId] of replicas.entries()) {
      if (alive[i] !== null) continue;
      this.log.info({ replicaId }, 'chat: presence of a replica that stopped reporting taken back');
      await this.dropReplica(replicaId);
    }
  }

  private chain(sessionId: number, userId: number, step: () => Promise<void>): Promise<void> {
    const key = `${sessionId}:${userId}`;
    const next = (this.chains.get(key) ?? Promise.resolve()).then(step).catch((e: unknown) => this.log.warn({ err: (e as Error).message, sessionId, userId }, 'chat: presence not updated'));
    this.chains.set(key, next);
    void next.then(() => {
      if (this.chains.get(key) === next) this.chains.delete(key);
    });
    return next;
  }
}
