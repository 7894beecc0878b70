// Chat tickets die with the access token they were issued to: an unused ticket is refused at the upgrade after
// logout-all, a password change, or the logout of that token, while tickets of other, live logins still work.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { login, PASSWORD } from '../helpers/auth.js';
import { testProvider } from '../helpers/db.js';
import { TicketRedeemer } from '../../src/chat/ticket-redeemer.js';
import { actor, call, Client, refusedUpgrade, startChatSuite, ticketFor, type Actor, type ChatSuite } from './helpers.js';

let s: ChatSuite;
const clients: Client[] = [];

beforeAll(async () => {
  s = await startChatSuite();
});

afterAll(async () => {
  for (const c of clients) c.close();
  await s?.chat.stop();
  await s?.t.cleanup();
});

async function expectRefused(ticket: string): Promise<void> {
  const r = await refusedUpgrade(`${s.url}?ticket=${encodeURIComponent(ticket)}`);
  expect(r.status).toBe(401);
  expect(r.contentType).toBe('application/problem+json');
  expect(r.body).toMatchObject({ status: 401, code: 'invalid_ticket' });
}

async function expectAccepted(ticket: string): Promise<void> {
  const c = await Client.open(s.url, ticket);
  clients.push(c);
  c.send({ type: 'ping', ref: 'hello' });
  await c.next((f) => f.type === 'pong' && f.ref === 'hello', 'pong');
}

/** A second login of the same account. */
async function secondLogin(who: Actor): Promise<Actor> {
  return { ...who, token: (await login(s.app, who)).access };
}

describe(`chat tickets and revocation (${testProvider})`, () => {
  it('refuses a ticket issued before logout-all; a ticket issued after it (new login) works', async () => {
    const who = await actor(s.t, s.app);
    const ticket = await ticketFor(s.app, who);
    expect((await call(s.app, who, 'post', '/auth/logout-all')).status).toBe(204);
    await expectRefused(ticket);
    await expectAccepted(await ticketFor(s.app, await secondLogin(who)));
  });

  it('refuses a ticket issued before a password change', async () => {
    const who = await actor(s.t, s.app);
    const ticket = await ticketFor(s.app, who);
    const res = await call(s.app, who, 'patch', '/users/me', { password: 'An0ther!Passw0rd', currentPassword: PASSWORD });
    expect(res.status).toBe(200);
    await expectRefused(ticket);
  });

  it('refuses a ticket whose access token logged out, while another login’s ticket still works', async () => {
    const who = await actor(s.t, s.app);
    const other = await secondLogin(who);
    const ticket = await ticketFor(s.app, who);
    const otherTicket = await ticketFor(s.app, other);
    expect((await call(s.app, who, 'post', '/auth/logout')).status).toBe(204);
    await expectRefused(ticket);
    await expectAccepted(otherTicket);
  });

  it('redeems the tickets of one tick together, each on its own merits; a ticket used twice at once lets one in', async () => {
    const [ok, loggedOut, banned, twice] = [await actor(s.t, s.app), await actor(s.t, s.app), await actor(s.t, s.app), await actor(s.t, s.app)];
    const tickets = { ok: await ticketFor(s.app, ok), loggedOut: await ticketFor(s.app, loggedOut), banned: await ticketFor(s.app, banned), twice: await ticketFor(s.app, twice) };
    const used = await ticketFor(s.app, ok);
    expect(await s.t.ctx.sessions.consumeWsTicket(used)).not.toBeNull();
    expect((await call(s.app, loggedOut, 'post', '/auth/logout')).status).toBe(204);
    await s.t.ctx.prisma.user.update({ where: { id: banned.id }, data: { isBanned: true } });
    const redeemer = new TicketRedeemer({ sessions: s.t.ctx.sessions, connectUsers: (ids) => s.t.ctx.services.chat.connectUsers(ids) });
    // redeemed in the same tick: one batch
    const answers = await Promise.all([tickets.ok, tickets.loggedOut, tickets.banned, used, 'not-a-ticket', tickets.twice, tickets.twice].map((t) => redeemer.redeem(t)));
    expect(answers.map((u) => u?.id ?? null)).toEqual([ok.id, null, null, null, null, twice.id, null]);
    // all of them are spent, the refused ones too
    expect(await s.t.ctx.sessions.consumeWsTickets([tickets.ok, tickets.loggedOut, tickets.banned, tickets.twice])).toEqual([null, null, null, null]);
  });

  it('counts the refusals as bad tickets', async () => {
    const refused = (await s.chat.metrics.upgradesRefused.get()).values.find((v) => v.labels.reason === 'bad_ticket');
    expect(refused?.value).toBe(3);
  });
});
