// What the chat session rule (src/access/: staff read every session, hidden ones too; members the visible
// sessions they belong to; for everyone else the session does not exist, 404) needs to know, cached in Redis
// (the board policy's pattern, src/boards/policy.ts): the session's state and whether the viewer is a member.
// A check is one pipelined Redis round trip; only a cache miss reads the database. Every change of a session or
// its members bumps its version and deletes the cached entries, and a loader caches what it read only while the
// version is still the one it saw first, so a change is never overwritten by older data. A session that does not
// exist is not cached: anyone may ask for any id, and a key per unknown id would let them fill Redis (a miss is one
// primary-key read; chat joins of unknown sessions also count as invalid frames).
import { access, type Viewer } from '../access/index.js';
import { NotFoundError } from '../errors.js';
import { redisKeys, redisTtl } from '../platform/keys.js';
import type { Db } from '../platform/prisma.js';
import { execBatch, type Redis } from '../platform/redis.js';

export interface SessionState {
  creatorId: number;
  isClosed: boolean;
  isVisible: boolean;
}

export interface SessionAccess {
  state: SessionState;
  isMember: boolean;
  isCreator: boolean;
}

// KEYS: version, cache key. ARGV: the version the loader saw, then what to cache.
const CACHE_STATE = `if (redis.call('GET', KEYS[1]) or '0') ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[2], ARGV[2], 'EX', ARGV[3])
return 1`;
const CACHE_MEMBERS = `if (redis.call('GET', KEYS[1]) or '0') ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[2])
for i = 3, #ARGV do redis.call('SADD', KEYS[2], ARGV[i]) end
redis.call('EXPIRE', KEYS[2], ARGV[2])
return 1`;

export const sessionNotFound = () => new NotFoundError('chat_session_not_found', 'No such chat session.');

export class ChatAccess {
  constructor(
    private readonly prisma: Db,
    private readonly redis: Redis,
  ) {}

  /** The viewer's access, or null when the session does not exist for them. */
  async access(viewer: Viewer, sessionId: number): Promise<SessionAccess | null> {
    const found = await this.lookup(viewer, sessionId);
    return found && access.can(viewer, 'chatSession.read', { isVisible: found.state.isVisible, isMember: found.isMember }) ? found : null;
  }

  /** The access, or a 404 `chat_session_not_found`. */
  async require(viewer: Viewer, sessionId: number): Promise<SessionAccess> {
    const found = await this.lookup(viewer, sessionId);
    if (!found) throw sessionNotFound();
    access.require(viewer, 'chatSession.read', { isVisible: found.state.isVisible, isMember: found.isMember });
    return found;
  }

  /** The session's state and the viewer's membership (undefined: no such session). */
  private async lookup(viewer: Viewer, sessionId: number): Promise<SessionAccess | undefined> {
    const [cachedState, member, membersCached, version] = (await execBatch(
      this.redis
        .pipeline()
        .get(redisKeys.chatSessionState(sessionId))
        .sismember(redisKeys.chatSessionMembers(sessionId), String(viewer.id))
        .exists(redisKeys.chatSessionMembers(sessionId))
        .get(redisKeys.chatSessionVersion(sessionId)),
    )) as [string | null, number, number, string | null];
    // "none" (a negative entry a replica of another version may have written during an upgrade) is a miss
    const state = cachedState === null || cachedState === 'none' ? await this.loadState(sessionId, version ?? '0') : (JSON.parse(cachedState) as SessionState);
    if (!state) return undefined;
    const isMember = membersCached ? member === 1 : (await this.loadMembers(sessionId, version ?? '0')).has(viewer.id);
    return { state, isMember, isCreator: state.creatorId === viewer.id };
  }

  private async loadState(sessionId: number, version: string): Promise<SessionState | null> {
    const s = await this.prisma.chatSession.findUnique({ where: { id: sessionId }, select: { creatorId: true, isClosed: true, isVisible: true } });
    if (s) await this.redis.eval(CACHE_STATE, 2, redisKeys.chatSessionVersion(sessionId), redisKeys.chatSessionState(sessionId), version, JSON.stringify(s), redisTtl.chatCacheSeconds);
    return s;
  }

  private async loadMembers(sessionId: number, version: string): Promise<Set<number>> {
    const rows = await this.prisma.chatSessionMember.findMany({ where: { sessionId }, select: { userId: true } });
    await this.redis.eval(
      CACHE_MEMBERS,
      2,
      redisKeys.chatSessionVersion(sessionId),
      redisKeys.chatSessionMembers(sessionId),
      version,
      redisTtl.chatCacheSeconds,
      '-',
      ...rows.map((r) => String(r.userId)),
    );
    return new Set(rows.map((r) => r.userId));
  }

  /** Drops the cached state and members of a session: the very next check reads the database. */
  async invalidate(sessionId: number): Promise<void> {
    const version = redisKeys.chatSessionVersion(sessionId);
    await this.redis.multi().incr(version).expire(version, 86_400).del(redisKeys.chatSessionState(sessionId), redisKeys.chatSessionMembers(sessionId)).exec();
  }
}
