// The tickets of the upgrades that arrive in one turn of the event loop, redeemed together: one script consumes them
// all (GETDEL each: still single-use, still expiring with their key), one MGET checks the access tokens they were
// issued to (revoked since: refused), one query reads their users (banned or closed account: refused). A reconnect
// storm thus costs three round trips per batch instead of three per socket (docs/decisions/0009-chat-upgrade-batching.md).
import type { Sessions, WsTicket } from '../auth/sessions.js';
import type { Viewer } from '../access/index.js';

export interface TicketRedeemerDependencies {
  sessions: Pick<Sessions, 'consumeWsTickets' | 'areRevoked'>;
  /** The users who may still chat, by id. */
  connectUsers(userIds: readonly number[]): Promise<Map<number, Viewer>>;
}

interface Waiting {
  ticket: string;
  resolve(user: Viewer | null): void;
  reject(e: unknown): void;
}

/** The claims of the access token a ticket was issued to, as Sessions.isRevoked checks them (iat: at the issue). */
const ticketClaims = (t: WsTicket) => ({ sub: String(t.userId), jti: t.jti, sid: t.sid, iat: t.issuedAt / 1000 });

export class TicketRedeemer {
  private queue: Waiting[] = [];
  private scheduled = false;

  constructor(
    private readonly deps: TicketRedeemerDependencies,
    /** The most tickets one batch redeems (the rest go in the next batch, at once). */
    private readonly maxBatch = 512,
  ) {}

  /** The user the ticket lets in, or null (unknown, expired, already used, token revoked, user banned or gone). */
  redeem(ticket: string): Promise<Viewer | null> {
    return new Promise((resolve, reject) => {
      this.queue.push({ ticket, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    while (this.queue.length) {
      const batch = this.queue.length <= this.maxBatch ? this.queue : this.queue.slice(0, this.maxBatch);
      this.queue = this.queue.length <= this.maxBatch ? [] : this.queue.slice(this.maxBatch);
      this.run(batch).then(
        (users) => batch.forEach((w, i) => w.resolve(users[i])),
        (e: unknown) => batch.forEach((w) => w.reject(e)),
      );
    }
  }

  private async run(batch: Waiting[]): Promise<(Viewer | null)[]> {
    const { sessions } = this.deps;
    const issued = await sessions.consumeWsTickets(batch.map((w) => w.ticket));
    const found = issued.filter((t): t is WsTicket => t !== null);
    // a ticket dies with the access token it was issued to (logout, logout-all, password change…)
    const revoked = await sessions.areRevoked(found.map(ticketClaims));
    const live = new Set(found.filter((_, i) => !revoked[i]));
    const users = live.size ? await this.deps.connectUsers([...live].map((t) => t.userId)) : new Map<number, Viewer>();
    return issued.map((t) => (t && live.has(t) ? (users.get(t.userId) ?? null) : null));
  }
}
