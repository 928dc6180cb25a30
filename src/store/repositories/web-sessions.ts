import { randomBytes } from 'node:crypto'
import { newId } from '../ids.ts'
import { toIso, type NewRow, type Row, type WebSessionsTable } from '../schema.ts'
import { hashTokenSecret } from '../secrets.ts'
import type { RepositoryContext } from './context.ts'

/** A logged-in browser: whose it is, the workspace it works in, and when it ends. */
export interface WebSession {
  id: string
  userId: string
  workspaceId: string
  createdAt: string
  lastSeenAt: string
  expiresAt: string
  ip: string
  userAgent: string
}

export interface NewWebSession {
  userId: string
  workspaceId: string
  /** How long the session lasts however busy it is. */
  lifetimeMs: number
  ip: string
  userAgent: string
}

/** A new cookie secret: 32 random bytes, base64url (256 bits). */
export const newSessionSecret = (): string => randomBytes(32).toString('base64url')

/** Last-seen times are written at most this often per session, so requests don't each cost a write. */
export const LAST_SEEN_RESOLUTION_MS = 60_000

/**
 * Web sessions, stored server-side so that logging out (here or everywhere) takes effect at once.
 * The secret lives only in the browser's cookie; the table holds its SHA-256, so a copy of the
 * database logs no one in.
 */
export class WebSessionRepository {
  constructor(private readonly ctx: RepositoryContext) {}

  /** Starts a session. The returned secret exists only in this return value (and the cookie). */
  async create(input: NewWebSession): Promise<{ session: WebSession; secret: string }> {
    const secret = newSessionSecret()
    const now = this.ctx.now()
    const row: Required<NewRow<WebSessionsTable>> = {
      id: newId(now.getTime()),
      secret_hash: hashTokenSecret(secret),
      user_id: input.userId,
      workspace_id: input.workspaceId,
      created_at: now.toISOString(),
      last_seen_at: now.toISOString(),
      expires_at: new Date(now.getTime() + input.lifetimeMs).toISOString(),
      ip: input.ip,
      user_agent: input.userAgent.slice(0, 512),
    }
    await this.ctx.db.insertInto('web_sessions').values(row).execute()
    return { session: toSession(row), secret }
  }

  /**
   * The live session with this secret: not past its expiry and, when `idleMs` is above 0, seen
   * within `idleMs`. Records the use (at most once a minute, or a tenth of `idleMs` when that is
   * shorter). Undefined otherwise.
   */
  async authenticate(secret: string, idleMs: number): Promise<WebSession | undefined> {
    const now = this.ctx.now()
    let query = this.ctx.db
      .selectFrom('web_sessions')
      .selectAll()
      .where('secret_hash', '=', hashTokenSecret(secret))
      .where('expires_at', '>', now.toISOString())
    if (idleMs > 0) query = query.where('last_seen_at', '>', new Date(now.getTime() - idleMs).toISOString())
    const row = await query.executeTakeFirst()
    if (!row) return undefined
    // A short idle timeout needs a finer last-seen time, else a busy session would look idle.
    const resolution = idleMs > 0 ? Math.min(LAST_SEEN_RESOLUTION_MS, idleMs / 10) : LAST_SEEN_RESOLUTION_MS
    if (now.getTime() - new Date(row.last_seen_at).getTime() >= resolution) {
      row.last_seen_at = now.toISOString()
      await this.ctx.db
        .updateTable('web_sessions')
        .set({ last_seen_at: row.last_seen_at })
        .where('id', '=', row.id)
        .execute()
    }
    return toSession(row)
  }

  /** Moves the session to another workspace (the caller checks membership). */
  async setWorkspace(id: string, workspaceId: string): Promise<void> {
    await this.ctx.db
      .updateTable('web_sessions')
      .set({ workspace_id: workspaceId })
      .where('id', '=', id)
      .execute()
  }

  /** Ends one session; false when it was already gone. */
  async delete(id: string): Promise<boolean> {
    const result = await this.ctx.db.deleteFrom('web_sessions').where('id', '=', id).executeTakeFirst()
    return Number(result.numDeletedRows) > 0
  }

  /** Ends every session of the user; returns how many there were. */
  async deleteForUser(userId: string): Promise<number> {
    const result = await this.ctx.db
      .deleteFrom('web_sessions')
      .where('user_id', '=', userId)
      .executeTakeFirst()
    return Number(result.numDeletedRows)
  }

  /** The user's sessions, newest first. */
  async listForUser(userId: string): Promise<WebSession[]> {
    const rows = await this.ctx.db
      .selectFrom('web_sessions')
      .selectAll()
      .where('user_id', '=', userId)
      .orderBy('created_at', 'desc')
      .execute()
    return rows.map(toSession)
  }

  /** Deletes sessions past their expiry or (when `idleMs` > 0) idle longer; returns how many. */
  async prune(idleMs: number): Promise<number> {
    const now = this.ctx.now()
    const result = await this.ctx.db
      .deleteFrom('web_sessions')
      .where((eb) =>
        idleMs > 0
          ? eb.or([
              eb('expires_at', '<=', now.toISOString()),
              eb('last_seen_at', '<=', new Date(now.getTime() - idleMs).toISOString()),
            ])
          : eb('expires_at', '<=', now.toISOString()),
      )
      .executeTakeFirst()
    return Number(result.numDeletedRows)
  }
}

const toSession = (r: Row<WebSessionsTable>): WebSession => ({
  id: r.id,
  userId: r.user_id,
  workspaceId: r.workspace_id,
  createdAt: toIso(r.created_at),
  lastSeenAt: toIso(r.last_seen_at),
  expiresAt: toIso(r.expires_at),
  ip: r.ip,
  userAgent: r.user_agent,
})
