// Boards (create, edit, hide/show, disable, delete) and board permissions (grants), through the boards
// service: hiding a board grants it to every admin, showing it drops its grants, every change drops the
// board's cached access state and is audited.
import { ValidationError, type ActionContext, type ResourceWithOptions } from 'adminjs';
import type { Context } from '../../src/context.js';
import { boardDefaults } from '../../src/boards/schemas.js';
import type { BoardInput, BoardPatch } from '../../src/boards/service.js';
import { viewerOf, form, unflatten, idsOf, recordChange, recordId, viaService, type Handler } from '../actions.js';
import { t } from '../locale/index.js';
import { prismaResource } from '../prisma.js';
import type { AdminComponents } from '../components.js';

const bool = (v: unknown) => (v === true || v === 'true' ? true : v === false || v === 'false' ? false : undefined);

/** The board fields of a form, only those sent. */
function boardInput(payload: Record<string, unknown> | undefined): BoardPatch {
  const p = unflatten(payload);
  const out: BoardPatch = {};
  if (typeof p.name === 'string') out.name = p.name.trim();
  if (typeof p.information === 'string') out.information = p.information;
  const visible = bool(p.isVisible);
  const available = bool(p.isAvailable);
  if (visible !== undefined) out.isVisible = visible;
  if (available !== undefined) out.isAvailable = available;
  return out;
}

/** Names or ids, comma-separated, as user ids (unknown ones are a form error). */
async function usersNamed(ctx: Context, text: unknown): Promise<number[]> {
  const parts = (typeof text === 'string' ? text : '')
    .split(/[,\s]+/)
    .map((s) => s.trim())
    .filter(Boolean);
  if (!parts.length) return [];
  const ids = parts.filter((p) => /^\d+$/.test(p)).map(Number);
  const names = parts.filter((p) => !/^\d+$/.test(p));
  const found = await ctx.prisma.user.findMany({
    // closed and banned accounts are found: the boards service refuses them with its own words
    where: { OR: [{ id: { in: ids } }, { name: { in: names } }, { email: { in: names.map((n) => n.toLowerCase()) } }] },
    select: { id: true, name: true, email: true },
  });
  const missing = parts.filter((p) => !found.some((u) => String(u.id) === p || u.name === p || u.email === p.toLowerCase()));
  if (missing.length) {
    const message = t('unknownUsers', { names: missing.join(', ') });
    throw new ValidationError({ add: { message, type: 'unknown_user' } }, { message });
  }
  return found.map((u) => u.id);
}

export async function boardsResource(ctx: Context, c: AdminComponents): Promise<ResourceWithOptions> {
  const { boards } = ctx.services;

  const create: Handler = async (request, _response, context) => {
    const { resource, h, currentAdmin } = context;
    if (request.method !== 'post') return {};
    const input = boardInput(request.payload);
    const board = await viaService(() => boards.create(viewerOf(context), input as BoardInput));
    const record = await resource.findOne(String(board.id));
    return {
      record: record!.toJSON(currentAdmin),
      redirectUrl: h.recordActionUrl({ resourceId: resource.id(), recordId: String(board.id), actionName: 'show' }),
      notice: { message: t('boardCreated'), type: 'success' },
    };
  };

  const edit: Handler = async (request, _response, context) => {
    const { record, resource, h, currentAdmin } = context;
    if (!record) throw new ValidationError({}, { message: t('noSuchBoard') });
    if (request.method !== 'post') return { record: record.toJSON(currentAdmin) };
    const input = boardInput(request.payload);
    await viaService(() => boards.update(viewerOf(context), recordId(context), input));
    const fresh = (await resource.findOne(record.id())) ?? record;
    return {
      record: fresh.toJSON(currentAdmin),
      redirectUrl: h.recordActionUrl({ resourceId: resource.id(), recordId: record.id(), actionName: 'show' }),
      notice: { message: t('saved'), type: 'success' },
    };
  };

  const remove: Handler = async (request, _response, context) => {
    const { record, resource, h, currentAdmin } = context;
    if (!record || request.method !== 'post') throw new ValidationError({}, { message: t('deleteNeedsPost') });
    await viaService(() => boards.remove(viewerOf(context), recordId(context)));
    return { record: record.toJSON(currentAdmin), redirectUrl: h.resourceUrl({ resourceId: resource.id() }), notice: { message: t('boardDeleted'), type: 'success' } };
  };

  const grantAccess: Handler = async (request, response, context) => {
    if (request.method === 'post') {
      return recordChange(async (req, ctxt: ActionContext) => {
        const wanted = [...new Set([...idsOf(req.payload), ...(await usersNamed(ctx, req.payload?.add))])];
        const { userIds } = await boards.setGrants(viewerOf(ctxt), recordId(ctxt), wanted);
        return t('grantHolders', { count: userIds.length });
      })(request, response, context);
    }
    const { record, currentAdmin } = context;
    const { userIds } = await boards.grants(viewerOf(context), recordId(context));
    const holders = await ctx.prisma.user.findMany({ where: { id: { in: userIds } }, orderBy: { name: 'asc' }, select: { id: true, name: true, email: true } });
    const options = holders.map((u) => ({ value: u.id, label: `${u.name} <${u.email}>`, checked: true }));
    return { record: record?.toJSON(currentAdmin), options };
  };

  // the board's page: its grant holders, with add and remove (each one a change through the boards service)
  const holders: Handler = async (_request, _response, context) => {
    const { record, currentAdmin } = context;
    const list = await viaService(() => boards.grantHolders(viewerOf(context), recordId(context)));
    return { record: record?.toJSON(currentAdmin), holders: list.map((u) => ({ ...u, href: `/admin/resources/User/records/${u.id}/show` })) };
  };
  const userIdOf = (payload: Record<string, unknown> | undefined): number => {
    const id = Number(unflatten(payload).userId);
    if (!Number.isInteger(id) || id < 1) throw new ValidationError({ userId: { message: 'Choose a member.', type: 'required' } }, { message: 'Choose a member.' });
    return id;
  };
  const grantChange =
    (change: 'add' | 'remove'): Handler =>
    async (request, _response, context) => {
      const { record, currentAdmin } = context;
      if (request.method !== 'post') throw new ValidationError({}, { message: 'This needs a POST.' });
      const userId = userIdOf(request.payload);
      const viewer = viewerOf(context);
      const changed = await viaService(async () =>
        change === 'add' ? (await boards.addGrant(viewer, recordId(context), userId)).added : (await boards.removeGrant(viewer, recordId(context), userId)).removed,
      );
      const message = change === 'add' ? (changed ? 'Grant added.' : 'This member already holds a grant.') : changed ? 'Grant removed.' : 'This member held no grant.';
      return { record: record?.toJSON(currentAdmin), notice: { message, type: 'success' } };
    };

  return {
    resource: await prismaResource(ctx, 'Board'),
    options: {
      navigation: { name: 'Forum', icon: 'Layout' },
      sort: { sortBy: 'id', direction: 'desc' },
      listProperties: ['id', 'name', 'isVisible', 'isAvailable', 'createDate'],
      filterProperties: ['name', 'isVisible', 'isAvailable'],
      editProperties: ['name', 'information', 'isVisible', 'isAvailable'],
      // a field left out gets the service's default: the new-board form starts from it, and none is required
      properties: {
        information: { type: 'textarea', isRequired: false },
        isVisible: { isRequired: false, custom: { default: boardDefaults.isVisible }, components: { edit: c.DefaultEdit } },
        isAvailable: { isRequired: false, custom: { default: boardDefaults.isAvailable }, components: { edit: c.DefaultEdit } },
      },
      actions: {
        new: { handler: create },
        show: { component: c.BoardShow },
        grantHolders: { actionType: 'record', isVisible: false, handler: holders },
        addGrant: { actionType: 'record', isVisible: false, handler: grantChange('add') },
        removeGrant: { actionType: 'record', isVisible: false, handler: grantChange('remove') },
        edit: { handler: edit },
        delete: { handler: remove, guard: 'confirmDeleteBoard' },
        bulkDelete: { isAccessible: false },
        grantAccess: {
          actionType: 'record',
          icon: 'Lock',
          component: c.ActionForm,
          custom: form({
            form: 'pick',
            message: 'grantAccessHelp',
            pickLabel: 'grantHolders',
            addLabel: 'addMembers',
            submitLabel: 'saveGrants',
          }),
          handler: grantAccess,
        },
      },
    },
  };
}

export async function permissionsResource(ctx: Context, c: AdminComponents): Promise<ResourceWithOptions> {
  const { boards } = ctx.services;
  const grantsOf = async (context: ActionContext, userId: number) => (await boards.userGrants(viewerOf(context), userId)).boardIds;

  const create: Handler = async (request, _response, context) => {
    const { resource, h, currentAdmin } = context;
    if (request.method !== 'post') return {};
    const p = unflatten(request.payload);
    const userId = Number(p.user);
    const boardId = Number(p.board);
    const errors: Record<string, { message: string; type: string }> = {};
    if (!Number.isInteger(userId) || userId < 1) errors.user = { message: t('chooseMember'), type: 'required' };
    if (!Number.isInteger(boardId) || boardId < 1) errors.board = { message: t('chooseBoard'), type: 'required' };
    if (Object.keys(errors).length) throw new ValidationError(errors);
    const held = await grantsOf(context, userId);
    if (held.includes(boardId)) throw new ValidationError({ board: { message: t('grantExists'), type: 'unique' } });
    await viaService(() => ctx.services.users.setBoards(viewerOf(context), userId, [...held, boardId]));
    const row = await ctx.prisma.userBoardPermission.findUnique({ where: { userId_boardId: { userId, boardId } }, select: { id: true } });
    const record = row ? await resource.findOne(String(row.id)) : null;
    return { ...(record ? { record: record.toJSON(currentAdmin) } : {}), redirectUrl: h.resourceUrl({ resourceId: resource.id() }), notice: { message: t('grantAdded'), type: 'success' } };
  };

  const remove: Handler = async (request, _response, context) => {
    const { record, resource, h, currentAdmin } = context;
    if (!record || request.method !== 'post') throw new ValidationError({}, { message: t('revokeNeedsPost') });
    const userId = Number(record.params.user);
    const boardId = Number(record.params.board);
    const held = await grantsOf(context, userId);
    await viaService(() =>
      ctx.services.users.setBoards(
        viewerOf(context),
        userId,
        held.filter((b) => b !== boardId),
      ),
    );
    return { record: record.toJSON(currentAdmin), redirectUrl: h.resourceUrl({ resourceId: resource.id() }), notice: { message: t('grantRevoked'), type: 'success' } };
  };

  // the user picker of the new-grant form: only accounts the boards service says may hold a grant
  const grantees: Handler = async (request, _response, context) => {
    const q = typeof request.query?.q === 'string' ? request.query.q : '';
    const found = await viaService(() => boards.grantCandidates(viewerOf(context), q));
    return { options: found.map((u) => ({ value: String(u.id), label: `${u.name} <${u.email}>` })) };
  };

  return {
    resource: await prismaResource(ctx, 'UserBoardPermission'),
    options: {
      navigation: { name: 'Forum', icon: 'Layout' },
      sort: { sortBy: 'id', direction: 'desc' },
      listProperties: ['id', 'user', 'board', 'createDate'],
      filterProperties: ['user', 'board'],
      editProperties: ['user', 'board'],
      properties: { user: { components: { edit: c.GranteeEdit } } },
      actions: {
        new: { handler: create },
        grantees: { actionType: 'resource', isVisible: false, handler: grantees },
        edit: { isAccessible: false },
        delete: { handler: remove, guard: 'confirmRevokeGrant' },
        bulkDelete: { isAccessible: false },
      },
    },
  };
}
