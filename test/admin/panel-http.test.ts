// The admin panel over HTTP against a real api: who may sign in, the session cookie and its Redis entry,
// rate-limited and audited sign-in, cross-site request refusal, actions that change nothing on GET, form
// errors instead of 500s, role changes for superusers only, and sessions that end with a ban.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { createRedis, closeRedis } from '../../src/platform/redis.js';
import { redisKeys } from '../../src/platform/keys.js';
import { adminAgent, person, startAdminSuite, type AdminSuite, type Person } from './setup.js';

const ACCOUNT_LIMIT = 3;

describe('admin panel over HTTP', () => {
  let s: AdminSuite;
  let admin: Person;
  let superuser: Person;
  let member: Person;
  let staff: Awaited<ReturnType<typeof adminAgent>>['agent'];
  let sup: Awaited<ReturnType<typeof adminAgent>>['agent'];
  // the audit keeps a failed login as typed only when it names an account, otherwise a keyed hash of it
  const failures = async (login: string) => {
    const hashed = s.t.ctx.services.auth.loginForAudit(login, false);
    return (await s.t.ctx.audit.query({ action: 'admin.login_failed', limit: 100 })).items.filter(
      (e) => e.details?.login === login || ('loginHash' in hashed && e.details?.loginHash === hashed.loginHash),
    );
  };
  const signInFrom = (ip: string, who: Pick<Person, 'name' | 'password'>) =>
    request(s.origin).post('/admin/login').set('X-Forwarded-For', ip).type('form').send({ email: who.name, password: who.password });
  const user = (id: number) => s.t.ctx.prisma.user.findUniqueOrThrow({ where: { id } });

  beforeAll(async () => {
    // the client address comes from X-Forwarded-For (trusted from loopback) in the login-limit tests
    s = await startAdminSuite({ LOGIN_RATE_LIMIT_ACCOUNT: String(ACCOUNT_LIMIT), TRUST_PROXY: 'loopback' });
    admin = await person(s.t, 'admin');
    superuser = await person(s.t, 'superuser', 'root');
    member = await person(s.t, 'user', 'member');
    staff = (await adminAgent(s.origin, admin)).agent;
    sup = (await adminAgent(s.origin, superuser)).agent;
  }, 120_000);

  afterAll(async () => {
    await s?.stop();
  });

  describe('sign-in', () => {
    it('serves a login page with its own assets only and a CSP', async () => {
      const res = await request(s.origin).get('/admin/login');
      expect(res.status).toBe(200);
      expect(res.text).toContain('<title>Agora</title>');
      expect(res.text).not.toContain('fonts.googleapis.com');
      expect(res.text).not.toMatch(/(src|href)="https?:\/\//);
      expect(res.headers['content-security-policy']).toContain("default-src 'self'");
      expect(res.headers['set-cookie']).toBeUndefined();
    });

    it('sends visitors without a session to the login page', async () => {
      for (const path of ['/admin', '/admin/resources/User', '/admin/api/resources/User/actions/list']) {
        const res = await request(s.origin).get(path);
        expect({ path, status: res.status, location: res.headers.location }).toEqual({ path, status: 302, location: '/admin/login' });
      }
    });

    it('signs an admin in: httpOnly SameSite=Strict cookie, a session in Redis, an audit event', async () => {
      const { agent, res } = await adminAgent(s.origin, admin);
      expect({ status: res.status, location: res.headers.location }).toEqual({ status: 302, location: '/admin' });
      const cookie = ([] as string[]).concat(res.headers['set-cookie'] ?? []).find((c) => c.startsWith('agora_admin='))!;
      expect(cookie).toMatch(/HttpOnly/);
      expect(cookie).toMatch(/SameSite=Strict/);
      expect(cookie).toMatch(/Path=\/admin/);
      expect(cookie).not.toMatch(/Secure/); // COOKIE_SECURE is off outside production
      const sid = decodeURIComponent(cookie.split(';')[0].slice('agora_admin='.length)).replace(/^s:/, '').split('.')[0];
      const raw = createRedis({ redisUrl: s.t.ctx.config.redisUrl, redisPrefix: s.t.ctx.config.redisPrefix });
      try {
        const stored = JSON.parse((await raw.get(`${redisKeys.adminSessionPrefix()}${sid}`))!) as { adminUser: { id: number; role: string } };
        expect(stored.adminUser).toMatchObject({ id: admin.id, role: 'admin' });
        expect(await raw.ttl(`${redisKeys.adminSessionPrefix()}${sid}`)).toBeGreaterThan(3600);
      } finally {
        await closeRedis(raw);
      }
      expect((await agent.get('/admin/api/dashboard')).body).toMatchObject({ users: expect.any(Number) });
      const events = await s.t.ctx.audit.query({ action: 'admin.login', actorId: admin.id, limit: 10 });
      expect(events.items.length).toBeGreaterThanOrEqual(1);
    });

    it('refuses members, wrong passwords and banned admins alike (401, no session), and audits why', async () => {
      const banned = await person(s.t, 'admin', 'bannedadm');
      await s.t.ctx.prisma.user.update({ where: { id: banned.id }, data: { isBanned: true } });
      for (const [who, password, reason] of [
        [member, member.password, 'not_staff'],
        [admin, 'Wrong!Passw0rd', 'invalid_credentials'],
        [banned, banned.password, 'banned'],
        [{ name: 'nobody_here', password: 'x' }, 'x', 'invalid_credentials'],
      ] as const) {
        const { agent, res } = await adminAgent(s.origin, { name: who.name, password });
        expect({ who: who.name, status: res.status }).toEqual({ who: who.name, status: 401 });
        expect(res.text).toContain('window.__APP_STATE__');
        expect(res.headers['set-cookie']).toBeUndefined();
        expect((await agent.get('/admin/api/dashboard')).status).toBe(302);
        expect((await failures(who.name)).map((e) => e.details?.reason)).toContain(reason);
      }
    });

    it(`rate-limits failed sign-ins per account (${ACCOUNT_LIMIT} per window): then even the right password gets 429`, async () => {
      const target = await person(s.t, 'admin', 'limited');
      for (let i = 0; i < ACCOUNT_LIMIT; i++) expect((await adminAgent(s.origin, { name: target.name, password: 'Wrong!Passw0rd' })).res.status).toBe(401);
      const { res } = await adminAgent(s.origin, target);
      expect(res.status).toBe(429);
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
      expect(res.headers['set-cookie']).toBeUndefined();
      expect((await failures(target.name)).map((e) => e.details?.reason)).toContain('rate_limited');
      // by email too: the counter is the account's
      expect((await adminAgent(s.origin, { name: target.email.toUpperCase(), password: target.password })).res.status).toBe(429);
    });

    it('keeps a stranger’s failures at their own address: the operator still signs in from another', async () => {
      const target = await person(s.t, 'admin', 'targeted');
      for (let i = 0; i < ACCOUNT_LIMIT; i++) expect((await signInFrom('203.0.113.5', { name: target.name, password: 'Wrong!Passw0rd' })).status).toBe(401);
      expect((await signInFrom('203.0.113.5', target)).status).toBe(429);
      const owner = await signInFrom('198.51.100.5', target);
      expect({ status: owner.status, location: owner.headers.location }).toEqual({ status: 302, location: '/admin' });
      // no typed string that names no account is kept as typed
      const typed = 'S3cret!typed-as-name';
      expect((await signInFrom('203.0.113.6', { name: typed, password: 'x' })).status).toBe(401);
      const events = await failures(typed);
      expect(events).toHaveLength(1);
      expect(events[0].details).toEqual({ loginHash: expect.stringMatching(/^[0-9a-f]{32}$/), reason: 'invalid_credentials' });
    });

    it('shares one login limit with the API: failed API logins count against a panel sign-in from the same address', async () => {
      const target = await person(s.t, 'admin', 'shared');
      for (let i = 0; i < ACCOUNT_LIMIT; i++) {
        const res = await request(s.origin).post('/api/v1/auth/login').set('X-Forwarded-For', '203.0.113.7').send({ name: target.name, password: 'Wrong!Passw0rd' });
        expect(res.status).toBe(401);
      }
      const res = await signInFrom('203.0.113.7', target);
      expect(res.status).toBe(429);
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
      expect((await request(s.origin).post('/api/v1/auth/login').set('X-Forwarded-For', '203.0.113.8').send({ name: target.name, password: target.password })).status).toBe(200);
    });

    it('logs out: the session is gone and the logout is audited', async () => {
      const { agent } = await adminAgent(s.origin, admin);
      expect((await agent.get('/admin/logout')).status).toBe(302);
      expect((await agent.get('/admin/api/dashboard')).status).toBe(302);
      expect((await s.t.ctx.audit.query({ action: 'admin.logout', actorId: admin.id, limit: 5 })).items.length).toBe(1);
    });
  });

  describe('cross-site requests', () => {
    it('refuses a POST from another origin, and API calls a browser marks cross-site (403 problem)', async () => {
      const victim = await person(s.t);
      const forged = await staff.post(`/admin/api/resources/User/records/${victim.id}/ban`).set('Origin', 'http://evil.example').type('form').send({ reason: 'csrf' });
      expect({ status: forged.status, code: forged.body.code }).toEqual({ status: 403, code: 'cross_site_request' });
      const fetchMeta = await staff.get(`/admin/api/resources/User/records/${victim.id}/show`).set('Sec-Fetch-Site', 'cross-site');
      expect({ status: fetchMeta.status, code: fetchMeta.body.code }).toEqual({ status: 403, code: 'cross_site_request' });
      const login = await request(s.origin).post('/admin/login').set('Origin', 'http://evil.example').type('form').send({ email: admin.name, password: admin.password });
      expect(login.status).toBe(403);
      expect((await user(victim.id)).isBanned).toBe(false);
      // the same request from the panel's own origin goes through
      const own = await staff.post(`/admin/api/resources/User/records/${victim.id}/ban`).set('Origin', s.origin).set('Sec-Fetch-Site', 'same-origin').type('form').send({ reason: 'own origin' });
      expect(own.status).toBe(200);
      expect((await user(victim.id)).isBanned).toBe(true);
    });
  });

  describe('actions', () => {
    it('ban: GET changes nothing, a missing reason is a form error, a POST bans and revokes every token', async () => {
      const victim = await person(s.t);
      const url = `/admin/api/resources/User/records/${victim.id}/ban`;
      expect((await staff.get(url)).status).toBe(200);
      expect((await user(victim.id)).isBanned).toBe(false);
      const empty = await staff.post(url).type('form').send({ reason: '   ' });
      expect(empty.status).toBe(200);
      expect(empty.body.record.errors.reason).toMatchObject({ message: 'A reason is required.' });
      expect(empty.body.notice.type).toBe('error');
      expect((await user(victim.id)).isBanned).toBe(false);
      const before = Date.now();
      const ok = await staff.post(url).type('form').send({ reason: 'abuse' });
      expect(ok.body.notice).toMatchObject({ type: 'success' });
      expect(ok.body.record.params).toMatchObject({ isBanned: true, banReason: 'abuse' });
      expect(ok.body.record.params.passwordHash).toBeUndefined();
      expect(Number(await s.t.ctx.redis.get(redisKeys.revocationEpoch(victim.id)))).toBeGreaterThanOrEqual(before);
    });

    it('bulk ban needs a reason too, and bans each selected account', async () => {
      const a = await person(s.t);
      const b = await person(s.t);
      const url = `/admin/api/resources/User/bulk/bulkBan?recordIds=${a.id},${b.id}`;
      expect((await staff.post(url).type('form').send({ confirm: 'yes' })).body.record.errors.reason).toBeDefined();
      expect((await user(a.id)).isBanned).toBe(false);
      const ok = await staff.post(url).type('form').send({ reason: 'spam ring' });
      expect(ok.body.notice).toMatchObject({ type: 'success', message: '2 user(s) banned.' });
      expect([(await user(a.id)).isBanned, (await user(b.id)).isBanned]).toEqual([true, true]);
    });

    it('an admin may not ban another admin (the service rule): an error notice, nothing changed', async () => {
      const other = await person(s.t, 'admin', 'otheradm');
      const res = await staff.post(`/admin/api/resources/User/records/${other.id}/ban`).type('form').send({ reason: 'no' });
      expect(res.status).toBe(200);
      expect(res.body.notice).toMatchObject({ type: 'error' });
      expect((await user(other.id)).isBanned).toBe(false);
    });

    it('resets a password: the member gets the mail, the admin never sees the token, it is audited', async () => {
      const m = await person(s.t);
      const res = await staff.post(`/admin/api/resources/User/records/${m.id}/resetPassword`).type('form').send({ confirm: 'yes' });
      expect(res.body.notice).toMatchObject({ type: 'success' });
      expect(JSON.stringify(res.body)).not.toMatch(/token=|"token"/i);
      expect(await s.t.ctx.prisma.passwordResetToken.count({ where: { userId: m.id } })).toBe(1);
      expect((await s.t.ctx.audit.query({ action: 'password.reset_forced', targetId: String(m.id), limit: 5 })).items).toHaveLength(1);
    });

    it('sets a member’s board grants from the user page', async () => {
      const principal = { id: admin.id, role: 'admin' as const, jti: 't', sid: 't', exp: 0 };
      const b1 = await s.t.ctx.services.boards.create(principal, { name: `g1-${member.id}-${Date.now()}`, isVisible: false });
      const b2 = await s.t.ctx.services.boards.create(principal, { name: `g2-${member.id}-${Date.now()}`, isVisible: false });
      const url = `/admin/api/resources/User/records/${member.id}/boards`;
      const get = await staff.get(url);
      expect(get.body.options).toEqual(expect.arrayContaining([{ value: b1.id, label: expect.stringContaining('(hidden)'), checked: false }]));
      await staff
        .post(url)
        .type('form')
        .send({ ids: `${b1.id},${b2.id}` });
      expect((await s.t.ctx.services.boards.userGrants(principal, member.id)).boardIds).toEqual([b1.id, b2.id]);
      await staff
        .post(url)
        .type('form')
        .send({ ids: `${b2.id}` });
      expect((await s.t.ctx.services.boards.userGrants(principal, member.id)).boardIds).toEqual([b2.id]);
      expect(await s.t.ctx.services.boardPolicy.access({ id: member.id, role: 'user' }, b1.id)).toBeNull();
    });

    it('a taken board name or email is a form error, not a 500', async () => {
      const name = `taken-${Date.now()}`;
      expect((await staff.post('/admin/api/resources/Board/actions/new').type('form').send({ name })).body.notice.type).toBe('success');
      const again = await staff.post('/admin/api/resources/Board/actions/new').type('form').send({ name });
      expect(again.status).toBe(200);
      expect(again.body.record.errors.name).toBeDefined();
      const m = await person(s.t);
      const clash = await staff.post(`/admin/api/resources/User/records/${m.id}/edit`).type('form').send({ email: member.email });
      expect(clash.status).toBe(200);
      expect(clash.body.record.errors.email).toBeDefined();
      const bad = await staff.post(`/admin/api/resources/User/records/${m.id}/edit`).type('form').send({ email: 'not-an-email' });
      expect(bad.body.record.errors.email).toBeDefined();
      expect((await user(m.id)).email).toBe(m.email);
    });

    it('only a superuser changes roles', async () => {
      const m = await person(s.t);
      const denied = await staff.post(`/admin/api/resources/User/records/${m.id}/edit`).type('form').send({ role: 'admin' });
      expect(denied.body.notice).toMatchObject({ type: 'error' });
      expect((await user(m.id)).role).toBe('user');
      const su = await sup.post(`/admin/api/resources/User/records/${m.id}/edit`).type('form').send({ role: 'admin' });
      expect(su.body.notice).toMatchObject({ type: 'success' });
      expect((await user(m.id)).role).toBe('admin');
      const toSuper = await sup.post(`/admin/api/resources/User/records/${m.id}/edit`).type('form').send({ role: 'superuser' });
      expect(toSuper.body.record.errors.role).toBeDefined();
      expect((await user(m.id)).role).toBe('admin');
    });

    it('the audit log resource filters by action and actor, and shows one event', async () => {
      const list = await staff.get(`/admin/api/resources/AuditLog/actions/list?filters.action=user.banned&filters.actorId=${admin.id}`);
      expect(list.status).toBe(200);
      expect(list.body.records.length).toBeGreaterThan(0);
      expect((list.body.records as { params: { action: string; actorId: number } }[]).every((r) => r.params.action === 'user.banned' && r.params.actorId === admin.id)).toBe(true);
      const one = await staff.get(`/admin/api/resources/AuditLog/records/${list.body.records[0].id}/show`);
      expect(one.body.record.params).toMatchObject({ action: 'user.banned' });
      const gone = await staff.get('/admin/api/resources/AuditLog/records/bm90LWEtY3Vyc29y/show');
      expect(gone.body.notice?.type ?? 'error').toBe('error');
    });
  });

  describe('search, filters and paging take only what the database can answer', () => {
    it('searches every resource, by text where it has a text title and by id otherwise: never a 500', async () => {
      const principal = { id: admin.id, role: 'admin' as const, jti: 't', sid: 't', exp: 0 };
      const board = await s.t.ctx.services.boards.create(principal, { name: `search-${Date.now()}` });
      const post = await s.t.ctx.services.posts.create(principal, board.id, { name: 'searchable', content: 'c' });
      const comment = await s.t.ctx.services.comments.create(principal, post.id, 'a findable needle in a comment');
      for (const resource of ['User', 'Board', 'UserBoardPermission', 'Post', 'Comment', 'ChatSession', 'Ai', 'AiLog', 'AuditLog']) {
        for (const q of ['abc', '1', '99999999999', '한글', '%_']) {
          const res = await staff.get(`/admin/api/resources/${resource}/search/${encodeURIComponent(q)}`);
          expect({ resource, q, status: res.status, records: Array.isArray(res.body.records) }).toEqual({ resource, q, status: 200, records: true });
        }
      }
      const found = await staff.get('/admin/api/resources/Comment/search/needle');
      expect((found.body.records as { id: string }[]).map((r) => Number(r.id))).toEqual([comment.id]);
      const byId = await staff.get(`/admin/api/resources/Post/search/${post.id}?searchProperty=id`);
      expect((byId.body.records as { id: string }[]).map((r) => Number(r.id))).toEqual([post.id]);
    });

    it.each([
      ['User', 'filters.id=abc'],
      ['User', 'filters.id=99999999999'],
      ['User', 'filters.role=emperor'],
      ['User', 'filters.isBanned=maybe'],
      ['Board', 'filters.isVisible=1'],
      ['Post', 'filters.board=abc'],
      ['Comment', 'filters.post=1.5'],
      ['Comment', 'filters.createDate~~from=not-a-date'],
      ['AiLog', 'filters.status=bogus'],
      ['AiLog', 'filters.input=x'],
      ['UserBoardPermission', 'filters.user=%ZZ'],
    ])('%s list with %s: no records, not a 500', async (resource, query) => {
      const res = await staff.get(`/admin/api/resources/${resource}/actions/list?${query}`);
      expect({ status: res.status, total: res.body.meta?.total, records: res.body.records }).toEqual({ status: 200, total: 0, records: [] });
    });

    it.each([
      ['User', 'filters.nothing=x'],
      ['User', 'perPage=abc&page=-3'],
      ['User', 'perPage=1e309&page=1e309'],
      ['Post', 'sortBy=nothing&direction=sideways'],
      ['AiLog', 'sortBy=input'],
    ])('%s list with %s: ignored or defaulted', async (resource, query) => {
      const res = await staff.get(`/admin/api/resources/${resource}/actions/list?${query}`);
      expect(res.status).toBe(200);
      expect(Array.isArray(res.body.records)).toBe(true);
    });

    it.each(['abc', '99999999999', '-1'])('a record id %s that no row can have: not a 500', async (id) => {
      for (const resource of ['User', 'Comment', 'AiLog', 'UserBoardPermission']) {
        const res = await staff.get(`/admin/api/resources/${resource}/records/${id}/show`);
        expect({ resource, server: res.status >= 500 }).toEqual({ resource, server: false });
      }
    });
  });

  describe('sessions end with the account’s standing', () => {
    it('a banned admin’s open session is closed on its next request', async () => {
      const adm = await person(s.t, 'admin', 'doomed');
      const { agent } = await adminAgent(s.origin, adm);
      expect((await agent.get('/admin/api/dashboard')).status).toBe(200);
      await s.t.ctx.services.users.setBanned({ id: superuser.id, role: 'superuser' }, adm.id, true, 'gone');
      expect((await agent.get('/admin/api/dashboard')).status).toBe(302);
    });

    it('a demoted admin’s open session is closed on its next request', async () => {
      const adm = await person(s.t, 'admin', 'demoted');
      const { agent } = await adminAgent(s.origin, adm);
      await s.t.ctx.services.users.setRole({ id: superuser.id, role: 'superuser' }, adm.id, 'user');
      expect((await agent.get('/admin/api/dashboard')).status).toBe(302);
    });
  });
});
