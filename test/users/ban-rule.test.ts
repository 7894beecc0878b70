// The ban rule lives in UsersService, so every caller (REST, admin panel) gets it: a ban needs a reason.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Principal } from '../../src/auth/sessions.js';
import { ValidationError } from '../../src/errors.js';
import { PASSWORD } from '../helpers/auth.js';
import { createTestContext, type TestContext } from '../helpers/context.js';

describe('UsersService.setBanned', () => {
  let t: TestContext;
  let admin: Principal;
  let memberId: number;

  beforeAll(async () => {
    t = await createTestContext();
    const a = await t.ctx.services.users.create({ name: 'banadmin', email: 'banadmin@example.com', password: PASSWORD }, 'admin');
    const m = await t.ctx.services.users.create({ name: 'banmember', email: 'banmember@example.com', password: PASSWORD });
    admin = { id: a.id, role: 'admin', jti: 'j', sid: 's', exp: Math.floor(Date.now() / 1000) + 60 };
    memberId = m.id;
  });
  afterAll(async () => {
    await t.cleanup();
  });

  it.each([undefined, '', '   ', 'x'.repeat(513)])('refuses a ban with reason %p and changes nothing', async (reason) => {
    const err = await t.ctx.services.users.setBanned(admin, memberId, true, reason).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).errors?.map((e) => e.field)).toEqual(['reason']);
    expect((await t.ctx.prisma.user.findUniqueOrThrow({ where: { id: memberId } })).isBanned).toBe(false);
  });

  it('bans with a reason, and unbans without one', async () => {
    expect((await t.ctx.services.users.setBanned(admin, memberId, true, 'spam')).isBanned).toBe(true);
    expect((await t.ctx.services.users.setBanned(admin, memberId, false)).isBanned).toBe(false);
  });
});
