import { SwitchyardError } from '../../errors/index.ts'
import { isUniqueViolation } from '../dialect.ts'
import { newId } from '../ids.ts'
import { toIso, type UsersTable, type Row, type NewRow } from '../schema.ts'
import { hashPassword, verifyPassword } from '../secrets.ts'
import { countRows, nowIso, type Page, type PageResult, type RepositoryContext } from './context.ts'

/** A person who logs in to the web app. Accounts are global; membership is per workspace. */
export interface User {
  id: string
  email: string
  name: string
  createdAt: string
}

export interface Membership {
  workspaceId: string
  userId: string
  role: string
}

const normaliseEmail = (email: string): string => email.trim().toLowerCase()

// A fixed hash to verify against when the email is unknown, so timing doesn't reveal which emails exist.
let decoyHash: Promise<string> | undefined

export class UserRepository {
  constructor(private readonly ctx: RepositoryContext) {}

  async create(input: { email: string; name: string; password: string }): Promise<User> {
    const at = nowIso(this.ctx)
    const row: NewRow<UsersTable> = {
      id: newId(this.ctx.now().getTime()),
      email: normaliseEmail(input.email),
      name: input.name,
      password_hash: await hashPassword(input.password),
      created_at: at,
      updated_at: at,
    }
    try {
      await this.ctx.db.insertInto('users').values(row).execute()
    } catch (e) {
      if (isUniqueViolation(e)) {
        throw new SwitchyardError('SY_RESOURCE_CONFLICT', `A user with email ${row.email} already exists`, {
          field: 'email',
        })
      }
      throw e
    }
    return toUser(row)
  }

  async get(id: string): Promise<User | undefined> {
    const row = await this.ctx.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst()
    return row && toUser(row)
  }

  /** The user when email and password match; undefined otherwise, in about the same time either way. */
  async verifyCredentials(email: string, password: string): Promise<User | undefined> {
    const row = await this.ctx.db
      .selectFrom('users')
      .selectAll()
      .where('email', '=', normaliseEmail(email))
      .executeTakeFirst()
    if (!row) {
      decoyHash ??= hashPassword('switchyard-decoy-password')
      await verifyPassword(password, await decoyHash)
      return undefined
    }
    return (await verifyPassword(password, row.password_hash)) ? toUser(row) : undefined
  }

  async addMember(membership: Membership): Promise<void> {
    await this.ctx.db
      .insertInto('workspace_members')
      .values({
        workspace_id: membership.workspaceId,
        user_id: membership.userId,
        role: membership.role,
        created_at: nowIso(this.ctx),
      })
      .onConflict((oc) => oc.columns(['workspace_id', 'user_id']).doUpdateSet({ role: membership.role }))
      .execute()
  }

  /** The account with this email, if any. */
  async findByEmail(email: string): Promise<User | undefined> {
    const row = await this.ctx.db
      .selectFrom('users')
      .selectAll()
      .where('email', '=', normaliseEmail(email))
      .executeTakeFirst()
    return row && toUser(row)
  }

  /** Workspace members (IAM's users). */
  get members(): MemberQueries {
    return new MemberQueries(this.ctx)
  }

  async memberships(userId: string): Promise<Membership[]> {
    const rows = await this.ctx.db
      .selectFrom('workspace_members')
      .select(['workspace_id', 'user_id', 'role'])
      .where('user_id', '=', userId)
      .execute()
    return rows.map((r) => ({ workspaceId: r.workspace_id, userId: r.user_id, role: r.role }))
  }
}

/** A member of a workspace: the account and its access level there. */
export interface Member extends User {
  /** `Workspace Owner` or `Workspace Member`. */
  role: string
}

const MEMBER_COLUMNS = ['u.id', 'u.email', 'u.name', 'u.created_at', 'm.role'] as const

const toMember = (r: {
  id: string
  email: string
  name: string
  created_at: Date | string
  role: string
}) => ({
  id: r.id,
  email: r.email,
  name: r.name,
  createdAt: toIso(r.created_at),
  role: r.role,
})

/** The members of workspaces (IAM's users): listing, lookup and removal. */
export class MemberQueries {
  constructor(private readonly ctx: RepositoryContext) {}

  async list(workspaceId: string, page: Page): Promise<PageResult<Member>> {
    const base = this.ctx.db
      .selectFrom('workspace_members as m')
      .innerJoin('users as u', 'u.id', 'm.user_id')
      .where('m.workspace_id', '=', workspaceId)
    const rows = await base
      .select(MEMBER_COLUMNS)
      .orderBy('u.email')
      .offset(page.offset)
      .limit(page.limit)
      .execute()
    return { items: rows.map(toMember), total: await countRows(base) }
  }

  async get(workspaceId: string, userId: string): Promise<Member | undefined> {
    const row = await this.ctx.db
      .selectFrom('workspace_members as m')
      .innerJoin('users as u', 'u.id', 'm.user_id')
      .select(MEMBER_COLUMNS)
      .where('m.workspace_id', '=', workspaceId)
      .where('m.user_id', '=', userId)
      .executeTakeFirst()
    return row && toMember(row)
  }

  /** Members with these emails (to tell which group members are users and which are invites). */
  async byEmails(workspaceId: string, emails: readonly string[]): Promise<Member[]> {
    if (emails.length === 0) return []
    const rows = await this.ctx.db
      .selectFrom('workspace_members as m')
      .innerJoin('users as u', 'u.id', 'm.user_id')
      .select(MEMBER_COLUMNS)
      .where('m.workspace_id', '=', workspaceId)
      .where('u.email', 'in', emails.map(normaliseEmail))
      .orderBy('u.email')
      .execute()
    return rows.map(toMember)
  }

  /** Removes the membership (the account stays); false when the user was not a member. */
  async remove(workspaceId: string, userId: string): Promise<boolean> {
    const result = await this.ctx.db
      .deleteFrom('workspace_members')
      .where('workspace_id', '=', workspaceId)
      .where('user_id', '=', userId)
      .executeTakeFirst()
    return Number(result.numDeletedRows) > 0
  }
}

const toUser = (r: Row<UsersTable>): User => ({
  id: r.id,
  email: r.email,
  name: r.name,
  createdAt: toIso(r.created_at),
})
