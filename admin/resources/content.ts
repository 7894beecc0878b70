// Moderation of posts, comments and chat sessions: hide/show (and close a chat), delete (a post or comment
// goes with its files), always through the owning service, which audits.
import { ValidationError, type ActionContext, type ResourceWithOptions } from 'adminjs';
import type { Context } from '../../src/context.js';
import { viewerOf, form, recordChange, recordId, viaService, type Handler } from '../actions.js';
import { t } from '../locale/index.js';
import { prismaResource } from '../prisma.js';
import type { AdminComponents } from '../components.js';

const visible = ({ record }: ActionContext) => record?.params.isVisible === true;
const hidden = (context: ActionContext) => !visible(context);

/** Delete through a service (POST only), then back to the list. */
function removeVia(remove: (context: ActionContext) => Promise<unknown>, message: () => string): Handler {
  return async (request, _response, context) => {
    const { record, resource, h, currentAdmin } = context;
    if (!record || request.method !== 'post') throw new ValidationError({}, { message: t('deleteNeedsPost') });
    await viaService(() => remove(context));
    return { record: record.toJSON(currentAdmin), redirectUrl: h.resourceUrl({ resourceId: resource.id() }), notice: { message: message(), type: 'success' } };
  };
}

const readOnly = { new: { isAccessible: false }, edit: { isAccessible: false }, bulkDelete: { isAccessible: false } };

export async function postsResource(ctx: Context, c: AdminComponents): Promise<ResourceWithOptions> {
  const { posts } = ctx.services;
  const boardOf = (context: ActionContext) => Number(context.record?.params.board);
  const setVisible = (isVisible: boolean) =>
    recordChange(async (_request, context) => {
      await posts.update(viewerOf(context), boardOf(context), recordId(context), { isVisible });
      return isVisible ? t('postShown') : t('postHidden');
    });
  return {
    resource: await prismaResource(ctx, 'Post'),
    options: {
      navigation: { name: 'Content', icon: 'FileText' },
      sort: { sortBy: 'id', direction: 'desc' },
      listProperties: ['id', 'name', 'board', 'author', 'createDate', 'isVisible', 'numberOfComment', 'numberOfLike'],
      filterProperties: ['name', 'board', 'author', 'isVisible', 'createDate'],
      properties: { content: { type: 'textarea' } },
      actions: {
        ...readOnly,
        hide: {
          actionType: 'record',
          icon: 'EyeOff',
          component: c.ActionForm,
          custom: form({ form: 'confirm', message: 'hidePostHelp', submitLabel: 'hideSubmit' }),
          isVisible: visible,
          handler: setVisible(false),
        },
        unhide: {
          actionType: 'record',
          icon: 'Eye',
          component: c.ActionForm,
          custom: form({ form: 'confirm', message: 'unhidePostHelp', submitLabel: 'showSubmit' }),
          isVisible: hidden,
          handler: setVisible(true),
        },
        delete: {
          handler: removeVia(
            (context) => posts.remove(viewerOf(context), boardOf(context), recordId(context)),
            () => t('postDeleted'),
          ),
          guard: 'confirmDeletePost',
        },
      },
    },
  };
}

export async function commentsResource(ctx: Context, c: AdminComponents): Promise<ResourceWithOptions> {
  const { comments } = ctx.services;
  const setVisible = (isVisible: boolean) =>
    recordChange(async (_request, context) => {
      await comments.update(viewerOf(context), recordId(context), { isVisible });
      return isVisible ? t('commentShown') : t('commentHidden');
    });
  return {
    resource: await prismaResource(ctx, 'Comment'),
    options: {
      navigation: { name: 'Content', icon: 'FileText' },
      sort: { sortBy: 'id', direction: 'desc' },
      listProperties: ['id', 'content', 'post', 'author', 'createDate', 'isVisible'],
      filterProperties: ['post', 'author', 'isVisible', 'createDate'],
      // the panel's search matches the title property: the text, not the id
      properties: { content: { type: 'textarea', isTitle: true } },
      actions: {
        ...readOnly,
        hide: {
          actionType: 'record',
          icon: 'EyeOff',
          component: c.ActionForm,
          custom: form({ form: 'confirm', message: 'hideCommentHelp', submitLabel: 'hideSubmit' }),
          isVisible: visible,
          handler: setVisible(false),
        },
        unhide: {
          actionType: 'record',
          icon: 'Eye',
          component: c.ActionForm,
          custom: form({ form: 'confirm', message: 'unhideCommentHelp', submitLabel: 'showSubmit' }),
          isVisible: hidden,
          handler: setVisible(true),
        },
        delete: {
          handler: removeVia(
            (context) => comments.remove(viewerOf(context), recordId(context)),
            () => t('commentDeleted'),
          ),
          guard: 'confirmDeleteComment',
        },
      },
    },
  };
}

/** Chat sessions: close and hide through the chat service (which tells the open sockets at once). */
export async function chatSessionsResource(ctx: Context, c: AdminComponents): Promise<ResourceWithOptions> {
  const { chat } = ctx.services;
  const change = (patch: { isClosed?: boolean; isVisible?: boolean }, message: () => string) =>
    recordChange(async (_request, context) => {
      await chat.update(viewerOf(context), recordId(context), patch);
      return message();
    });
  const closed = ({ record }: ActionContext) => record?.params.isClosed === true;
  return {
    resource: await prismaResource(ctx, 'ChatSession'),
    options: {
      navigation: { name: 'Content', icon: 'FileText' },
      sort: { sortBy: 'id', direction: 'desc' },
      listProperties: ['id', 'name', 'creator', 'createDate', 'isClosed', 'isVisible'],
      filterProperties: ['name', 'creator', 'isClosed', 'isVisible', 'createDate'],
      actions: {
        ...readOnly,
        close: {
          actionType: 'record',
          icon: 'Lock',
          component: c.ActionForm,
          custom: form({ form: 'confirm', message: 'closeChatHelp', submitLabel: 'closeSubmit' }),
          isVisible: (context) => !closed(context),
          handler: change({ isClosed: true }, () => t('chatClosed')),
        },
        reopen: {
          actionType: 'record',
          icon: 'Unlock',
          component: c.ActionForm,
          custom: form({ form: 'confirm', message: 'reopenChatHelp', submitLabel: 'reopenSubmit' }),
          isVisible: closed,
          handler: change({ isClosed: false }, () => t('chatReopened')),
        },
        hide: {
          actionType: 'record',
          icon: 'EyeOff',
          component: c.ActionForm,
          custom: form({ form: 'confirm', message: 'hideChatHelp', submitLabel: 'hideSubmit' }),
          isVisible: visible,
          handler: change({ isVisible: false }, () => t('chatHidden')),
        },
        unhide: {
          actionType: 'record',
          icon: 'Eye',
          component: c.ActionForm,
          custom: form({ form: 'confirm', message: 'unhideChatHelp', submitLabel: 'showSubmit' }),
          isVisible: hidden,
          handler: change({ isVisible: true }, () => t('chatShown')),
        },
        delete: {
          handler: removeVia(
            (context) => chat.remove(viewerOf(context), recordId(context)),
            () => t('chatDeleted'),
          ),
          guard: 'confirmDeleteChat',
        },
      },
    },
  };
}
