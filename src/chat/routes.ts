// Chat sessions over REST (api process): sessions, members, history and message moderation. The live protocol
// (join, send, …) is the chat process's WebSocket (src/chat/server.ts, docs/chat-protocol.md).
import type { Context } from '../context.js';
import { created, noContent, ok, type ApiRouter } from '../http/api.js';
import { readBody, sessionBody, sessionPatchBody } from './schemas.js';

const int = { type: 'integer', minimum: 1, maximum: 2147483647 } as const;
const sessionSchema = {
  type: 'object',
  required: ['id', 'name', 'information', 'creatorId', 'isVisible', 'isClosed', 'memberCount'],
  properties: {
    id: { type: 'integer' },
    name: { type: 'string' },
    information: { type: 'string' },
    creatorId: { type: 'integer' },
    createDate: { type: 'string', format: 'date-time' },
    updateDate: { type: 'string', format: 'date-time' },
    isVisible: { type: 'boolean' },
    isClosed: { type: 'boolean', description: 'closed sessions are read-only' },
    memberCount: { type: 'integer' },
  },
} as const;
/** A session as its list and detail show it: with the caller's read state. */
const sessionReadSchema = {
  type: 'object',
  required: [...sessionSchema.required, 'lastReadMessageId', 'unreadCount', 'lastMessage'],
  properties: {
    ...sessionSchema.properties,
    lastReadMessageId: { type: ['integer', 'null'], description: 'the caller has read up to this message (null: nothing yet, or not a member)' },
    unreadCount: { type: ['integer', 'null'], description: 'visible messages by others after lastReadMessageId (null when the caller is not a member)' },
    lastMessage: {
      type: ['object', 'null'],
      required: ['id', 'authorId', 'authorName', 'preview', 'createdAt'],
      properties: {
        id: { type: 'integer' },
        authorId: { type: 'integer' },
        authorName: { type: 'string' },
        preview: { type: 'string', description: 'the first 100 characters' },
        createdAt: { type: 'string', format: 'date-time' },
      },
      description: 'the last visible message',
    },
  },
} as const;
const messageSchema = {
  type: 'object',
  required: ['id', 'sessionId', 'authorId', 'content', 'createdAt', 'isVisible'],
  properties: {
    id: { type: 'integer' },
    sessionId: { type: 'integer' },
    authorId: { type: 'integer' },
    authorName: { type: 'string' },
    content: { type: 'string' },
    clientMsgId: { type: ['string', 'null'] },
    createdAt: { type: 'string', format: 'date-time' },
    updatedAt: { type: 'string', format: 'date-time' },
    isVisible: { type: 'boolean', description: 'false: deleted (only admins see deleted messages)' },
  },
} as const;
const memberSchema = {
  type: 'object',
  properties: {
    userId: { type: 'integer' },
    name: { type: 'string' },
    role: { type: 'string' },
    joinedAt: { type: 'string', format: 'date-time' },
    lastReadMessageId: { type: ['integer', 'null'], description: 'the member has read up to this message' },
  },
} as const;
const cursor = { type: 'string', minLength: 1, maxLength: 200 } as const;
const sessionParams = { type: 'object', required: ['sessionId'], properties: { sessionId: int } } as const;
const memberParams = { type: 'object', required: ['sessionId', 'userId'], properties: { sessionId: int, userId: int } } as const;
const messageParams = { type: 'object', required: ['sessionId', 'messageId'], properties: { sessionId: int, messageId: int } } as const;

export function registerChatRoutes(api: ApiRouter, ctx: Context): void {
  const { chat } = ctx.services;
  const tags = ['chat'];

  api
    .route({
      method: 'get',
      path: '/chat-sessions',
      operationId: 'listChatSessions',
      summary: 'My chat sessions, newest first (admins: every session, or theirs with `mine=true`)',
      tags,
      auth: 'required',
      query: {
        type: 'object',
        additionalProperties: false,
        properties: { limit: { type: 'integer', minimum: 1, maximum: 100, default: 20 }, cursor, q: { type: 'string', minLength: 1, maxLength: 64 }, mine: { type: 'boolean' } },
      },
      responses: {
        200: {
          description: 'A page of sessions',
          schema: { type: 'object', required: ['items', 'nextCursor'], properties: { items: { type: 'array', items: sessionReadSchema }, nextCursor: { type: ['string', 'null'] } } },
        },
      },
    })
    .handle(async ({ viewer, query }) => ok(await chat.list(viewer, query)));

  api
    .route({
      method: 'post',
      path: '/chat-sessions',
      operationId: 'createChatSession',
      summary: 'Open a chat session; the creator is its first member, `userIds` join at once',
      tags,
      auth: 'required',
      body: sessionBody,
      idempotent: true,
      responses: { 201: { description: 'Created', schema: sessionSchema } },
    })
    .handle(async ({ viewer, body }) => {
      const session = await chat.create(viewer, body);
      return created(`/chat-sessions/${session.id}`, session);
    });

  api
    .route({
      method: 'get',
      path: '/chat-sessions/:sessionId',
      operationId: 'getChatSession',
      summary: 'A session (members and admins; 404 for anyone else)',
      tags,
      auth: 'required',
      params: sessionParams,
      responses: { 200: { description: 'Session', schema: sessionReadSchema } },
    })
    .handle(async ({ viewer, params }) => ok(await chat.get(viewer, params.sessionId)));

  api
    .route({
      method: 'post',
      path: '/chat-sessions/:sessionId/read',
      operationId: 'markChatSessionRead',
      summary: 'I have read the session up to this message (members; an older message changes nothing). Joined sockets get `read`',
      tags,
      auth: 'required',
      params: sessionParams,
      body: readBody,
      responses: {
        200: {
          description: 'The read marker, as it is now',
          schema: {
            type: 'object',
            required: ['sessionId', 'lastReadMessageId'],
            properties: { sessionId: { type: 'integer' }, lastReadMessageId: { type: 'integer' } },
            examples: [{ sessionId: 7, lastReadMessageId: 1234 }],
          },
        },
      },
    })
    .handle(async ({ viewer, params, body }) => ok(await chat.markRead(viewer, params.sessionId, body.messageId)));

  api
    .route({
      method: 'patch',
      path: '/chat-sessions/:sessionId',
      operationId: 'updateChatSession',
      summary: 'Rename, describe or close/reopen a session (creator or admin); hide or show it (admin)',
      tags,
      auth: 'required',
      params: sessionParams,
      body: sessionPatchBody,
      responses: { 200: { description: 'Updated', schema: sessionSchema } },
    })
    .handle(async ({ viewer, params, body }) => ok(await chat.update(viewer, params.sessionId, body)));

  api
    .route({
      method: 'delete',
      path: '/chat-sessions/:sessionId',
      operationId: 'deleteChatSession',
      summary: 'Delete a session with its messages (creator or admin)',
      tags,
      auth: 'required',
      params: sessionParams,
      responses: { 204: { description: 'Deleted' } },
    })
    .handle(async ({ viewer, params }) => {
      await chat.remove(viewer, params.sessionId);
      return noContent();
    });

  api
    .route({
      method: 'get',
      path: '/chat-sessions/:sessionId/members',
      operationId: 'listChatMembers',
      summary: 'The members of a session',
      tags,
      auth: 'required',
      params: sessionParams,
      responses: { 200: { description: 'Members', schema: { type: 'object', required: ['items'], properties: { items: { type: 'array', items: memberSchema } } } } },
    })
    .handle(async ({ viewer, params }) => ok(await chat.members(viewer, params.sessionId)));

  api
    .route({
      method: 'put',
      path: '/chat-sessions/:sessionId/members/:userId',
      operationId: 'addChatMember',
      summary: 'Add a member (creator or admin): 201 when added, 200 when already one',
      tags,
      auth: 'required',
      params: memberParams,
      responses: { 200: { description: 'Already a member' }, 201: { description: 'Added' } },
    })
    .handle(async ({ viewer, params }) => {
      const { created: added, member } = await chat.addMember(viewer, params.sessionId, params.userId);
      return { status: added ? 201 : 200, body: member };
    });

  api
    .route({
      method: 'delete',
      path: '/chat-sessions/:sessionId/members/:userId',
      operationId: 'removeChatMember',
      summary: 'Remove a member (creator or admin), or leave (your own id); their sockets leave the session at once',
      tags,
      auth: 'required',
      params: memberParams,
      responses: { 204: { description: 'Removed' } },
    })
    .handle(async ({ viewer, params }) => {
      await chat.removeMember(viewer, params.sessionId, params.userId);
      return noContent();
    });

  api
    .route({
      method: 'get',
      path: '/chat-sessions/:sessionId/messages',
      operationId: 'listChatMessages',
      summary: 'History, newest first. `nextCursor` → `before` pages to older messages, `prevCursor` → `after` to newer ones',
      tags,
      auth: 'required',
      params: sessionParams,
      query: { type: 'object', additionalProperties: false, properties: { limit: { type: 'integer', minimum: 1, maximum: 100, default: 50 }, before: cursor, after: cursor } },
      responses: {
        200: {
          description: 'A page of messages',
          schema: {
            type: 'object',
            required: ['items', 'nextCursor', 'prevCursor'],
            properties: { items: { type: 'array', items: messageSchema }, nextCursor: { type: ['string', 'null'] }, prevCursor: { type: ['string', 'null'] } },
          },
        },
      },
    })
    .handle(async ({ viewer, params, query }) => ok(await chat.history(viewer, params.sessionId, query)));

  api
    .route({
      method: 'get',
      path: '/chat-sessions/:sessionId/messages/:messageId',
      operationId: 'getChatMessage',
      summary: 'One message',
      tags,
      auth: 'required',
      params: messageParams,
      responses: { 200: { description: 'Message', schema: messageSchema } },
    })
    .handle(async ({ viewer, params }) => ok(await chat.getMessage(viewer, params.sessionId, params.messageId)));

  api
    .route({
      method: 'delete',
      path: '/chat-sessions/:sessionId/messages/:messageId',
      operationId: 'deleteChatMessage',
      summary: 'Delete a message (author, or admin: audited). A soft delete; joined sockets get `deleted`',
      tags,
      auth: 'required',
      params: messageParams,
      responses: { 204: { description: 'Deleted' } },
    })
    .handle(async ({ viewer, params }) => {
      await chat.deleteMessage(viewer, params.sessionId, params.messageId);
      return noContent();
    });
}
