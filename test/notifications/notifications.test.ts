// Notifications end to end on real Redis, the suite's database (SQLite or MariaDB), a real chat server and the
// notification worker's BullMQ consumer: events emitted by the services, fanned out by the worker, listed through
// the API, pushed live to the member's socket, and hidden once their target cannot be read.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startNotificationWorker, type NotificationWorker } from '../../ai-worker/notifications.js';
import { eventKey, type NotificationEvent } from '../../src/notifications/index.js';
import { queueNames } from '../../src/platform/queue.js';
import { createBoard } from '../boards/setup.js';
import { testProvider } from '../helpers/db.js';
import { waitFor } from '../helpers/wait.js';
import { createComment, createPost } from '../posts/helpers.js';
import { actor, call, connectAs, createSession, startChatSuite, type Actor, type ChatSuite, type Client, type Frame } from '../chat/helpers.js';

interface Item {
  id: number;
  type: string;
  readAt: string | null;
  actor: { id: number; name: string } | null;
  target: { type: string; id: number };
  text: string;
  data: Record<string, unknown>;
}

let s: ChatSuite;
let worker: NotificationWorker;
let admin: Actor;
const clients: Client[] = [];

beforeAll(async () => {
  s = await startChatSuite();
  worker = await startNotificationWorker(s.t.ctx);
  admin = await actor(s.t, s.app, 'admin');
});

afterAll(async () => {
  for (const c of clients) c.close();
  await worker?.close();
  await s?.chat.stop();
  await s?.t.cleanup();
});

const list = async (who: Actor, query = '') => {
  const res = await call(s.app, who, 'get', `/notifications${query}`);
  expect(res.status).toBe(200);
  return res.body as { items: Item[]; nextCursor: string | null; unreadCount: number };
};

/** Resolves once the worker has finished the event's job (so whatever it writes is written). */
async function handled(event: NotificationEvent): Promise<void> {
  const queue = s.t.ctx.queues.get(queueNames.notifications);
  await waitFor(`job ${eventKey(event)}`, async () => (await queue.getJobState(eventKey(event))) === 'completed');
}

async function connect(who: Actor): Promise<Client> {
  const c = await connectAs(s, who);
  clients.push(c);
  return c;
}

describe(`notifications (${testProvider})`, () => {
  it('tells a post’s author of a comment: in the list and live on their socket', async () => {
    const [author, commenter] = [await actor(s.t, s.app), await actor(s.t, s.app)];
    const board = await createBoard(s.app, admin);
    const post = await createPost(s.app, author, board.id, { name: 'Meeting notes' });
    const socket = await connect(author);
    const comment = await createComment(s.app, commenter, post.id, 'see you there');

    const frame = await socket.next((f: Frame) => f.type === 'notification', 'a notification frame');
    const live = frame.notification as Item;
    expect(live).toMatchObject({ type: 'comment', actor: { id: commenter.id, name: commenter.name }, target: { type: 'comment', id: comment.id }, readAt: null });
    expect(live.text).toBe(`${commenter.name} commented on your post “Meeting notes”`);
    expect(live.data).toMatchObject({ postId: post.id, boardId: board.id });
    expect(frame.unreadCount).toBe(1);

    const page = await list(author);
    expect(page.items.map((i) => i.id)).toEqual([live.id]);
    expect(page.unreadCount).toBe(1);
    expect((await call(s.app, author, 'get', '/notifications/unread-count')).body).toEqual({ unreadCount: 1 });

    // the same event handled again (a retried or redelivered job) writes nothing twice
    expect(await worker.fanout.handle({ kind: 'comment', commentId: comment.id })).toBe(0);
    expect(await s.t.ctx.prisma.notification.count({ where: { userId: author.id } })).toBe(1);

    // one's own comment tells nobody
    const own = await createComment(s.app, author, post.id, 'thanks');
    await handled({ kind: 'comment', commentId: own.id });
    expect((await list(author)).items).toHaveLength(1);
  });

  it('tells only the mentioned members who may read the chat session', async () => {
    const [alice, bob, carol] = [await actor(s.t, s.app), await actor(s.t, s.app), await actor(s.t, s.app)];
    const room = await createSession(s.app, alice, { name: 'planning', userIds: [bob.id] });
    const sender = await connect(alice);
    await sender.join(room.id);
    const bobSocket = await connect(bob);
    sender.send({ type: 'send', sessionId: room.id, clientMsgId: 'm1', content: `@${bob.name} and @${carol.name}, look` });
    const ack = await sender.next((f) => f.type === 'ack' && f.clientMsgId === 'm1', 'the ack');
    await handled({ kind: 'chat_message', messageId: ack.id as number });

    const frame = await bobSocket.next((f) => f.type === 'notification' && (f.notification as Item).type === 'mention', 'a mention');
    expect(frame.notification).toMatchObject({ actor: { id: alice.id }, target: { type: 'chat_message', id: ack.id }, text: `${alice.name} mentioned you in the chat “planning”` });
    expect((await list(bob)).items.filter((i) => i.type === 'mention')).toHaveLength(1);
    // carol is not a member: nothing is written for her
    expect(await s.t.ctx.prisma.notification.count({ where: { userId: carol.id } })).toBe(0);
    expect((await list(carol)).items).toEqual([]);
  });

  it('tells members mentioned in a post or a comment only where they may read it', async () => {
    const [writer, reader, outsider, other] = [await actor(s.t, s.app), await actor(s.t, s.app), await actor(s.t, s.app), await actor(s.t, s.app)];
    const hidden = await createBoard(s.app, admin, { isVisible: false, userIds: [writer.id, reader.id, other.id] });
    // a name is matched as typed, on both providers
    const post = await createPost(s.app, writer, hidden.id, { name: 'plan', content: `@${reader.name} @${outsider.name} @nobody_here_at_all @${other.name.toUpperCase()}` });
    await handled({ kind: 'post', postId: post.id });
    const [mention] = (await list(reader)).items;
    expect(mention).toMatchObject({ type: 'mention', target: { type: 'post', id: post.id }, text: `${writer.name} mentioned you in the post “plan”` });
    expect(await s.t.ctx.prisma.notification.count({ where: { userId: { in: [outsider.id, other.id] } } })).toBe(0);
  });

  it('marks many read at once, idempotently, and never another member’s', async () => {
    const [author, other] = [await actor(s.t, s.app), await actor(s.t, s.app)];
    const board = await createBoard(s.app, admin);
    const post = await createPost(s.app, author, board.id);
    for (let i = 0; i < 3; i++) await createComment(s.app, other, post.id, `comment ${i}`);
    const page = await waitFor('three notifications', async () => {
      const p = await list(author);
      return p.items.length === 3 && p;
    });
    expect(page.unreadCount).toBe(3);
    const [a, b] = page.items.map((i) => i.id);

    const read = async (who: Actor, body: object) => call(s.app, who, 'post', '/notifications/read', body);
    expect((await read(author, { ids: [a, b] })).body).toEqual({ unreadCount: 1 });
    expect((await read(author, { ids: [a, b] })).body).toEqual({ unreadCount: 1 });
    expect((await read(other, { all: true })).body).toEqual({ unreadCount: 0 });
    expect((await read(other, { ids: [page.items[2].id] })).status).toBe(200);
    expect((await list(author, '?unread=true')).items.map((i) => i.id)).toEqual([page.items[2].id]);
    expect((await read(author, { all: true })).body).toEqual({ unreadCount: 0 });
    expect((await list(author, '?unread=true')).items).toEqual([]);
    expect((await list(author)).items.every((i) => i.readAt !== null)).toBe(true);

    // newest first, by cursor
    const first = await list(author, '?limit=2');
    expect(first.items.map((i) => i.id)).toEqual([page.items[0].id, page.items[1].id]);
    const rest = await list(author, `?limit=2&cursor=${first.nextCursor}`);
    expect(rest.items.map((i) => i.id)).toEqual([page.items[2].id]);
    expect(rest.nextCursor).toBeNull();

    // bad input: 400 naming the field; another's notification is absent
    const bad = await read(author, { ids: [] });
    expect(bad.status).toBe(400);
    expect((await read(author, { ids: [1], all: true })).status).toBe(400);
    expect((await call(s.app, author, 'get', '/notifications?cursor=nope')).status).toBe(400);
    const gone = await call(s.app, other, 'delete', `/notifications/${a}`);
    expect(gone.status).toBe(404);
    expect(gone.body.code).toBe('notification_not_found');
    expect((await call(s.app, author, 'delete', `/notifications/${a}`)).status).toBe(204);
    expect((await call(s.app, author, 'delete', `/notifications/${a}`)).status).toBe(404);
    expect((await list(author)).items).toHaveLength(2);
  });

  it('creates nothing of a type its member turned off', async () => {
    const [author, other] = [await actor(s.t, s.app), await actor(s.t, s.app)];
    const settings = await call(s.app, author, 'get', '/users/me/notification-settings');
    expect(settings.status).toBe(200);
    expect(settings.body).toEqual({ comment: true, mention: true, moderation: true, chat_added: true, prediction: true, training: true, like: true, report: true });
    const put = await call(s.app, author, 'put', '/users/me/notification-settings', { comment: false });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ comment: false, mention: true });
    const invalid = await call(s.app, author, 'put', '/users/me/notification-settings', { comment: 'no', bogus: true });
    expect(invalid.status).toBe(400);

    const board = await createBoard(s.app, admin);
    const post = await createPost(s.app, author, board.id);
    const muted = await createComment(s.app, other, post.id, 'muted');
    await handled({ kind: 'comment', commentId: muted.id });
    expect(await s.t.ctx.prisma.notification.count({ where: { userId: author.id } })).toBe(0);

    // a mention is another type: still on
    const mention = await createComment(s.app, other, post.id, `hey @${author.name}`);
    await handled({ kind: 'comment', commentId: mention.id });
    expect(await s.t.ctx.prisma.notification.count({ where: { userId: author.id } })).toBe(0); // the post's author is told of the comment, not the mention
    expect((await call(s.app, author, 'put', '/users/me/notification-settings', { comment: true })).body.comment).toBe(true);
    const again = await createComment(s.app, other, post.id, 'back on');
    await handled({ kind: 'comment', commentId: again.id });
    expect((await list(author)).items.map((i) => i.target.id)).toEqual([again.id]);
  });

  it('hides a notification whose board grant was revoked, and its text with it', async () => {
    const [author, commenter] = [await actor(s.t, s.app), await actor(s.t, s.app)];
    const board = await createBoard(s.app, admin, { isVisible: false, userIds: [author.id, commenter.id] });
    const post = await createPost(s.app, author, board.id, { name: 'secret plans' });
    const comment = await createComment(s.app, commenter, post.id);
    await handled({ kind: 'comment', commentId: comment.id });
    expect((await list(author)).items.map((i) => i.text)).toEqual([`${commenter.name} commented on your post “secret plans”`]);

    expect((await call(s.app, admin, 'put', `/boards/${board.id}/grants`, { userIds: [commenter.id] })).status).toBe(200);
    const hidden = await list(author);
    expect(hidden.items).toEqual([]);
    expect(hidden.unreadCount).toBe(0);
    expect(JSON.stringify(hidden)).not.toContain('secret');

    // granted again: it is back (read, since it was passed over)
    expect((await call(s.app, admin, 'put', `/boards/${board.id}/grants`, { userIds: [commenter.id, author.id] })).status).toBe(200);
    expect((await list(author)).items).toHaveLength(1);

    // the post deleted: gone for good
    expect((await call(s.app, author, 'delete', `/boards/${board.id}/posts/${post.id}`)).status).toBe(204);
    expect((await list(author)).items).toEqual([]);
  });

  it('aggregates likes of a post into one notification until it is read', async () => {
    const author = await actor(s.t, s.app);
    const likers = [await actor(s.t, s.app), await actor(s.t, s.app), await actor(s.t, s.app)];
    const board = await createBoard(s.app, admin);
    const post = await createPost(s.app, author, board.id, { name: 'popular' });
    for (const l of likers) {
      expect((await call(s.app, l, 'put', `/posts/${post.id}/like`)).status).toBe(200);
      await handled({ kind: 'like', postId: post.id, userId: l.id });
    }
    const { items } = await list(author);
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ type: 'like', text: '3 people liked your post “popular”', data: { count: 3 } });
    expect(items[0].data).not.toHaveProperty('likerIds');
  });

  it('tells the author when a moderator hides their post, and members added to a chat', async () => {
    const [author, friend] = [await actor(s.t, s.app), await actor(s.t, s.app)];
    const board = await createBoard(s.app, admin);
    const post = await createPost(s.app, author, board.id, { name: 'too hot' });
    expect((await call(s.app, admin, 'patch', `/boards/${board.id}/posts/${post.id}`, { isVisible: false })).status).toBe(200);
    const [hiddenNote] = await waitFor('the moderation notice', async () => (await list(author)).items.filter((i) => i.type === 'moderation').length === 1 && (await list(author)).items);
    expect(hiddenNote).toMatchObject({ actor: { id: admin.id }, target: { type: 'post', id: post.id }, text: 'A moderator hid your post “too hot”', data: { action: 'hidden' } });

    await createSession(s.app, author, { name: 'club', userIds: [friend.id] });
    const [added] = await waitFor('the chat notice', async () => (await list(friend)).items.length === 1 && (await list(friend)).items);
    expect(added).toMatchObject({ type: 'chat_added', actor: { id: author.id }, target: { type: 'chat_session' }, text: `${author.name} added you to the chat “club”` });
  });

  it('deletes notifications older than the retention', async () => {
    const user = await actor(s.t, s.app);
    const old = new Date(Date.now() - (s.t.ctx.config.notifications.retentionDays + 1) * 86_400_000);
    await s.t.ctx.prisma.notification.create({ data: { userId: user.id, type: 'comment', targetType: 'post', targetId: 1, eventKey: 'old-one', createdAt: old } });
    await s.t.ctx.prisma.notification.create({ data: { userId: user.id, type: 'comment', targetType: 'post', targetId: 1, eventKey: 'new-one' } });
    expect(await worker.fanout.sweep()).toBe(1);
    expect((await s.t.ctx.prisma.notification.findMany({ where: { userId: user.id }, select: { eventKey: true } })).map((n) => n.eventKey)).toEqual(['new-one']);
  });
});
