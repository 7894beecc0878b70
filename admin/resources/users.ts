// Users: list, search (name, email), filters (role, banned), sort; the password hash is not part of the
// resource at all. Edits, bans, resets and grants go through the users, auth and boards services.
import { ValidationError, type ActionContext, type ActionRequest, type RecordJSON, type ResourceWithOptions } from 'adminjs';
import type { Context } from '../../src/context.js';
import { access } from '../../src/access/index.js';
import { assignableRole, roles, type Role } from '../../src/users/schemas.js';
import type { AdminUserPatch } from '../../src/users/service.js';
import { viewerOf, bulkChange, form, unflatten, idsOf, reasonOf, recordChange, recordId, viaService, type Handler } from '../actions.js';
import { t } from '../locale/index.js';
import { prismaResource } from '../prisma.js';
import type { AdminComponents } from '../components.js';
import { clientOf } from './request.js';
import { memberPage } from '../member.js';

const params = (context: ActionContext) => (context.record?.params ?? {}) as Record<string, unknown>;

/** The record's account as the access rules see a target. */
function targetOf(context: ActionContext): { id: number; role: Role } | null {
  const p = params(context);
  const id = Number(p.id);
  return Number.isInteger(id) && typeof p.role === 'string' && (roles as readonly string[]).includes(p.role) ? { id, role: p.role as Role } : null;
}

export async function usersResource(ctx: Context, c: AdminComponents): Promise<ResourceWithOptions> {
  const { users, auth, boards } = ctx.services;

  const edit: Handler = async (request, _response, context) => {
    const { record, currentAdmin, resource, h } = context;
    if (!record) throw new ValidationError({}, { message: t('noSuchUser') });
    if (request.method !== 'post') {
      // the role field offers only what the access rules let this operator give this account
      const target = targetOf(context);
      const offered: Role[] = target && access.can(viewerOf(context), 'user.setRole', target) ? [...new Set([target.role, ...assignableRole.enum])] : target ? [target.role] : [];
      const note = target && offered.length < 2 ? (access.refusal(viewerOf(context), 'user.setRole', target) ?? undefined) : undefined;
      return { record: { ...record.toJSON(currentAdmin), agoraChoices: { role: { values: offered, note } } } as RecordJSON };
    }
    const input = unflatten(request.payload);
    const patch: AdminUserPatch = {};
    const was = params(context);
    if (typeof input.name === 'string' && input.name !== was.name) patch.name = input.name;
    if (typeof input.email === 'string' && input.email !== was.email) patch.email = input.email;
    // the service takes user or admin (superusers are made only from the terminal)
    if (typeof input.role === 'string' && input.role !== was.role) patch.role = input.role as AdminUserPatch['role'];
    if (Object.keys(patch).length) await viaService(() => users.adminUpdate(viewerOf(context), recordId(context), patch));
    const fresh = (await resource.findOne(record.id())) ?? record;
    return {
      record: fresh.toJSON(currentAdmin),
      redirectUrl: h.recordActionUrl({ resourceId: resource.id(), recordId: record.id(), actionName: 'show' }),
      notice: { message: t('saved'), type: 'success' },
    };
  };

  const boardsOfUser: Handler = async (request, response, context) => {
    if (request.method === 'post') {
      return recordChange(async (req, ctxt) => {
        const { boardIds } = await users.setBoards(viewerOf(ctxt), recordId(ctxt), idsOf(req.payload));
        return boardIds.length ? t('grantsSet', { count: boardIds.length }) : t('grantsRemoved');
      })(request, response, context);
    }
    const { record, currentAdmin } = context;
    const held = new Set((await boards.userGrants(viewerOf(context), recordId(context))).boardIds);
    const all = await ctx.prisma.board.findMany({ orderBy: { name: 'asc' }, select: { id: true, name: true, isVisible: true, isAvailable: true } });
    const options = all.map((b) => ({ value: b.id, label: `${b.name}${b.isVisible ? '' : t('boardHiddenSuffix')}${b.isAvailable ? '' : t('boardDisabledSuffix')}`, checked: held.has(b.id) }));
    return { record: record?.toJSON(currentAdmin), options };
  };

  const ban = (request: ActionRequest, context: ActionContext, id = recordId(context)) => users.setBanned(viewerOf(context), id, true, reasonOf(request));
  const unban = (context: ActionContext, id = recordId(context)) => users.setBanned(viewerOf(context), id, false);
  const banned = ({ record }: ActionContext) => record?.params.isBanned === true;
  const closed = ({ record }: ActionContext) => Boolean(record?.params.deletedAt);
  /** Whether the access rules let the signed-in operator do this to the record's account. */
  const may = (permission: 'user.ban' | 'user.forcePasswordReset' | 'user.update', context: ActionContext) => {
    const target = targetOf(context);
    return target !== null && access.can(viewerOf(context), permission, target);
  };

  return {
    resource: await prismaResource(ctx, 'User', ['passwordHash']),
    options: {
      navigation: { name: null, icon: 'Users' },
      sort: { sortBy: 'id', direction: 'desc' },
      listProperties: ['id', 'name', 'email', 'role', 'isBanned', 'deletedAt', 'joinDate'],
      filterProperties: ['name', 'email', 'role', 'isBanned', 'deletedAt', 'joinDate'],
      showProperties: ['id', 'name', 'email', 'role', 'joinDate', 'updateDate', 'isBanned', 'bannedAt', 'banReason', 'deletedAt'],
      editProperties: ['name', 'email', 'role'],
      properties: {
        banReason: { type: 'textarea' },
        isBanned: { components: { list: c.StatusBadge, show: c.StatusBadge } },
        deletedAt: { components: { list: c.StatusBadge, show: c.StatusBadge } },
        role: { components: { edit: c.ChoiceEdit } },
      },
      actions: {
        // accounts are made by signup and the create-superuser command; closing one is the member's
        new: { isAccessible: false },
        delete: { isAccessible: false },
        bulkDelete: { isAccessible: false },
        // the member's page: their record, then everything an operator deciding on a ban needs (./member.ts)
        show: { component: c.MemberShow },
        member: {
          actionType: 'record',
          isVisible: false,
          handler: async (_request, _response, context) => ({
            record: context.record!.toJSON(context.currentAdmin),
            member: await viaService(() => memberPage(ctx, viewerOf(context), recordId(context))),
          }),
        },
        edit: { handler: edit, isVisible: (context) => !closed(context) && may('user.update', context) },
        ban: {
          actionType: 'record',
          icon: 'Slash',
          variant: 'danger',
          component: c.ActionForm,
          custom: form({ form: 'reason', message: 'banHelp', submitLabel: 'banSubmit', variant: 'danger' }),
          isVisible: (context) => !banned(context) && !closed(context) && may('user.ban', context),
          handler: recordChange(async (request, context) => {
            await ban(request, context);
            return t('userBanned');
          }),
        },
        unban: {
          actionType: 'record',
          icon: 'CheckCircle',
          component: c.ActionForm,
          custom: form({ form: 'confirm', message: 'unbanHelp', submitLabel: 'unbanSubmit' }),
          isVisible: (context) => banned(context) && may('user.ban', context),
          handler: recordChange(async (_request, context) => {
            await unban(context);
            return t('banLifted');
          }),
        },
        bulkBan: {
          actionType: 'bulk',
          icon: 'Slash',
          variant: 'danger',
          component: c.ActionForm,
          custom: form({ form: 'reason', message: 'bulkBanHelp', submitLabel: 'banAllSubmit', variant: 'danger' }),
          handler: bulkChange(
            async (request, context, record) => void (await ban(request, context, Number(record.id()))),
            (n) => t('usersBanned', { count: n }),
          ),
        },
        bulkUnban: {
          actionType: 'bulk',
          icon: 'CheckCircle',
          component: c.ActionForm,
          custom: form({ form: 'confirm', message: 'bulkUnbanHelp', submitLabel: 'unbanAllSubmit' }),
          handler: bulkChange(
            async (_request, context, record) => void (await unban(context, Number(record.id()))),
            (n) => t('bansLifted', { count: n }),
          ),
        },
        resetPassword: {
          actionType: 'record',
          icon: 'Key',
          component: c.ActionForm,
          custom: form({ form: 'confirm', message: 'resetPasswordHelp', submitLabel: 'resetPasswordSubmit' }),
          isVisible: (context) => !closed(context) && may('user.forcePasswordReset', context),
          handler: recordChange(async (request, context) => {
            await auth.forcePasswordReset(viewerOf(context), recordId(context), clientOf(request));
            return t('resetMailSent');
          }),
        },
        boards: {
          actionType: 'record',
          icon: 'Lock',
          component: c.ActionForm,
          custom: form({ form: 'pick', message: 'userBoardsHelp', pickLabel: 'boards', submitLabel: 'saveGrants' }),
          handler: boardsOfUser,
        },
      },
    },
  };
}
