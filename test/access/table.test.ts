// The access rules as one table: role × permission × target → allowed, or the exact refusal a client sees.
// Pure: no database, no Redis (a board's state and grants are handed in as the policy would load them).
import { describe, expect, it } from '@jest/globals';
import { access, rolesWith, type Permission, type Targets, type Viewer } from '../../src/access/index.js';
import { rules } from '../../src/access/rules.js';
import { AppError, NotFoundError } from '../../src/errors.js';
import { statusOfKind } from '../../src/http/errors.js';

const ME = 10;
const OTHER = 20;
const viewers: Record<string, Viewer | null> = {
  anonymous: null,
  member: { id: ME, role: 'user' },
  admin: { id: ME, role: 'admin' },
  superuser: { id: ME, role: 'superuser' },
};

const pub = { isVisible: true, isAvailable: true };
const hidden = { isVisible: false, isAvailable: true };
const disabled = { isVisible: true, isAvailable: false };
const boards = {
  public: { board: pub, hasGrant: false, anonymousRead: false },
  'public, anonymous read': { board: pub, hasGrant: false, anonymousRead: true },
  'hidden, granted': { board: hidden, hasGrant: true, anonymousRead: true },
  'hidden, no grant': { board: hidden, hasGrant: false, anonymousRead: true },
  'disabled, granted': { board: disabled, hasGrant: true, anonymousRead: true },
};

/** allowed, a 403 code, or a 404 code, for anonymous, member, admin, superuser in that order. */
type Outcome = 'ok' | `403 ${string}` | `404 ${string}`;
type Row = [Permission, string, unknown, [Outcome, Outcome, Outcome, Outcome]];

const F = '403 forbidden';
const staffOnly = (p: Permission, label = 'no target', target?: unknown): Row => [p, label, target, [F, F, 'ok', 'ok']];

const table: Row[] = [
  staffOnly('user.list'),
  staffOnly('user.forcePasswordReset'),
  staffOnly('board.manage'),
  staffOnly('post.moderate'),
  staffOnly('comment.moderate'),
  staffOnly('ai.manage'),
  staffOnly('audit.read'),
  staffOnly('report.manage'),
  staffOnly('chatSession.moderate'),
  staffOnly('admin.signIn'),
  ['user.readPrivate', 'own account', { id: ME }, [F, 'ok', 'ok', 'ok']],
  ['user.readPrivate', "another's account", { id: OTHER }, [F, F, 'ok', 'ok']],
  staffOnly('user.update', 'a member', { id: OTHER, role: 'user' }),
  ['user.update', 'another admin', { id: OTHER, role: 'admin' }, [F, F, F, 'ok']],
  ['user.update', 'a superuser', { id: OTHER, role: 'superuser' }, [F, F, F, 'ok']],
  staffOnly('user.update', 'own account', { id: ME, role: 'admin' }),
  staffOnly('user.forcePasswordReset', 'a member', { id: OTHER, role: 'user' }),
  ['user.forcePasswordReset', 'an admin', { id: OTHER, role: 'admin' }, [F, F, F, 'ok']],
  ['user.forcePasswordReset', 'a superuser', { id: OTHER, role: 'superuser' }, [F, F, F, F]],
  ['user.forcePasswordReset', 'oneself', { id: ME, role: 'admin' }, [F, F, '403 cannot_reset_self', '403 cannot_reset_self']],
  staffOnly('user.ban'),
  staffOnly('user.ban', 'a member', { id: OTHER, role: 'user' }),
  ['user.ban', 'an admin', { id: OTHER, role: 'admin' }, [F, F, F, 'ok']],
  ['user.ban', 'a superuser', { id: OTHER, role: 'superuser' }, [F, F, F, F]],
  ['user.ban', 'oneself', { id: ME, role: 'admin' }, [F, F, '403 cannot_ban_self', '403 cannot_ban_self']],
  ['user.setRole', 'no target', undefined, [F, F, F, 'ok']],
  ['user.setRole', 'a member', { id: OTHER, role: 'user' }, [F, F, F, 'ok']],
  ['user.setRole', 'an admin', { id: OTHER, role: 'admin' }, [F, F, F, 'ok']],
  ['user.setRole', 'a superuser', { id: OTHER, role: 'superuser' }, [F, F, F, F]],
  ['user.setRole', 'oneself', { id: ME, role: 'superuser' }, [F, F, F, F]],
  ['board.read', 'public', boards.public, ['404 board_not_found', 'ok', 'ok', 'ok']],
  ['board.read', 'public, anonymous read', boards['public, anonymous read'], ['ok', 'ok', 'ok', 'ok']],
  ['board.read', 'hidden, granted', boards['hidden, granted'], ['404 board_not_found', 'ok', 'ok', 'ok']],
  ['board.read', 'hidden, no grant', boards['hidden, no grant'], ['404 board_not_found', '404 board_not_found', 'ok', 'ok']],
  ['board.read', 'disabled, granted', boards['disabled, granted'], ['404 board_not_found', '404 board_not_found', 'ok', 'ok']],
  ['board.write', 'public, anonymous read', boards['public, anonymous read'], ['404 board_not_found', 'ok', 'ok', 'ok']],
  ['board.write', 'hidden, granted', boards['hidden, granted'], ['404 board_not_found', 'ok', 'ok', 'ok']],
  ['board.write', 'hidden, no grant', boards['hidden, no grant'], ['404 board_not_found', '404 board_not_found', 'ok', 'ok']],
  ['post.read', 'visible', { isVisible: true }, ['ok', 'ok', 'ok', 'ok']],
  ['post.read', 'hidden', { isVisible: false }, ['404 post_not_found', '404 post_not_found', 'ok', 'ok']],
  ['comment.read', 'hidden', { isVisible: false }, ['404 comment_not_found', '404 comment_not_found', 'ok', 'ok']],
  ...(['post.update', 'post.delete', 'comment.update', 'comment.delete', 'chatMessage.delete'] as const).flatMap((p): Row[] => [
    [p, 'own', { authorId: ME }, ['403 not_author', 'ok', 'ok', 'ok']],
    [p, "another's", { authorId: OTHER }, ['403 not_author', '403 not_author', 'ok', 'ok']],
  ]),
  ['chatMessage.update', 'own', { authorId: ME }, ['403 not_author', 'ok', 'ok', 'ok']],
  ['chatMessage.update', "another's", { authorId: OTHER }, ['403 not_author', '403 not_author', '403 not_author', '403 not_author']],
  ['ai.read', 'visible and available', { isVisible: true, isAvailable: true }, ['ok', 'ok', 'ok', 'ok']],
  ['ai.read', 'hidden', { isVisible: false, isAvailable: true }, ['404 ai_not_found', '404 ai_not_found', 'ok', 'ok']],
  ['ai.read', 'unavailable', { isVisible: true, isAvailable: false }, ['404 ai_not_found', '404 ai_not_found', 'ok', 'ok']],
  ['ai.use', 'no target', undefined, [F, 'ok', 'ok', 'ok']],
  ['report.create', 'no target', undefined, [F, 'ok', 'ok', 'ok']],
  ['aiLog.read', 'own', { userId: ME }, ['404 ailog_not_found', 'ok', 'ok', 'ok']],
  ['aiLog.read', "another's", { userId: OTHER }, ['404 ailog_not_found', '404 ailog_not_found', 'ok', 'ok']],
  ['aiLog.list', 'no target', undefined, [F, 'ok', 'ok', 'ok']],
  ['aiLog.list', 'own', { userId: ME }, [F, 'ok', 'ok', 'ok']],
  ['aiLog.list', "everyone's", {}, [F, F, 'ok', 'ok']],
  ['aiLog.list', "another's", { userId: OTHER }, [F, F, 'ok', 'ok']],
  ['chatSession.read', 'visible, a member', { isVisible: true, isMember: true }, ['404 chat_session_not_found', 'ok', 'ok', 'ok']],
  ['chatSession.read', 'visible, not a member', { isVisible: true, isMember: false }, ['404 chat_session_not_found', '404 chat_session_not_found', 'ok', 'ok']],
  ['chatSession.read', 'hidden, a member', { isVisible: false, isMember: true }, ['404 chat_session_not_found', '404 chat_session_not_found', 'ok', 'ok']],
  ['notification.read', 'own', { userId: ME }, ['404 notification_not_found', 'ok', 'ok', 'ok']],
  ['notification.read', "another's", { userId: OTHER }, ['404 notification_not_found', '404 notification_not_found', '404 notification_not_found', '404 notification_not_found']],
  ['chatSession.manage', 'own', { creatorId: ME }, ['403 not_creator', 'ok', 'ok', 'ok']],
  ['chatSession.manage', "another's", { creatorId: OTHER }, ['403 not_creator', '403 not_creator', 'ok', 'ok']],
];

/** What access.require makes of the rule: nothing, or the status and code a client would see. */
function outcome(viewer: Viewer | null, permission: Permission, target: unknown): Outcome {
  try {
    access.require(viewer, permission, target as Targets[Permission]);
    return 'ok';
  } catch (e) {
    if (!(e instanceof AppError)) throw e;
    return `${statusOfKind[e.kind]} ${e.code}` as Outcome;
  }
}

const whos = Object.keys(viewers);

describe('access table', () => {
  it.each(table.flatMap(([permission, label, target, expected]) => whos.map((who, i) => [permission, label, who, target, expected[i]] as const)))(
    '%s on %s, as %s',
    (permission, _label, who, target, expected) => {
      expect(outcome(viewers[who], permission, target)).toBe(expected);
      expect(access.can(viewers[who], permission, target as Targets[Permission])).toBe(expected === 'ok');
    },
  );

  it('names every permission at least once', () => {
    const named = new Set(table.map(([p]) => p));
    expect((Object.keys(rules) as Permission[]).filter((p) => !named.has(p))).toEqual([]);
    expect(rolesWith('board.manage', ['user', 'admin', 'superuser'])).toEqual(['admin', 'superuser']);
    expect(rolesWith('user.setRole', ['user', 'admin', 'superuser'])).toEqual(['superuser']);
  });

  it('lets the caller name what is absent', () => {
    const fileGone = () => new NotFoundError('file_not_found', 'No such file.');
    expect(() => access.require(viewers.member, 'comment.read', { isVisible: false }, fileGone)).toThrow('No such file.');
    expect(outcome(viewers.member, 'comment.read', { isVisible: false })).toBe('404 comment_not_found');
  });
});
