// Building blocks of the panel's actions: every change goes through a service (so a rule lives in one
// place), only on POST (GET only shows what would be changed), and a service's error becomes a form error
// or a notice instead of a 500.
import { AppError as AdminAppError, ValidationError, flat, type ActionContext, type ActionRequest, type ActionResponse, type BaseRecord } from 'adminjs';
import type { Viewer } from '../src/access/index.js';
import { AppError } from '../src/errors.js';
import { problemText, t } from './locale/index.js';
import { uniqueViolation } from './prisma.js';
import { viewerOfAdmin } from './services.js';

/** AdminJS's flat form payload as nested values (its `flat` helper, typed). */
export const unflatten = (payload: Record<string, unknown> | undefined): Record<string, unknown> => (flat.unflatten as (p: Record<string, unknown>) => Record<string, unknown>)(payload ?? {});

export type Handler = (request: ActionRequest, response: unknown, context: ActionContext) => Promise<ActionResponse>;

/**
 * A service error as AdminJS shows it: field errors on the form, anything else as an error notice. `fields`
 * renames the service's fields to the form's where they differ.
 */
export function toAdminError(e: unknown, fields: Record<string, string> = {}): Error {
  const unique = uniqueViolation(e);
  if (unique) return unique;
  if (e instanceof AppError) {
    if (e.errors?.length) {
      // the notice says what the fields say (a form without that field still shows why)
      const message = e.errors.map((f) => problemText(f.code, f.message)).join(' ');
      const formField = (field: string) => fields[field.split('.')[0]] ?? field.split('.')[0];
      return new ValidationError(Object.fromEntries(e.errors.map((f) => [formField(f.field), { message: problemText(f.code, f.message), type: f.code }])), { message, type: e.code });
    }
    return new AdminAppError(problemText(e.code, e.message), { code: e.code, kind: e.kind });
  }
  return e as Error;
}

export async function viaService<T>(f: () => Promise<T>, fields?: Record<string, string>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    throw toAdminError(e, fields);
  }
}

export const viewerOf = (context: ActionContext): Viewer => viewerOfAdmin(context.currentAdmin);

export const recordId = (context: ActionContext): number => Number(context.record?.id());

/** Reads `ids` (comma-separated) from a pick form. */
export function idsOf(payload: Record<string, unknown> | undefined): number[] {
  const raw = typeof payload?.ids === 'string' ? payload.ids : '';
  return raw
    .split(',')
    .map((s) => Number(s.trim()))
    .filter((n) => Number.isInteger(n) && n > 0);
}

const isPost = (request: ActionRequest) => request.method === 'post';

/**
 * A record action that changes something: GET shows the record (the form renders), POST runs `change`
 * through the services and comes back to the record's page with a notice.
 */
export function recordChange(change: (request: ActionRequest, context: ActionContext) => Promise<string>): Handler {
  return async (request, _response, context) => {
    const { record, currentAdmin, resource, h } = context;
    if (!record) throw new AdminAppError(t('noSuchRecord'));
    if (!isPost(request)) return { record: record.toJSON(currentAdmin) };
    const message = await viaService(() => change(request, context));
    // a removed record goes back to the list
    const fresh = await resource.findOne(record.id());
    return {
      record: (fresh ?? record).toJSON(currentAdmin),
      redirectUrl: fresh ? h.recordActionUrl({ resourceId: resource.id(), recordId: record.id(), actionName: 'show' }) : h.resourceUrl({ resourceId: resource.id() }),
      notice: { message, type: 'success' },
    };
  };
}

/** The same for a bulk action: `change` runs once per record; the notice tells how many succeeded. */
export function bulkChange(change: (request: ActionRequest, context: ActionContext, record: BaseRecord) => Promise<void>, done: (n: number) => string): Handler {
  return async (request, _response, context) => {
    const { records = [], currentAdmin, resource, h } = context;
    if (!isPost(request)) return { records: records.map((r) => r.toJSON(currentAdmin)) };
    let n = 0;
    const failures: string[] = [];
    for (const record of records) {
      try {
        await change(request, context, record);
        n++;
      } catch (e) {
        // a bad form (e.g. no reason) is the same for every record: the form shows it
        const shown = toAdminError(e);
        if (shown instanceof ValidationError) throw shown;
        failures.push(`${record.id()}: ${e instanceof AppError ? problemText(e.code, e.message) : t('unexpectedError')}`);
      }
    }
    return {
      records: records.map((r) => r.toJSON(currentAdmin)),
      redirectUrl: h.resourceUrl({ resourceId: resource.id() }),
      notice: failures.length ? { message: t('notDone', { done: done(n), failures: failures.join('; ') }), type: 'error' } : { message: done(n), type: 'success' },
    };
  };
}

/** The reason a form sent (ban), trimmed; UsersService.setBanned decides whether it will do. */
export function reasonOf(request: ActionRequest): string | undefined {
  return typeof request.payload?.reason === 'string' ? request.payload.reason.trim() : undefined;
}

/**
 * The form settings read by the AgoraActionForm component: `message` a key of the panel's messages,
 * `submitLabel` of its buttons, `pickLabel`/`addLabel` of components.Agora (admin/locale); a text that is
 * no key is shown as it is.
 */
export const form = (custom: { form: 'reason' | 'confirm' | 'pick'; message?: string; submitLabel?: string; variant?: string; pickLabel?: string; addLabel?: string }) => custom;
