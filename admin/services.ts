// The signed-in operator as AdminJS keeps it in its session, and as the services see a viewer.
import type { Viewer } from '../src/access/index.js';
import type { Role } from '../src/users/schemas.js';

/** The signed-in operator as AdminJS keeps it in the session. */
export interface AdminUser {
  id: number;
  email: string;
  title: string;
  role: Role;
  /** The panel's language chosen on the account (null: the browser's). */
  locale?: string | null;
  /** ms: the session dies when the user's revocation epoch passes it (ban, role change, password change). */
  loginAt: number;
  [key: string]: unknown;
}

/** The operator as the services see them. */
export function viewerOfAdmin(admin: unknown): Viewer {
  const a = admin as AdminUser | undefined;
  if (!a || typeof a.id !== 'number') throw new Error('no signed-in admin');
  return { id: a.id, role: a.role };
}
