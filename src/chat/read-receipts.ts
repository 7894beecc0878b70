// `read` frames, coalesced: a member's marker in a session goes out at once, then at most once per second; what
// arrives in between waits, and only the newest one goes out at the end of that second (so the last read always
// arrives). Per process: the chat server has one per replica, the api process one for REST reads. `from` is whatever
// the emitter needs to know where the read came from (the chat server: the reading socket, which does not get it).
export const READ_FRAME_INTERVAL_MS = 1000;

interface Slot<F> {
  /** The newest marker waiting for the end of the interval, and where it came from. */
  pending: number | null;
  from: F | undefined;
  timer: NodeJS.Timeout;
}

export class ReadReceipts<F = undefined> {
  private readonly slots = new Map<string, Slot<F>>();

  constructor(
    private readonly emit: (sessionId: number, userId: number, messageId: number, from: F | undefined) => void,
    private readonly intervalMs = READ_FRAME_INTERVAL_MS,
  ) {}

  /** The member's marker moved to `messageId`: a frame now, or at the end of the current interval. */
  offer(sessionId: number, userId: number, messageId: number, from?: F): void {
    const key = `${sessionId}:${userId}`;
    const slot = this.slots.get(key);
    if (slot) {
      if (slot.pending === null || messageId > slot.pending) {
        slot.pending = messageId;
        slot.from = from;
      }
      return;
    }
    this.emit(sessionId, userId, messageId, from);
    this.open(key, sessionId, userId);
  }

  private open(key: string, sessionId: number, userId: number): void {
    const slot: Slot<F> = {
      pending: null,
      from: undefined,
      timer: setTimeout(() => {
        this.slots.delete(key);
        if (slot.pending === null) return;
        this.emit(sessionId, userId, slot.pending, slot.from);
        this.open(key, sessionId, userId);
      }, this.intervalMs),
    };
    slot.timer.unref();
    this.slots.set(key, slot);
  }

  close(): void {
    for (const slot of this.slots.values()) clearTimeout(slot.timer);
    this.slots.clear();
  }
}
