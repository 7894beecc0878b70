// Chat sessions over REST (api process): sessions, members, history and message moderation. The live protocol
// (join, send, …) is the chat process's WebSocket (src/chat/server.ts, docs/chat-protocol.md).
import type { Request } from 'express';
import type { Guards } from '../auth/guards.js';
import type { Context } from '../context.js';
import type { ApiRouter } from '../http/api.js';
import type { HistoryQuery, SessionInput, SessionListQuery, SessionPatch } from './service.js';
import { sessionBody, sessionPatchBody } from './schemas.js';

const int = { type: 'integer', minimum: 1, maximum: 2147483647 };
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
};
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
};
const memberSchema = {
  type: 'object',
  properties: { userId: { type: 'integer' }, name: { type: 'string' }, role: { type: 'string' }, joinedAt: { type: 'string', format: 'date-time' } },
};
const cursor = { type: 'string', minLength: 1, maxLength: 200 };
const sessionParams = { type: 'object', required: ['sessionId'], properties: { sessionId: int } };
const memberParams = { type: 'object', required: ['sessionId', 'userId'], properties: { sessionId: int, userId: int } };
const messageParams = { type: 'object', required: ['sessionId', 'messageId'], properties: { sessionId: int, messageId: int } };
const p = (req: Request) => req.params as unknown as { sessionId: number; userId: number; messageId: number };

export function registerChatRoutes(api: ApiRouter, ctx: Context, guards: Guards): void {
  const { chat } = ctx.services;
  const auth = guards.requireAuth;
  const tags = ['chat'];

  api.route(
    {
      method: 'get',
      path: '/chat-sessions',
      operationId: 'listChatSessions',
      summary: 'My chat sessions, newest first (admins: every session, or theirs with `mine=true`)',
      tags,
      auth: true,
      query: {
        type: 'object',
        additionalProperties: false,
        properties: { limit: { type: 'integer', minimum: 1, maximum: 100, default: 20 }, cursor, q: { type: 'string', minLength: 1, maxLength: 64 }, mine: { type: 'boolean' } },
      },
      responses: {
        200: {
          description: 'A page of sessions',
          schema: { type: 'object', required: ['items', 'nextCursor'], properties: { items: { type: 'array', items: sessionSchema }, nextCursor: { type: ['string', 'null'] } } },
        },
      },
    },
    auth,
    async (req, res) => res.json(await chat.list(req.user!, req.query as unknown as SessionListQuery)),
  );

  api.route(
    {
      method: 'post',
      path: '/chat-sessions',
      operationId: 'createChatSession',
      summary: 'Open a chat session; the creator is its first member, `userIds` join at once',
      tags,
      auth: true,
      body: sessionBody,
      responses: { 201: { description: 'Created', schema: sessionSchema } },
    },
    auth,
    async (req, res) => {
      const session = await chat.create(req.user!, req.body as SessionInput);
      res.status(201).location(`/api/v1/chat-sessions/${session.id}`).json(session);
    },
  );

  api.route(
    {
      method: 'get',
      path: '/chat-sessions/:sessionId',
      operationId: 'getChatSession',
      summary: 'A session (members and admins; 404 for anyone else)',
      tags,
      auth: true,
      params: sessionParams,
      responses: { 200: { description: 'Session', schema: sessionSchema } },
    },
    auth,
    async (req, res) => res.json(await chat.get(req.user!, p(req).sessionId)),
  );

  api.route(
    {
      method: 'patch',
      path: '/chat-sessions/:sessionId',
      operationId: 'updateChatSession',
      summary: 'Rename, describe or close/reopen a session (creator or admin); hide or show it (admin)',
      tags,
      auth: true,
      params: sessionParams,
      body: sessionPatchBody,
      responses: { 200: { description: 'Updated', schema: sessionSchema } },
    },
    auth,
    async (req, res) => res.json(await chat.update(req.user!, p(req).sessionId, req.body as SessionPatch)),
  );

  api.route(
    {
      method: 'delete',
      path: '/chat-sessions/:sessionId',
      operationId: 'deleteChatSession',
      summary: 'Delete a session with its messages (creator or admin)',
      tags,
      auth: true,
      params: sessionParams,
      responses: { 204: { description: 'Deleted' } },
    },
    auth,
    async (req, res) => {
      await chat.remove(req.user!, p(req).sessionId);
      res.status(204).end();
    },
  );

  api.route(
    {
      method: 'get',
      path: '/chat-sessions/:sessionId/members',
      operationId: 'listChatMembers',
      summary: 'The members of a session',
      tags,
      auth: true,
      params: sessionParams,
      responses: { 200: { description: 'Members', schema: { type: 'object', required: ['items'], properties: { items: { type: 'array', items: memberSchema } } } } },
    },
    auth,
    async (req, res) => res.json(await chat.members(req.user!, p(req).sessionId)),
  );

  api.route(
    {
      method: 'put',
      path: '/chat-sessions/:sessionId/members/:userId',
      operationId: 'addChatMember',
      summary: 'Add a member (creator or admin): 201 when added, 200 when already one',
      tags,
      auth: true,
      params: memberParams,
      responses: { 200: { description: 'Already a member' }, 201: { description: 'Added' } },
    },
    auth,
    async (req, res) => {
      const { created, member } = await chat.addMember(req.user!, p(req).sessionId, p(req).userId);
      res.status(created ? 201 : 200).json(member);
    },
  );

  api.route(
    {
      method: 'delete',
      path: '/chat-sessions/:sessionId/members/:userId',
      operationId: 'removeChatMember',
      summary: 'Remove a member (creator or admin), or leave (your own id); their sockets leave the session at once',
      tags,
      auth: true,
      params: memberParams,
      responses: { 204: { description: 'Removed' } },
    },
    auth,
    async (req, res) => {
      await chat.removeMember(req.user!, p(req).sessionId, p(req).userId);
      res.status(204).end();
    },
  );

  api.route(
    {
      method: 'get',
      path: '/chat-sessions/:sessionId/messages',
      operationId: 'listChatMessages',
      summary: 'History, newest first. `nextCursor` → `before` pages to older messages, `prevCursor` → `after` to newer ones',
      tags,
      auth: true,
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
    },
    auth,
    async (req, res) => res.json(await chat.history(req.user!, p(req).sessionId, req.query as unknown as HistoryQuery)),
  );

  api.route(
    {
      method: 'get',
      path: '/chat-sessions/:sessionId/messages/:messageId',
      operationId: 'getChatMessage',
      summary: 'One message',
      tags,
      auth: true,
      params: messageParams,
      responses: { 200: { description: 'Message', schema: messageSchema } },
    },
    auth,
    async (req, res) => res.json(await chat.getMessage(req.user!, p(req).sessionId, p(req).messageId)),
  );

  api.route(
    {
      method: 'delete',
      path: '/chat-sessions/:sessionId/messages/:messageId',
      operationId: 'deleteChatMessage',
      summary: 'Delete a message (author, or admin: audited). A soft delete; joined sockets get `deleted`',
      tags,
      auth: true,
      params: messageParams,
      responses: { 204: { description: 'Deleted' } },
    },
    auth,
    async (req, res) => {
      await chat.deleteMessage(req.user!, p(req).sessionId, p(req).messageId);
      res.status(204).end();
    },
  );
}
