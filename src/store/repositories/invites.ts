import { toIso, type InvitesTable, type Row } from '../schema.ts'
import { hashTokenSecret } from '../secrets.ts'
import {
  countRows,
  inTransaction,
  nowIso,
  type Page,
  type PageResult,
  type RepositoryContext,
} from './context.ts'
import { PolicyRepository } from './policies.ts'
import { normaliseEmail } from './user-groups.ts'
import { newSessionSecret } from './web-sessions.ts'

export interface Invite {
  workspaceId: string
  email: string
  /** The actor id (user or token) that invited. */
  invitedBy: string
  createdAt: string
  expiresAt: string
}

/** Pending invitations to a workspace. An expired invite grants nothing and is not listed. */
export class InviteRepository {
  constructor(private readonly ctx: RepositoryContext) {}

  /** Creates or renews the invite of `email`; an existing one gets a fresh expiry. */
  async create(workspaceId: string, email: string, invitedBy: string, ttlMs: number): Promise<Invite> {
    const now = this.ctx.now()
    const row = {
      workspace_id: workspaceId,
      email: normaliseEmail(email),
      invited_by: invitedBy,
      created_at: now.toISOString(),
      expires_at: new Date(now.getTime() + ttlMs).toISOString(),
    }
    await this.ctx.db
      .insertInto('invites')
      .values(row)
      .onConflict((oc) =>
        oc.columns(['workspace_id', 'email']).doUpdateSet({
          invited_by: row.invited_by,
          created_at: row.created_at,
          expires_at: row.expires_at,
        }),
      )
      .execute()
    return toInvite(row)
  }

  /** The pending (unexpired) invite of `email`. */
  async get(workspaceId: string, email: string): Promise<Invite | undefined> {
    const row = await this.ctx.db
      .selectFrom('invites')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .where('email', '=', normaliseEmail(email))
      .where('expires_at', '>', nowIso(this.ctx))
      .executeTakeFirst()
    return row && toInvite(row)
  }

  /**
   * Gives the pending invite of `email` a new acceptance secret (replacing any earlier one) and
   * returns it: the only copy, for the invite link. Undefined when there is no pending invite.
   */
  async issueToken(workspaceId: string, email: string): Promise<string | undefined> {
    const token = newSessionSecret()
    const result = await this.ctx.db
      .updateTable('invites')
      .set({ token_hash: hashTokenSecret(token) })
      .where('workspace_id', '=', workspaceId)
      .where('email', '=', normaliseEmail(email))
      .where('expires_at', '>', nowIso(this.ctx))
      .executeTakeFirst()
    return Number(result.numUpdatedRows) > 0 ? token : undefined
  }

  /** The pending (unexpired) invite whose acceptance secret is `token`. */
  async findByToken(token: string): Promise<Invite | undefined> {
    const row = await this.ctx.db
      .selectFrom('invites')
      .selectAll()
      .where('token_hash', '=', hashTokenSecret(token))
      .where('expires_at', '>', nowIso(this.ctx))
      .executeTakeFirst()
    return row && toInvite(row)
  }

  /** Pending invites by email, optionally only those of `emails`. */
  async list(workspaceId: string, page: Page, emails?: readonly string[]): Promise<PageResult<Invite>> {
    if (emails?.length === 0) return { items: [], total: 0 }
    let base = this.ctx.db
      .selectFrom('invites')
      .where('workspace_id', '=', workspaceId)
      .where('expires_at', '>', nowIso(this.ctx))
    if (emails) base = base.where('email', 'in', emails.map(normaliseEmail))
    const rows = await base.selectAll().orderBy('email').offset(page.offset).limit(page.limit).execute()
    return { items: rows.map(toInvite), total: await countRows(base) }
  }

  /** Deletes invites (and the permissions they carried); returns the emails that had one. */
  async delete(workspaceId: string, emails: readonly string[]): Promise<string[]> {
    return inTransaction(this.ctx, async (tx) => {
      const wanted = [...new Set(emails.map(normaliseEmail))]
      if (wanted.length === 0) return []
      const rows = await tx.db
        .selectFrom('invites')
        .select('email')
        .where('workspace_id', '=', workspaceId)
        .where('email', 'in', wanted)
        .execute()
      await tx.db
        .deleteFrom('invites')
        .where('workspace_id', '=', workspaceId)
        .where('email', 'in', wanted)
        .execute()
      const policies = new PolicyRepository(tx)
      for (const email of wanted) await policies.delete(workspaceId, { type: 'invite', id: email })
      return rows.map((r) => r.email)
    })
  }

  /**
   * Turns a pending invite into membership: the user joins as a Workspace Member and gets the
   * invite's permissions. For the sign-up and log-in flow. False when there is no pending invite.
   */
  async accept(workspaceId: string, email: string, userId: string): Promise<boolean> {
    return inTransaction(this.ctx, async (tx) => {
      const invite = await new InviteRepository(tx).get(workspaceId, email)
      if (!invite) return false
      await tx.db
        .insertInto('workspace_members')
        .values({
          workspace_id: workspaceId,
          user_id: userId,
          role: 'Workspace Member',
          created_at: nowIso(tx),
        })
        .onConflict((oc) => oc.columns(['workspace_id', 'user_id']).doNothing())
        .execute()
      await new PolicyRepository(tx).move(
        workspaceId,
        { type: 'invite', id: invite.email },
        { type: 'user', id: userId },
      )
      await tx.db
        .deleteFrom('invites')
        .where('workspace_id', '=', workspaceId)
        .where('email', '=', invite.email)
        .execute()
      return true
    })
  }
}

const toInvite = (r: Omit<Row<InvitesTable>, 'token_hash'>): Invite => ({
  workspaceId: r.workspace_id,
  email: r.email,
  invitedBy: r.invited_by,
  createdAt: toIso(r.created_at),
  expiresAt: toIso(r.expires_at),
})
