import { newId } from '../ids.ts'
import { toIso, toIsoOrNull, type ApiTokensTable, type Row, type NewRow } from '../schema.ts'
import { hashTokenSecret, newTokenSecret } from '../secrets.ts'
import { nowIso, type RepositoryContext } from './context.ts'

/** Segment's two token access levels; finer grants come from roles. */
export type TokenRole = 'Workspace Owner' | 'Workspace Member'

export interface ApiToken {
  id: string
  workspaceId: string
  description: string
  /** Last four characters of the secret, the only part ever shown again. */
  secretHint: string
  role: TokenRole
  createdBy: string | null
  createdAt: string
  lastUsedAt: string | null
  revokedAt: string | null
}

export interface NewApiToken {
  workspaceId: string
  description: string
  role: TokenRole
  createdBy?: string
  /** Use this secret instead of generating one (the bootstrap token). */
  secret?: string
}

/** Last-used times are written at most this often per token, so reads don't each cost a write. */
const LAST_USED_RESOLUTION_MS = 60_000

export class ApiTokenRepository {
  constructor(private readonly ctx: RepositoryContext) {}

  /** Creates a token. The returned secret exists only in this return value. */
  async create(input: NewApiToken): Promise<{ token: ApiToken; secret: string }> {
    const secret = input.secret ?? newTokenSecret()
    const row: Required<NewRow<ApiTokensTable>> = {
      id: newId(this.ctx.now().getTime()),
      workspace_id: input.workspaceId,
      description: input.description,
      secret_hash: hashTokenSecret(secret),
      secret_hint: secret.slice(-4),
      role: input.role,
      created_by: input.createdBy ?? null,
      created_at: nowIso(this.ctx),
      last_used_at: null,
      revoked_at: null,
    }
    await this.ctx.db.insertInto('api_tokens').values(row).execute()
    return { token: toToken(row), secret }
  }

  /** The live (not revoked) token with this secret, or undefined. Records the use. */
  async authenticate(secret: string): Promise<ApiToken | undefined> {
    const row = await this.ctx.db
      .selectFrom('api_tokens')
      .selectAll()
      .where('secret_hash', '=', hashTokenSecret(secret))
      .where('revoked_at', 'is', null)
      .executeTakeFirst()
    if (!row) return undefined
    const now = this.ctx.now()
    const last = row.last_used_at === null ? 0 : new Date(row.last_used_at).getTime()
    if (now.getTime() - last >= LAST_USED_RESOLUTION_MS) {
      row.last_used_at = now.toISOString()
      await this.ctx.db
        .updateTable('api_tokens')
        .set({ last_used_at: row.last_used_at })
        .where('id', '=', row.id)
        .execute()
    }
    return toToken(row)
  }

  async list(workspaceId: string): Promise<ApiToken[]> {
    const rows = await this.ctx.db
      .selectFrom('api_tokens')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .orderBy('created_at')
      .orderBy('id')
      .execute()
    return rows.map(toToken)
  }

  /** Revokes a token; it stops working on the next request. Returns false if unknown or already revoked. */
  async revoke(workspaceId: string, id: string): Promise<boolean> {
    const result = await this.ctx.db
      .updateTable('api_tokens')
      .set({ revoked_at: nowIso(this.ctx) })
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst()
    return Number(result.numUpdatedRows) > 0
  }
}

const toToken = (r: Row<ApiTokensTable>): ApiToken => ({
  id: r.id,
  workspaceId: r.workspace_id,
  description: r.description,
  secretHint: r.secret_hint,
  role: r.role as TokenRole,
  createdBy: r.created_by,
  createdAt: toIso(r.created_at),
  lastUsedAt: toIsoOrNull(r.last_used_at),
  revokedAt: toIsoOrNull(r.revoked_at),
})
