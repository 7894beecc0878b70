// The audit log, read-only, through the audit interface (`ctx.audit.query`): the same rows whether they are
// kept in SQL or in MongoDB. Filters: actor id, action, target, time. Newest first. A record's id is the
// API's cursor of the event ((at, id), base64url), so one event can be found again in either store.
import { BaseProperty, BaseRecord, BaseResource, type Filter } from 'adminjs';
import type { AuditEvent, AuditLog, AuditQuery } from '../../src/audit/service.js';
import { decodeKey, encodeKey } from '../../src/http/pagination.js';
import type { ResourceWithOptions } from 'adminjs';

/** Lists are paged by offset in AdminJS: counting and skipping stop here (use the filters beyond it). */
const MAX_ROWS = 10_000;

const props: [string, string][] = [
  ['id', 'string'],
  ['at', 'datetime'],
  ['actorId', 'number'],
  ['actorName', 'string'],
  ['action', 'string'],
  ['targetType', 'string'],
  ['targetId', 'string'],
  ['ip', 'string'],
  ['requestId', 'string'],
  ['details', 'textarea'],
];

class AuditResource extends BaseResource {
  private readonly props: BaseProperty[];

  constructor(private readonly audit: AuditLog) {
    super();
    this.props = props.map(([path, type], i) => new BaseProperty({ path, type: type as never, isId: path === 'id', isSortable: false, position: i }));
  }

  override databaseName() {
    return 'audit';
  }
  override databaseType() {
    return 'audit';
  }
  override id() {
    return 'AuditLog';
  }
  override properties() {
    return this.props;
  }
  override property(path: string) {
    return this.props.find((p) => p.path() === path) ?? null;
  }

  private query(filter: Filter | undefined, limit: number): AuditQuery {
    const f = (name: string) => filter?.filters?.[name]?.value as unknown;
    const text = (name: string) => (typeof f(name) === 'string' && (f(name) as string).trim() ? (f(name) as string).trim() : undefined);
    const actor = Number(text('actorId'));
    const at = f('at') as { from?: string; to?: string } | undefined;
    const date = (s?: string) => (s && !Number.isNaN(new Date(s).getTime()) ? new Date(s) : undefined);
    return {
      actorId: Number.isInteger(actor) && actor > 0 ? actor : undefined,
      action: text('action'),
      targetType: text('targetType'),
      targetId: text('targetId'),
      from: typeof at === 'object' ? date(at.from) : undefined,
      to: typeof at === 'object' ? date(at.to) : undefined,
      limit,
    };
  }

  private toRecord(e: AuditEvent): BaseRecord {
    return new BaseRecord(
      {
        id: encodeKey([e.at.toISOString(), e.id]),
        at: e.at,
        actorId: e.actorId,
        actorName: e.actorName,
        action: e.action,
        targetType: e.targetType,
        targetId: e.targetId,
        ip: e.ip,
        requestId: e.requestId,
        details: e.details ? JSON.stringify(e.details, null, 2) : null,
      },
      this,
    );
  }

  override async count(filter: Filter): Promise<number> {
    let total = 0;
    let cursor: string | undefined;
    do {
      const page = await this.audit.query({ ...this.query(filter, 1000), cursor });
      total += page.items.length;
      cursor = page.nextCursor ?? undefined;
    } while (cursor && total < MAX_ROWS);
    return Math.min(total, MAX_ROWS);
  }

  override async find(filter: Filter, options: { limit?: number; offset?: number }): Promise<BaseRecord[]> {
    const limit = options.limit ?? 10;
    const offset = Math.min(options.offset ?? 0, MAX_ROWS);
    const page = await this.audit.query(this.query(filter, offset + limit));
    return page.items.slice(offset).map((e) => this.toRecord(e));
  }

  override async findOne(id: string): Promise<BaseRecord | null> {
    let key: [string, string];
    try {
      key = decodeKey(id, ['string', 'string']) as [string, string];
    } catch {
      return null;
    }
    const at = new Date(key[0]);
    if (Number.isNaN(at.getTime())) return null;
    const page = await this.audit.query({ from: at, to: at, limit: 1000 });
    const event = page.items.find((e) => e.id === key[1]);
    return event ? this.toRecord(event) : null;
  }

  override async findMany(ids: (string | number)[]): Promise<BaseRecord[]> {
    const found = await Promise.all(ids.map((id) => this.findOne(String(id))));
    return found.filter((r): r is BaseRecord => r !== null);
  }
}

export function auditResource(audit: AuditLog): ResourceWithOptions {
  return {
    resource: new AuditResource(audit),
    options: {
      navigation: { name: 'Audit', icon: 'Activity' },
      listProperties: ['at', 'actorId', 'actorName', 'action', 'targetType', 'targetId', 'ip'],
      filterProperties: ['actorId', 'action', 'targetType', 'targetId', 'at'],
      showProperties: ['at', 'actorId', 'actorName', 'action', 'targetType', 'targetId', 'ip', 'requestId', 'details'],
      properties: { action: { isTitle: true } },
      actions: { new: { isAccessible: false }, edit: { isAccessible: false }, delete: { isAccessible: false }, bulkDelete: { isAccessible: false } },
    },
  };
}
