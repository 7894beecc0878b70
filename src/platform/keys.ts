// Every Redis key Agora writes, named in one place. The connection adds REDIS_PREFIX to each of them
// (ioredis keyPrefix); BullMQ keys live under their own prefix (platform/queue.ts).
export const redisKeys = {
  /** Blacklisted access-token id (logout), kept until the token would expire anyway. */
  accessBlacklist: (jti: string) => `auth:bl:${jti}`,
  /** Per-user revocation epoch (ms): access tokens issued before it are dead. */
  revocationEpoch: (userId: number) => `auth:epoch:${userId}`,
  /** Single-use WebSocket ticket → user id. */
  wsTicket: (ticket: string) => `auth:wst:${ticket}`,
  /** The successor of a just-rotated refresh token, for the grace window of concurrent refreshes. */
  refreshSuccessor: (tokenHash: string) => `auth:rsucc:${tokenHash}`,
  /** Liveness of one worker process (ai-worker/heartbeat.ts); `workerHeartbeatHost` is the prefix of a host's keys. */
  workerHeartbeat: (hostname: string, pid: number) => `worker:heartbeat:${hostname}:${pid}`,
  workerHeartbeatHost: (hostname: string) => `worker:heartbeat:${hostname}:`,
  /** Cached access state of a board: JSON {isVisible, isAvailable}, or "none" when it does not exist. */
  boardAccess: (boardId: number) => `board:access:${boardId}`,
  /** Bumped on every change of a board, so a loader that read the database before the change never caches it. */
  boardVersion: (boardId: number) => `board:ver:${boardId}`,
  /** Cached grant holders of a board (set of user ids; holds the member "-" so an empty set still exists). */
  boardGrants: (boardId: number) => `board:grants:${boardId}`,
  /** A viewer already counted for a post within the de-duplication window. */
  postViewSeen: (postId: number, viewer: string) => `views:seen:${postId}:${viewer}`,
  /** Views counted but not yet written to the database: hash postId → count. */
  postViewsPending: () => 'views:pending',
  /** A batch taken for writing (renamed from pending); left behind only if a process died mid-flush. */
  postViewsFlushing: (batch: string) => `views:flushing:${batch}`,
  postViewsFlushingPrefix: () => 'views:flushing:',
  /** express-rate-limit counters of one limiter. */
  rateLimit: (limiter: string) => `rl:${limiter}:`,
} as const;

export const redisTtl = {
  wsTicketSeconds: 30,
  /** How long a revocation epoch is kept: at least the longest access-token lifetime. */
  epochSeconds: (accessTokenTtlSeconds: number) => accessTokenTtlSeconds + 60,
  /** Board access cache entries; changes delete them at once, the TTL only bounds memory. */
  boardCacheSeconds: 600,
} as const;
