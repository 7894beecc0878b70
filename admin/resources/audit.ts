// The audit log, read-only, through the audit interface (`ctx.audit.query`): the same rows whether they are
// kept in SQL or in MongoDB. Filters: actor id, action, target, time. Newest first. A record's id is the
// API's cursor of the event ((at, id), base64url), so one event can be found again in either store.
import { BaseProperty, BaseRecord, BaseResource, type Filter } from 'adminjs';
import type { AuditEvent, AuditLog, AuditQuery } from '../../src/audit/service.js';
import { decodeKey, encodeKey } from '../../src/http/pagination.js';
import type { ResourceWithOptions } from 'adminjs';
import type { Db } from '../../src/platform/prisma.js';
import type { AdminComponents } from '../components.js';

/** The panel resource of each target type that has a page. */
const TARGET_RESOURCES: Record<string, string> = { user: 'User', board: 'Board', post: 'Post', comment: 'Comment', ai: 'Ai', ailog: 'AiLog', chatSession: 'ChatSession' };

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
  ['target', 'string'],
  ['ip', 'string'],
  ['requestId', 'string'],
  ['details', 'textarea'],
];

class AuditResource extends BaseResource {
  private readonly props: BaseProperty[];

  constructor(
    private readonly audit: AuditLog,
    private readonly prisma: Db,
  ) {
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

  /** The names of the events' targets, as they are now, by "type:id" (one query per type). */
  private async targetNames(events: AuditEvent[]): Promise<Map<string, string>> {
    const names = new Map<string, string>();
    const ids = (type: string) => [...new Set(events.filter((e) => e.targetType === type && /^\d+$/.test(e.targetId ?? '')).map((e) => Number(e.targetId)))].filter((n) => n <= 2_147_483_647);
    const add = (type: string, rows: { id: number; name: string }[]) => rows.forEach((r) => names.set(`${type}:${r.id}`, r.name));
    const select = { id: true, name: true } as const;
    const of = (type: string) => ({ where: { id: { in: ids(type) } }, select });
    if (ids('user').length) add('user', await this.prisma.user.findMany(of('user')));
    if (ids('board').length) add('board', await this.prisma.board.findMany(of('board')));
    if (ids('post').length) add('post', await this.prisma.post.findMany(of('post')));
    if (ids('ai').length) add('ai', await this.prisma.ai.findMany(of('ai')));
    if (ids('chatSession').length) add('chatSession', await this.prisma.chatSession.findMany(of('chatSession')));
    return names;
  }

  private async toRecords(events: AuditEvent[]): Promise<BaseRecord[]> {
    const names = await this.targetNames(events);
    return events.map((e) => this.toRecord(e, names));
  }

  private toRecord(e: AuditEvent, names: Map<string, string>): BaseRecord {
    const resource = e.targetType ? TARGET_RESOURCES[e.targetType] : undefined;
    const name = e.targetType && e.targetId ? names.get(`${e.targetType}:${e.targetId}`) : undefined;
    return new BaseRecord(
      {
        targetLabel: name ?? (e.targetType ? `${e.targetType} ${e.targetId ?? ''}`.trim() : null),
        targetHref: resource && e.targetId && /^\d+$/.test(e.targetId) ? `/admin/resources/${resource}/records/${e.targetId}/show` : null,
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
    return this.toRecords(page.items.slice(offset));
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
    return event ? ((await this.toRecords([event]))[0] ?? null) : null;
  }

  override async findMany(ids: (string | number)[]): Promise<BaseRecord[]> {
    const found = await Promise.all(ids.map((id) => this.findOne(String(id))));
    return found.filter((r): r is BaseRecord => r !== null);
  }
}

export function auditResource(audit: AuditLog, prisma: Db, c: AdminComponents): ResourceWithOptions {
  return {
    resource: new AuditResource(audit, prisma),
    options: {
      navigation: { name: null, icon: 'Activity' },
      listProperties: ['at', 'actorId', 'actorName', 'action', 'target', 'ip'],
      filterProperties: ['actorId', 'action', 'targetType', 'targetId', 'at'],
      showProperties: ['at', 'actorId', 'actorName', 'action', 'target', 'ip', 'requestId', 'details'],
      properties: {
        action: { isTitle: true },
        target: { components: { list: c.AuditTarget, show: c.AuditTarget } },
        details: { components: { show: c.AuditDetails } },
      },
      actions: { new: { isAccessible: false }, edit: { isAccessible: false }, delete: { isAccessible: false }, bulkDelete: { isAccessible: false } },
    },
  };
}
