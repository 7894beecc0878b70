// Who may do what: one rule per permission, pure (no database, no Redis). A rule gets the viewer (null when
// anonymous) and, where the answer depends on it, what the service has loaded about the target: its author,
// its visibility, a board's state and whether the viewer holds a grant. Without a target a rule answers the
// part that depends on the role alone (the first check of a service method, before anything is read); so a
// missing row is the caller's 404 to raise before it asks about the row (staff pass every read rule).
import type { Role } from '../users/schemas.js';

/** Who is asking: a signed-in account (an API token, an admin-panel session, a chat socket, a job, a CLI). */
export interface Viewer {
  id: number;
  role: Role;
}

/** The roles that moderate: they manage boards, accounts and models, see hidden content and read the audit log. */
export const staffRoles: readonly Role[] = ['admin', 'superuser'];

const staff = (viewer: Viewer | null): boolean => viewer !== null && staffRoles.includes(viewer.role);

export interface BoardState {
  isVisible: boolean;
  isAvailable: boolean;
}

/** Why a viewer may read a board: staff read every board, members public ones, grant holders hidden ones. */
export type BoardAccess = 'admin' | 'public' | 'granted';

export interface BoardTarget {
  board: BoardState;
  /** Whether the viewer holds a grant for the board (only hidden boards need one). */
  hasGrant: boolean;
  /** ANONYMOUS_READ: anonymous visitors read public boards. */
  anonymousRead: boolean;
}

/**
 * The board rule: public (visible, available) boards for every signed-in member (and anonymous visitors with
 * ANONYMOUS_READ), hidden ones for staff and grant holders, disabled ones for staff only.
 */
export function boardAccess(viewer: Viewer | null, { board, hasGrant, anonymousRead }: BoardTarget): BoardAccess | null {
  if (staff(viewer)) return 'admin';
  if (!board.isAvailable) return null;
  if (board.isVisible) return viewer || anonymousRead ? 'public' : null;
  return viewer && hasGrant ? 'granted' : null;
}

/** What a permission is checked against (undefined: the role part only). */
export interface Targets {
  /** Accounts, filtered (the admin list). */
  'user.list': undefined;
  /** An account's full record (email, ban) rather than its public profile. */
  'user.readPrivate': { id: number };
  /** An account's name and email. */
  'user.update': { id: number; role: Role };
  'user.ban': { id: number; role: Role };
  'user.setRole': { id: number; role: Role };
  /** Mailing a member a password reset link. */
  'user.forcePasswordReset': { id: number; role: Role };
  /** Creating, changing and deleting boards, and their grants. */
  'board.manage': undefined;
  'board.read': BoardTarget;
  /** Posting, commenting and liking on a board. */
  'board.write': BoardTarget;
  /** A post of a board the viewer reads. */
  'post.read': { isVisible: boolean };
  'post.update': { authorId: number };
  'post.delete': { authorId: number };
  /** Hiding and showing posts; hidden posts are listed. */
  'post.moderate': undefined;
  'comment.read': { isVisible: boolean };
  'comment.update': { authorId: number };
  'comment.delete': { authorId: number };
  'comment.moderate': undefined;
  /** Creating, training, changing and deleting models; every model and its internals are shown. */
  'ai.manage': undefined;
  'ai.read': { isVisible: boolean; isAvailable: boolean };
  /** Asking a model for predictions. */
  'ai.use': undefined;
  'aiLog.read': { userId: number };
  /** A model's logs: one member's (`userId`), or everyone's (no `userId`). */
  'aiLog.list': { userId?: number };
  'audit.read': undefined;
  'chatSession.read': { isVisible: boolean; isMember: boolean };
  /** Renaming, closing, deleting a session and adding or removing its members. */
  'chatSession.manage': { creatorId: number };
  /** Hiding and showing sessions; every session and its hidden messages are shown. */
  'chatSession.moderate': undefined;
  'chatMessage.update': { authorId: number };
  'chatMessage.delete': { authorId: number };
  /** Signing in to the admin panel. */
  'admin.signIn': undefined;
  /** Reporting content or an account to the moderators. */
  'report.create': undefined;
  /** The moderation queue: every report, and resolving them. */
  'report.manage': undefined;
  /** One's own notifications only (nobody else's, staff included). */
  'notification.read': { userId: number };
}

export type Permission = keyof Targets;

/** A refusal: a 403 with its code, or (what the viewer may not read) a 404 exactly like a missing row. */
export type Denial = { forbidden: string; message: string } | { absent: string; message: string };

const forbid = (message: string, code = 'forbidden'): Denial => ({ forbidden: code, message });
const absent = (code: string, message: string): Denial => ({ absent: code, message });

type Rule<P extends Permission> = (viewer: Viewer | null, target: Targets[P] | undefined) => true | Denial;

const staffOnly =
  (message: string) =>
  (viewer: Viewer | null): true | Denial =>
    staff(viewer) || forbid(message);

/** Staff, or the author of the target (without a target: staff only). */
const authorOrStaff =
  (code: string, message: string) =>
  (viewer: Viewer | null, target: { authorId: number } | undefined): true | Denial =>
    staff(viewer) || (viewer !== null && target?.authorId === viewer.id) || forbid(message, code);

/** Every visible row for whoever reads its parent; hidden ones for staff only. */
const visibleOrStaff =
  (code: string, message: string) =>
  (viewer: Viewer | null, target: { isVisible: boolean } | undefined): true | Denial =>
    staff(viewer) || target?.isVisible === true || absent(code, message);

const superuserForStaffAccounts = (viewer: Viewer, target: { id: number; role: Role } | undefined) =>
  target === undefined || target.id === viewer.id || !staffRoles.includes(target.role) || viewer.role === 'superuser';

export const rules: { [P in Permission]: Rule<P> } = {
  'user.list': staffOnly('Only admins list accounts.'),
  'user.readPrivate': (viewer, target) => staff(viewer) || (viewer !== null && viewer.id === target?.id) || forbid('Only admins see other accounts in full.'),
  'user.update': (viewer, target) => {
    if (!viewer || !staff(viewer)) return forbid('Only admins change accounts.');
    return superuserForStaffAccounts(viewer, target) || forbid("Only a superuser may change an admin's account.");
  },
  'user.ban': (viewer, target) => {
    if (!viewer || !staff(viewer)) return forbid('Only admins ban and unban accounts.');
    if (!target) return true;
    if (target.id === viewer.id) return forbid('You cannot ban yourself.', 'cannot_ban_self');
    if (target.role === 'superuser' || (target.role === 'admin' && viewer.role !== 'superuser')) return forbid('Only a superuser may ban an admin, and nobody a superuser.');
    return true;
  },
  'user.setRole': (viewer, target) => {
    if (viewer?.role !== 'superuser') return forbid('Only a superuser may change roles.');
    if (target && (target.id === viewer.id || target.role === 'superuser')) return forbid("A superuser's role cannot be changed over the API.");
    return true;
  },
  'user.forcePasswordReset': (viewer, target) => {
    if (!viewer || !staff(viewer)) return forbid('Only admins send password reset mails.');
    if (!target) return true;
    if (target.id === viewer.id) return forbid('Change your own password from your account.', 'cannot_reset_self');
    if (target.role === 'superuser' || (target.role === 'admin' && viewer.role !== 'superuser')) return forbid("Only a superuser may reset an admin's password, and nobody a superuser's.");
    return true;
  },
  'board.manage': staffOnly('Only admins manage boards.'),
  'board.read': (viewer, target) => (target !== undefined && boardAccess(viewer, target) !== null) || absent('board_not_found', 'No such board.'),
  'board.write': (viewer, target) => (viewer !== null && target !== undefined && boardAccess(viewer, target) !== null) || absent('board_not_found', 'No such board.'),
  'post.read': visibleOrStaff('post_not_found', 'No such post.'),
  'post.update': authorOrStaff('not_author', 'Only the author or a moderator may change this.'),
  'post.delete': authorOrStaff('not_author', 'Only the author or a moderator may change this.'),
  'post.moderate': staffOnly('Only moderators hide or show posts.'),
  'comment.read': visibleOrStaff('comment_not_found', 'No such comment.'),
  'comment.update': authorOrStaff('not_author', 'Only the author or a moderator may change this.'),
  'comment.delete': authorOrStaff('not_author', 'Only the author or a moderator may change this.'),
  'comment.moderate': staffOnly('Only moderators hide or show comments.'),
  'ai.manage': staffOnly('Only admins manage AI models.'),
  'ai.read': (viewer, target) => staff(viewer) || (target !== undefined && target.isVisible && target.isAvailable) || absent('ai_not_found', 'No such AI model.'),
  'ai.use': (viewer) => viewer !== null || forbid('Sign in to ask for predictions.'),
  'aiLog.read': (viewer, target) => staff(viewer) || (viewer !== null && target?.userId === viewer.id) || absent('ailog_not_found', 'No such AI log.'),
  'aiLog.list': (viewer, target) => {
    if (viewer === null) return forbid('You may not do this.');
    return staff(viewer) || target === undefined || target.userId === viewer.id || forbid('Only admins may list other members’ logs.');
  },
  'audit.read': staffOnly('Only admins read the audit log.'),
  'chatSession.read': (viewer, target) =>
    staff(viewer) || (viewer !== null && target !== undefined && target.isMember && target.isVisible) || absent('chat_session_not_found', 'No such chat session.'),
  'chatSession.manage': (viewer, target) => staff(viewer) || (viewer !== null && target?.creatorId === viewer.id) || forbid('Only the creator of the session or an admin may do this.', 'not_creator'),
  'chatSession.moderate': staffOnly('Only admins hide or show chat sessions.'),
  'chatMessage.update': (viewer, target) => (viewer !== null && target?.authorId === viewer.id) || forbid('Only the author may edit a message.', 'not_author'),
  'chatMessage.delete': authorOrStaff('not_author', 'Only the author or an admin may delete a message.'),
  'admin.signIn': staffOnly('Only admins sign in to the admin panel.'),
  'report.create': (viewer) => viewer !== null || forbid('Sign in to report.'),
  'report.manage': staffOnly('Only moderators read and resolve reports.'),
  'notification.read': (viewer, target) => (viewer !== null && target?.userId === viewer.id) || absent('notification_not_found', 'No such notification.'),
};
