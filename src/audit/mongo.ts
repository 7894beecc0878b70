// The MongoDB adapter of the audit log (MONGODB_URL set): an append-heavy `audit_events` collection with a
// retention TTL. Recording never blocks or fails the caller: events go to a bounded in-memory buffer that is
// written with insertMany in batches. When MongoDB cannot take them (outage, or the buffer is full) they are
// written to the SQL adapter instead, with a warning: nothing is dropped silently.
import mongoose, { type Connection, type Model } from 'mongoose';
import { keysetPage } from '../http/pagination.js';
import type { Logger } from '../platform/logger.js';
import { cursorKey, decodeCursor, toRow, type AuditEventInput, type AuditLog, type AuditPage, type AuditQuery, type AuditRow, type SqlAuditLog } from './service.js';

export interface MongoAuditOptions {
  retentionDays: number;
  /** Events held in memory at most; beyond that they go to SQL at once. */
  bufferLimit?: number;
  /** Write a batch this often, or as soon as `batchSize` events wait. */
  flushIntervalMs?: number;
  batchSize?: number;
}

const auditSchema = new mongoose.Schema<AuditRow>(
  {
    at: { type: Date, required: true },
    actorId: { type: Number, default: null },
    actorName: { type: String, default: null },
    action: { type: String, required: true },
    targetType: { type: String, default: null },
    targetId: { type: String, default: null },
    ip: { type: String, default: null },
    requestId: { type: String, default: null },
    details: { type: mongoose.Schema.Types.Mixed, default: null },
  },
  { collection: 'audit_events', versionKey: false, minimize: false },
);
auditSchema.index({ at: -1 });
auditSchema.index({ actorId: 1, at: -1 });
auditSchema.index({ action: 1, at: -1 });

/** Connects, or fails with one clear error (the driver reconnects by itself after a later loss). */
export async function connectMongo(url: string, timeoutMs = 5_000): Promise<Connection> {
  const conn = mongoose.createConnection(url, { serverSelectionTimeoutMS: timeoutMs, connectTimeoutMS: timeoutMs });
  try {
    await conn.asPromise();
    return conn;
  } catch (e) {
    await conn.close().catch(() => undefined);
    const where = url.replace(/\/\/[^@/]*@/, '//***@');
    throw new Error(`MongoDB at ${where} is not reachable: ${(e as Error).message}`, { cause: e });
  }
}

export class MongoAuditLog implements AuditLog {
  private readonly model: Model<AuditRow>;
  private buffer: AuditRow[] = [];
  private flushing: Promise<void> = Promise.resolve();
  private readonly timer: NodeJS.Timeout;
  private readonly bufferLimit: number;
  private readonly batchSize: number;

  constructor(
    private readonly conn: Connection,
    private readonly fallback: SqlAuditLog,
    private readonly logger: Logger,
    opts: MongoAuditOptions,
  ) {
    const schema = auditSchema.clone();
    schema.index({ at: 1 }, { expireAfterSeconds: opts.retentionDays * 86_400, name: 'retention' });
    this.model = conn.model<AuditRow>('AuditEvent', schema);
    this.bufferLimit = opts.bufferLimit ?? 10_000;
    this.batchSize = opts.batchSize ?? 200;
    this.timer = setInterval(() => void this.flush(), opts.flushIntervalMs ?? 250);
    this.timer.unref();
  }

  /** Creates the collection's indexes (the TTL index included). */
  async init(): Promise<void> {
    await this.model.createIndexes();
  }

  record(e: AuditEventInput): Promise<void> {
    const row = toRow(e);
    if (this.buffer.length >= this.bufferLimit) {
      this.logger.warn({ bufferLimit: this.bufferLimit }, 'audit buffer full: writing the event to SQL instead of MongoDB');
      return this.fallback.recordRows([row]).catch((err: unknown) => this.logger.error({ err, event: row }, 'audit event could not be stored'));
    }
    this.buffer.push(row);
    if (this.buffer.length >= this.batchSize) void this.flush();
    return Promise.resolve();
  }

  /** Writes the buffer out; serialised so batches keep their order. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      while (this.buffer.length) {
        const batch = this.buffer.splice(0, this.batchSize);
        try {
          await this.model.insertMany(batch, { ordered: false, lean: true });
        } catch (err) {
          this.logger.warn({ err: (err as Error).message, events: batch.length }, 'MongoDB did not take audit events: writing them to SQL');
          await this.fallback.recordRows(batch).catch((e: unknown) => this.logger.error({ err: e, events: batch }, 'audit events could not be stored'));
        }
      }
    });
    return this.flushing;
  }

  async query(q: AuditQuery): Promise<AuditPage> {
    const after = q.cursor ? decodeCursor(q.cursor) : null;
    const filter: Record<string, unknown> = {
      ...(q.actorId !== undefined ? { actorId: q.actorId } : {}),
      ...(q.action ? { action: q.action } : {}),
      ...(q.targetType ? { targetType: q.targetType } : {}),
      ...(q.targetId ? { targetId: q.targetId } : {}),
    };
    const at: Record<string, Date> = { ...(q.from ? { $gte: q.from } : {}), ...(q.to ? { $lte: q.to } : {}) };
    if (Object.keys(at).length) filter.at = at;
    if (after) {
      const id = mongoose.isValidObjectId(after.id) ? new mongoose.Types.ObjectId(after.id) : null;
      filter.$or = [{ at: { $lt: after.at } }, ...(id ? [{ at: after.at, _id: { $lt: id } }] : [])];
    }
    const docs = await this.model
      .find(filter)
      .sort({ at: -1, _id: -1 })
      .limit(q.limit + 1)
      .lean();
    const events = docs.map((d) => ({
      id: String(d._id),
      at: d.at,
      actorId: d.actorId ?? null,
      actorName: d.actorName ?? null,
      action: d.action,
      targetType: d.targetType ?? null,
      targetId: d.targetId ?? null,
      ip: d.ip ?? null,
      requestId: d.requestId ?? null,
      details: d.details ?? null,
    }));
    return keysetPage(events, q.limit, cursorKey);
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
    await this.conn.close();
  }
}
