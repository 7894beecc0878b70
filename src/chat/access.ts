// What the chat session rule (src/access/: staff read every session, hidden ones too; members the visible
// sessions they belong to; for everyone else the session does not exist, 404) needs to know, cached in Redis
// (src/platform/versioned-cache.ts, as the board policy): the session's state and whether the viewer is a member.
// A check is one pipelined Redis round trip; only a cache miss reads the database. A session that does not
// exist is not cached: anyone may ask for any id, and a key per unknown id would let them fill Redis (a miss is one
// primary-key read; chat joins of unknown sessions also count as invalid frames).
import { access, type Viewer } from '../access/index.js';
import { NotFoundError } from '../errors.js';
import { redisKeys, redisTtl } from '../platform/keys.js';
import type { Db } from '../platform/prisma.js';
import type { Redis } from '../platform/redis.js';
import { VersionedCache } from '../platform/versioned-cache.js';

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

export const sessionNotFound = () => new NotFoundError('chat_session_not_found', 'No such chat session.');

export class ChatAccess {
  private readonly cache: VersionedCache<SessionState>;

  constructor(
    private readonly prisma: Db,
    redis: Redis,
  ) {
    this.cache = new VersionedCache(redis, {
      state: redisKeys.chatSessionState,
      set: redisKeys.chatSessionMembers,
      version: redisKeys.chatSessionVersion,
      ttlSeconds: redisTtl.chatCacheSeconds,
      cacheMissing: false,
    });
  }

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
    const cached = await this.cache.lookup(sessionId, viewer.id);
    const state = cached.state ?? (await this.loadState(sessionId, cached.version));
    if (!state) return undefined;
    const isMember = cached.setCached ? cached.inSet : (await this.loadMembers(sessionId, cached.version)).has(viewer.id);
    return { state, isMember, isCreator: state.creatorId === viewer.id };
  }

  private async loadState(sessionId: number, version: string): Promise<SessionState | null> {
    const s = await this.prisma.chatSession.findUnique({ where: { id: sessionId }, select: { creatorId: true, isClosed: true, isVisible: true } });
    await this.cache.storeState(sessionId, version, s);
    return s;
  }

  private async loadMembers(sessionId: number, version: string): Promise<Set<number>> {
    const rows = await this.prisma.chatSessionMember.findMany({ where: { sessionId }, select: { userId: true } });
    await this.cache.storeSet(
      sessionId,
      version,
      rows.map((r) => r.userId),
    );
    return new Set(rows.map((r) => r.userId));
  }

  /** Drops the cached state and members of a session: the very next check reads the database. */
  async invalidate(sessionId: number): Promise<void> {
    await this.cache.invalidate(sessionId);
  }
}
