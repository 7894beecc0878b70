// Every Redis key Agora writes, named in one place. The connection adds REDIS_PREFIX to each of them
// (ioredis keyPrefix); BullMQ keys live under their own prefix (platform/queue.ts).
export const redisKeys = {
  /** Blacklisted access-token id (logout), kept until the token would expire anyway. */
  accessBlacklist: (jti: string) => `auth:bl:${jti}`,
  /** Per-user revocation epoch (ms): access tokens issued before it are dead. */
  revocationEpoch: (userId: number) => `auth:epoch:${userId}`,
  /** A revoked login (refresh family id = the tokens' `sid`): every access token of it is dead. */
  revokedLogin: (sid: string) => `auth:sidrev:${sid}`,
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
  /** Admin-panel sessions (express-session through connect-redis, which appends the session id). */
  adminSessionPrefix: () => 'admin:sess:',
  /**
   * Password-guess counters in the current window (API and admin panel alike): login attempts per client
   * address, failed ones per (account, address) and per account, failed current-password checks per user.
   */
  loginIp: (ip: string) => `login:ip:${ip}`,
  loginAccountIp: (account: string, ip: string) => `login:acctip:${account}:${ip}`,
  loginAccount: (account: string) => `login:acct:${account}`,
  passwordCheck: (userId: number) => `login:pwcheck:${userId}`,
  /** Cached state of an existing chat session: JSON {creatorId, isClosed, isVisible} (unknown ids are not cached). */
  chatSessionState: (sessionId: number) => `chat:sess:${sessionId}`,
  /** Cached member ids of a chat session (set; holds "-" so an empty set still exists). */
  chatSessionMembers: (sessionId: number) => `chat:members:${sessionId}`,
  /** Bumped on every change of a chat session or its members (same race guard as boardVersion). */
  chatSessionVersion: (sessionId: number) => `chat:ver:${sessionId}`,
  /** Open sockets of one chat replica (refreshed with a TTL), and the set of replica ids that wrote one. */
  chatReplicaConnections: (replicaId: string) => `chat:conns:${replicaId}`,
  chatReplicas: () => 'chat:replicas',
  /** Who is online in a chat session: hash userId → number of chat replicas where they have a socket in it. */
  chatOnline: (sessionId: number) => `chat:online:${sessionId}`,
  /** What one replica counted in chatOnline ("sessionId:userId" set), for the cleanup when it dies. */
  chatOnlineOf: (replicaId: string) => `chat:online:r:${replicaId}`,
  /** The replicas that have a chatOnlineOf set. */
  chatOnlineReplicas: () => 'chat:online:replicas',
  /** A create request's Idempotency-Key (SHA-256 of it) of one user: JSON, pending or the stored answer. */
  idempotency: (userId: number, keyHash: string) => `idem:${userId}:${keyHash}`,
} as const;

/**
 * Pub/sub channels. Channels are not keys, so ioredis does not prefix them: publishers and subscribers pass
 * these through `prefixedChannel(config.redisPrefix, …)` so deployments (and test suites) stay apart.
 */
export const redisChannels = {
  /** Fan-out of one chat session between replicas: frames and control events (docs/chat-protocol.md). */
  chatSession: (sessionId: number) => `chat:ch:s:${sessionId}`,
  chatSessionPrefix: () => 'chat:ch:s:',
  /** A user's tokens were revoked (ban, password change, logout-all): every replica closes their sockets. */
  chatRevocations: () => 'chat:ch:revoke',
  /** An AI job reached a final state (JSON {type: 'ailog'|'ai', id, aiId, userId, status}): SSE streams and the chat push it. */
  aiEvents: () => 'ai:ch:events',
  /** New notifications (`<userId>\n<notification frame>`): chat replicas and SSE streams deliver them (src/notifications/live.ts). */
  notifications: () => 'notify:ch:users',
} as const;

export const prefixedChannel = (redisPrefix: string, channel: string) => `${redisPrefix}${channel}`;

export const redisTtl = {
  wsTicketSeconds: 30,
  /** How long a revocation epoch is kept: at least the longest access-token lifetime. */
  epochSeconds: (accessTokenTtlSeconds: number) => accessTokenTtlSeconds + 60,
  /** Board access cache entries; changes delete them at once, the TTL only bounds memory. */
  boardCacheSeconds: 600,
  /** Chat session state and members; changes delete them at once, the TTL only bounds memory. */
  chatCacheSeconds: 600,
  /** A chat replica's connection count lives this long unless refreshed (every third of it). */
  chatReplicaSeconds: 15,
  /** The answer to a create request with an Idempotency-Key is replayed this long. */
  idempotencySeconds: 86_400,
  /** A request with an Idempotency-Key holds it this long at most while it runs (a crashed process lets go). */
  idempotencyPendingSeconds: 300,
} as const;
