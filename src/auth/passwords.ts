// The one password module: argon2id hashing and verification, bounded process-wide (each hash takes 19 MiB
// and a thread of the pool), and the check that does the same work whether or not an account exists.
import crypto from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';
import { UnavailableError } from '../errors.js';

// OWASP's argon2id baseline (m=19 MiB, t=2, p=1).
const options = { algorithm: 2 /* Algorithm.Argon2id (a const enum) */, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

/** Unbounded: for tests and tools only; services go through a Passwords instance. */
export function hashPassword(password: string): Promise<string> {
  return hash(password, options);
}

export function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  return verify(passwordHash, password).catch(() => false);
}

/** No hashing slot freed up in time: unavailable, worth a retry in a second. */
export class PasswordHashingBusyError extends UnavailableError {
  constructor() {
    super('server_busy', 'The server is busy checking passwords; try again in a moment.', { retryAfter: 1 });
  }
}

export interface PasswordLimits {
  /** Hashes computed at once. */
  concurrency: number;
  /** How long a caller waits for a slot before PasswordHashingBusyError (0: not at all). */
  waitMs: number;
}

export class Passwords {
  private active = 0;
  private readonly queue: { grant: () => void }[] = [];
  private dummyHash: Promise<string> | undefined;

  constructor(private readonly limits: PasswordLimits = { concurrency: 2, waitMs: 2000 }) {}

  hash(password: string): Promise<string> {
    return this.bounded(() => hashPassword(password));
  }

  verify(passwordHash: string, password: string): Promise<boolean> {
    return this.bounded(() => verifyPassword(passwordHash, password));
  }

  /**
   * Verifies `password` against `passwordHash`, or, when there is none (unknown or closed account), against
   * a throw-away hash and answers false: the caller cannot be timed into telling the two apart.
   */
  async check(passwordHash: string | null | undefined, password: string): Promise<boolean> {
    if (passwordHash) return this.verify(passwordHash, password);
    const dummy = await (this.dummyHash ??= hashPassword(crypto.randomBytes(16).toString('hex')));
    await this.verify(dummy, password);
    return false;
  }

  /** Slots in use and callers waiting for one. */
  get load(): { active: number; waiting: number } {
    return { active: this.active, waiting: this.queue.length };
  }

  /** Runs `work` holding one hashing slot. */
  async bounded<T>(work: () => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      return await work();
    } finally {
      this.release();
    }
  }

  private acquire(): Promise<void> {
    if (this.active < this.limits.concurrency) {
      this.active++;
      return Promise.resolve();
    }
    if (this.limits.waitMs <= 0) return Promise.reject(new PasswordHashingBusyError());
    return new Promise<void>((resolve, reject) => {
      const waiter = {
        grant: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      const timer = setTimeout(() => {
        this.queue.splice(this.queue.indexOf(waiter), 1);
        reject(new PasswordHashingBusyError());
      }, this.limits.waitMs);
      this.queue.push(waiter);
    });
  }

  private release(): void {
    // the slot passes straight to the longest waiter, so `active` stays the same
    const next = this.queue.shift();
    if (next) next.grant();
    else this.active--;
  }
}
