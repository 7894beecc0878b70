import type { AuditLog } from '../audit/service.js';
import { hashPassword } from '../auth/passwords.js';
import { ConflictError, ValidationError, toAppError } from '../http/errors.js';
import { compile, fieldErrors } from '../http/schema.js';
import type { Db } from '../platform/prisma.js';
import { newUserSchema, type Role } from './schemas.js';

export interface NewUser {
  name: string;
  email: string;
  password: string;
}

/** What callers may see of a user: never the password hash. */
export const publicUserSelect = {
  id: true,
  name: true,
  email: true,
  role: true,
  joinDate: true,
  updateDate: true,
  isBanned: true,
  bannedAt: true,
  banReason: true,
} as const;

const validateNewUser = compile(newUserSchema, false);

export class UsersService {
  constructor(
    private readonly prisma: Db,
    private readonly audit: AuditLog,
  ) {}

  /**
   * Creates an account after checking the account rules. Emails are stored lower-case. A taken name or
   * email is a ConflictError naming the field (also when another request wins the race to the insert).
   */
  async create(input: NewUser, role: Role = 'user', actor?: { id: number; name?: string } | null) {
    if (!validateNewUser(input)) throw new ValidationError(fieldErrors(validateNewUser.errors, 'body'));
    const name = input.name;
    const email = input.email.toLowerCase();
    const taken = await this.prisma.user.findFirst({ where: { OR: [{ name }, { email }] }, select: { name: true, email: true } });
    if (taken) {
      const fields = [...(taken.name === name ? ['name'] : []), ...(taken.email === email ? ['email'] : [])];
      throw new ConflictError('already_exists', `${fields.join(' and ')} already taken`, fields);
    }
    const passwordHash = await hashPassword(input.password);
    try {
      const user = await this.prisma.user.create({ data: { name, email, passwordHash, role }, select: publicUserSelect });
      await this.audit.record({ actor: actor ?? { id: user.id, name: user.name }, action: role === 'user' ? 'user.signup' : `user.created.${role}`, target: { type: 'user', id: user.id } });
      return user;
    } catch (e) {
      throw toAppError(e) ?? e;
    }
  }
}
