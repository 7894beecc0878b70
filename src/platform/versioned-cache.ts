// A versioned Redis cache of one record's state and one set of user ids tied to it (a board and its grant
// holders, a chat session and its members): what an access check needs, read in one pipelined round trip.
// Every change bumps the record's version and deletes both entries, and a loader caches what it read only while
// the version is still the one it saw before reading the database, so a change that lands in between is never
// overwritten by older data.
import { execBatch, type Redis } from './redis.js';

// KEYS: version, cache key. ARGV: the version the loader saw, then what to cache.
const CACHE_STATE = `if (redis.call('GET', KEYS[1]) or '0') ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[2], ARGV[2], 'EX', ARGV[3])
return 1`;
const CACHE_SET = `if (redis.call('GET', KEYS[1]) or '0') ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[2])
for i = 3, #ARGV do redis.call('SADD', KEYS[2], ARGV[i]) end
redis.call('EXPIRE', KEYS[2], ARGV[2])
return 1`;

/** The marker stored for a record that does not exist, when missing records are cached. */
const MISSING = 'none';
/** How long a version counter outlives the last change (longer than any cached entry it guards). */
const VERSION_TTL_SECONDS = 86_400;

export interface VersionedCacheOptions {
  state: (id: number) => string;
  set: (id: number) => string;
  version: (id: number) => string;
  ttlSeconds: number;
  /**
   * Cache "does not exist" too (one key per unknown id asked for, for the TTL). Off where anyone may ask for any
   * id and a miss is a cheap primary-key read.
   */
  cacheMissing: boolean;
}

export interface CachedLookup<S> {
  /** The cached state, null when cached as missing, undefined when not cached. */
  state: S | null | undefined;
  /** Whether the user is in the cached set (meaningful only when `setCached`). */
  inSet: boolean;
  setCached: boolean;
  /** The version seen, to pass to the loaders. */
  version: string;
}

export class VersionedCache<S> {
  constructor(
    private readonly redis: Redis,
    private readonly options: VersionedCacheOptions,
  ) {}

  /** One round trip: the state, the user's membership of the set, and the version. */
  async lookup(id: number, userId: number | null): Promise<CachedLookup<S>> {
    const o = this.options;
    const [state, inSet, setCached, version] = (await execBatch(
      this.redis
        .pipeline()
        .get(o.state(id))
        .sismember(o.set(id), userId === null ? '-none-' : String(userId))
        .exists(o.set(id))
        .get(o.version(id)),
    )) as [string | null, number, number, string | null];
    let parsed: S | null | undefined;
    if (state === null) parsed = undefined;
    // a "missing" entry where missing records are not cached (written by another version) is a miss
    else if (state === MISSING) parsed = o.cacheMissing ? null : undefined;
    else parsed = JSON.parse(state) as S;
    return { state: parsed, inSet: inSet === 1, setCached: setCached === 1, version: version ?? '0' };
  }

  /** Caches a state read from the database (null: the record does not exist) unless the version moved on. */
  async storeState(id: number, version: string, state: S | null): Promise<void> {
    if (state === null && !this.options.cacheMissing) return;
    const o = this.options;
    await this.redis.eval(CACHE_STATE, 2, o.version(id), o.state(id), version, state === null ? MISSING : JSON.stringify(state), o.ttlSeconds);
  }

  /** Caches a set read from the database unless the version moved on (it holds "-" so an empty set exists). */
  async storeSet(id: number, version: string, userIds: readonly number[]): Promise<void> {
    const o = this.options;
    await this.redis.eval(CACHE_SET, 2, o.version(id), o.set(id), version, o.ttlSeconds, '-', ...userIds.map(String));
  }

  /** Drops both entries and bumps the version: the very next check reads the database. */
  async invalidate(id: number): Promise<void> {
    const o = this.options;
    await this.redis.multi().incr(o.version(id)).expire(o.version(id), VERSION_TTL_SECONDS).del(o.state(id), o.set(id)).exec();
  }
}
