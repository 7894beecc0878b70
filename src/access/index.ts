// The one place for "may they?": every service method that changes or reveals something starts with
// access.require (or filters a list with access.can). The rules themselves are in rules.ts, pure; lookups
// that need the database or Redis (a board's state and grants, a chat session's members) are done by the
// feature (boards/policy.ts, chat/access.ts) and handed in as the target.
import { ForbiddenError, NotFoundError } from '../errors.js';
import type { Role } from '../users/schemas.js';
import { rules, type Permission, type Targets, type Viewer } from './rules.js';

export { boardAccess, staffRoles, type BoardAccess, type BoardState, type BoardTarget, type Denial, type Permission, type Targets, type Viewer } from './rules.js';

/** Permissions an anonymous visitor may hold (reading, with ANONYMOUS_READ): the rest need a signed-in viewer. */
type OpenPermission = 'board.read' | 'post.read' | 'comment.read' | 'ai.read';

/** The viewer a permission's holder must be. */
type Holder<P extends Permission> = P extends OpenPermission ? Viewer | null : Viewer;

export interface Access {
  /** Whether the viewer holds the permission (for filters and for what a response shows). */
  can<P extends Permission>(viewer: Viewer | null, permission: P, target?: Targets[P]): boolean;
  /** Why the viewer does not hold the permission, in the rule's words (null when they do): for what a screen offers. */
  refusal<P extends Permission>(viewer: Viewer | null, permission: P, target?: Targets[P]): string | null;
  /**
   * Throws unless the viewer holds the permission: a 403 with the rule's code, or a 404 for what the viewer may
   * not read (`absent` replaces that 404 where the caller names the missing thing differently, e.g. a file of a
   * hidden comment).
   */
  require<P extends Permission>(viewer: Viewer | null, permission: P, target?: Targets[P], absent?: () => Error): asserts viewer is Holder<P>;
}

export const access: Access = {
  can(viewer, permission, target) {
    return rules[permission](viewer, target) === true;
  },
  refusal(viewer, permission, target) {
    const decision = rules[permission](viewer, target);
    return decision === true ? null : decision.message;
  },
  require(viewer, permission, target, absent) {
    const decision = rules[permission](viewer, target);
    if (decision === true) return;
    if ('forbidden' in decision) throw new ForbiddenError(decision.forbidden, decision.message);
    throw absent?.() ?? new NotFoundError(decision.absent, decision.message);
  },
};

/** The roles that hold a permission by role alone (no target): for documents that say who may call. */
export function rolesWith(permission: Permission, roles: readonly Role[]): Role[] {
  return roles.filter((role) => access.can({ id: 0, role }, permission));
}
