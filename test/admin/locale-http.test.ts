// The panel's language over HTTP: the sign-in page follows Accept-Language; the switch's endpoint saves a
// known language on the signed-in operator's account and refuses anything else (and anyone signed out),
// writing nothing.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { adminAgent, person, startAdminSuite, type AdminSuite, type Person } from './setup.js';

describe('panel language over HTTP', () => {
  let s: AdminSuite;
  let admin: Person;
  const localeOf = async () => (await s.t.ctx.prisma.user.findUniqueOrThrow({ where: { id: admin.id }, select: { locale: true } })).locale;

  beforeAll(async () => {
    s = await startAdminSuite();
    admin = await person(s.t, 'admin');
  }, 240_000); // the first admin suite after a component change bundles them
  afterAll(async () => {
    await s?.stop();
  });

  it('renders the sign-in page in the language the browser asks for', async () => {
    const ko = await request(s.origin).get('/admin/login').set('Accept-Language', 'ko-KR,ko;q=0.9');
    expect(ko.text).toContain('<html lang=ko>');
    expect(ko.text).toContain('이름 또는 이메일');
    const en = await request(s.origin).get('/admin/login').set('Accept-Language', 'de-DE,en;q=0.5');
    expect(en.text).toContain('<html lang=en>');
  });

  it('saves a known language on the account, refuses an unknown one and the signed-out', async () => {
    const { agent } = await adminAgent(s.origin, admin);
    const saved = await agent.post('/admin/language').send({ locale: 'ko' });
    expect(saved.status).toBe(200);
    expect(saved.body).toEqual({ locale: 'ko' });
    expect(await localeOf()).toBe('ko');
    // the next page speaks it, whatever the browser asks for
    const page = await agent.get('/admin').set('Accept-Language', 'en');
    expect(page.text).toContain('<html lang=ko>');
    for (const locale of ['fr', 'ko-KR', 1]) {
      const bad = await agent.post('/admin/language').send({ locale });
      expect(bad.status).toBe(400);
      expect(bad.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(bad.body).toMatchObject({ code: 'validation_failed' });
      expect(bad.body.errors[0]).toMatchObject({ field: 'locale' });
    }
    const out = await request(s.origin).post('/admin/language').send({ locale: 'en' });
    expect(out.status).toBe(401);
    expect(await localeOf()).toBe('ko');
    // null goes back to the browser's
    const reset = await agent.post('/admin/language').send({ locale: null });
    expect(reset.status).toBe(200);
    expect(await localeOf()).toBeNull();
    expect((await agent.get('/admin').set('Accept-Language', 'en')).text).toContain('<html lang=en>');
  });
});
