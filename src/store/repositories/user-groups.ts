import { SwitchyardError } from '../../errors/index.ts'
import { isUniqueViolation } from '../dialect.ts'
import { newId } from '../ids.ts'
import {
  countRows,
  inTransaction,
  nowIso,
  type Page,
  type PageResult,
  type RepositoryContext,
} from './context.ts'

export interface UserGroup {
  id: string
  workspaceId: string
  name: string
  /** How many members (users and invited emails) the group has. */
  memberCount: number
}

export const userGroupNotFound = (id: string) =>
  new SwitchyardError('SY_RESOURCE_NOT_FOUND', `No user group with id ${id} in this workspace`, {
    field: 'userGroupId',
  })

export const normaliseEmail = (email: string): string => email.trim().toLowerCase()

/** User groups and their members, kept by email (Segment adds and removes members by email). */
export class UserGroupRepository {
  constructor(private readonly ctx: RepositoryContext) {}

  async create(workspaceId: string, name: string): Promise<UserGroup> {
    const at = nowIso(this.ctx)
    const id = newId(this.ctx.now().getTime())
    try {
      await this.ctx.db
        .insertInto('user_groups')
        .values({ id, workspace_id: workspaceId, name, created_at: at, updated_at: at })
        .execute()
    } catch (e) {
      if (isUniqueViolation(e)) throw nameTaken(name)
      throw e
    }
    return { id, workspaceId, name, memberCount: 0 }
  }

  async get(workspaceId: string, id: string): Promise<UserGroup | undefined> {
    const row = await this.ctx.db
      .selectFrom('user_groups')
      .select(['id', 'workspace_id', 'name'])
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', id)
      .executeTakeFirst()
    if (!row) return undefined
    const [count] = await this.memberCounts([row.id])
    return { id: row.id, workspaceId: row.workspace_id, name: row.name, memberCount: count ?? 0 }
  }

  async list(workspaceId: string, page: Page): Promise<PageResult<UserGroup>> {
    const base = this.ctx.db.selectFrom('user_groups').where('workspace_id', '=', workspaceId)
    const rows = await base
      .select(['id', 'workspace_id', 'name'])
      .orderBy('name')
      .orderBy('id')
      .offset(page.offset)
      .limit(page.limit)
      .execute()
    const counts = await this.memberCounts(rows.map((r) => r.id))
    return {
      items: rows.map((r, i) => ({
        id: r.id,
        workspaceId: r.workspace_id,
        name: r.name,
        memberCount: counts[i]!,
      })),
      total: await countRows(base),
    }
  }

  async rename(workspaceId: string, id: string, name: string): Promise<UserGroup> {
    try {
      const result = await this.ctx.db
        .updateTable('user_groups')
        .set({ name, updated_at: nowIso(this.ctx) })
        .where('workspace_id', '=', workspaceId)
        .where('id', '=', id)
        .executeTakeFirst()
      if (Number(result.numUpdatedRows) === 0) throw userGroupNotFound(id)
    } catch (e) {
      if (isUniqueViolation(e)) throw nameTaken(name)
      throw e
    }
    return (await this.get(workspaceId, id))!
  }

  /** Deletes the group and its memberships (its policies are the caller's to delete). */
  async delete(workspaceId: string, id: string): Promise<boolean> {
    const result = await this.ctx.db
      .deleteFrom('user_groups')
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', id)
      .executeTakeFirst()
    return Number(result.numDeletedRows) > 0
  }

  /** Adds members; returns the emails that were not members before. */
  async addMembers(workspaceId: string, id: string, emails: readonly string[]): Promise<string[]> {
    return inTransaction(this.ctx, async (tx) => {
      const current = new Set(await new UserGroupRepository(tx).members(workspaceId, id))
      const added = [...new Set(emails.map(normaliseEmail))].filter((e) => !current.has(e))
      if (added.length > 0) {
        const at = nowIso(tx)
        await tx.db
          .insertInto('user_group_members')
          .values(added.map((email) => ({ group_id: id, workspace_id: workspaceId, email, created_at: at })))
          .execute()
      }
      return added
    })
  }

  /** Removes members; returns the emails that were members. */
  async removeMembers(workspaceId: string, id: string, emails: readonly string[]): Promise<string[]> {
    return inTransaction(this.ctx, async (tx) => {
      const current = new Set(await new UserGroupRepository(tx).members(workspaceId, id))
      const removed = [...new Set(emails.map(normaliseEmail))].filter((e) => current.has(e))
      if (removed.length > 0) {
        await tx.db
          .deleteFrom('user_group_members')
          .where('workspace_id', '=', workspaceId)
          .where('group_id', '=', id)
          .where('email', 'in', removed)
          .execute()
      }
      return removed
    })
  }

  /** The group's member emails, sorted. */
  async members(workspaceId: string, id: string): Promise<string[]> {
    const rows = await this.ctx.db
      .selectFrom('user_group_members')
      .select('email')
      .where('workspace_id', '=', workspaceId)
      .where('group_id', '=', id)
      .orderBy('email')
      .execute()
    return rows.map((r) => r.email)
  }

  /** The groups an email belongs to, by name. */
  async groupsOf(workspaceId: string, email: string): Promise<{ id: string; name: string }[]> {
    return this.ctx.db
      .selectFrom('user_group_members as m')
      .innerJoin('user_groups as g', 'g.id', 'm.group_id')
      .select(['g.id', 'g.name'])
      .where('m.workspace_id', '=', workspaceId)
      .where('m.email', '=', normaliseEmail(email))
      .orderBy('g.name')
      .orderBy('g.id')
      .execute()
  }

  /** Removes an email from every group of the workspace (a removed user). */
  async removeEverywhere(workspaceId: string, email: string): Promise<void> {
    await this.ctx.db
      .deleteFrom('user_group_members')
      .where('workspace_id', '=', workspaceId)
      .where('email', '=', normaliseEmail(email))
      .execute()
  }

  private async memberCounts(ids: readonly string[]): Promise<number[]> {
    if (ids.length === 0) return []
    const rows = await this.ctx.db
      .selectFrom('user_group_members')
      .select(['group_id', (eb) => eb.fn.countAll<number | string>().as('n')])
      .where('group_id', 'in', ids)
      .groupBy('group_id')
      .execute()
    const byId = new Map(rows.map((r) => [r.group_id, Number(r.n)]))
    return ids.map((id) => byId.get(id) ?? 0)
  }
}

const nameTaken = (name: string) =>
  new SwitchyardError('SY_RESOURCE_CONFLICT', `A user group named "${name}" already exists`, {
    field: 'name',
  })
