import { isForeignKeyViolation } from '../dialect.ts'
import { newId } from '../ids.ts'
import { fromBool, toBool, toIso, type DestinationsTable, type Row, type NewRow } from '../schema.ts'
import {
  countRows,
  inTransaction,
  nowIso,
  type Page,
  type PageResult,
  type RepositoryContext,
} from './context.ts'
import { sourceNotFound } from './sources.ts'

/** A configured destination: one instance of a catalog destination, attached to one source. */
export interface Destination {
  id: string
  workspaceId: string
  sourceId: string
  /** The destination definition in the catalog (Segment's "meta id"). */
  metadataId: string
  name: string
  enabled: boolean
  /** Decrypted settings; credentials live here, encrypted at rest. */
  settings: Record<string, unknown>
  /** Consent categories the destination is mapped to; empty: not mapped (no consent filtering). */
  consentCategories: string[]
  /** Sandbox egress: every outbound request goes to this URL instead of its real host. */
  egressUrl: string | null
  createdAt: string
  updatedAt: string
}

export type NewDestination = Omit<
  Destination,
  'id' | 'createdAt' | 'updatedAt' | 'consentCategories' | 'egressUrl'
> &
  Partial<Pick<Destination, 'consentCategories' | 'egressUrl'>>
export type DestinationPatch = Partial<
  Pick<Destination, 'name' | 'enabled' | 'settings' | 'consentCategories' | 'egressUrl'>
>

export class DestinationRepository {
  constructor(private readonly ctx: RepositoryContext) {}

  async create(input: NewDestination): Promise<Destination> {
    const at = nowIso(this.ctx)
    const row: NewRow<DestinationsTable> = {
      id: newId(this.ctx.now().getTime()),
      workspace_id: input.workspaceId,
      source_id: input.sourceId,
      metadata_id: input.metadataId,
      name: input.name,
      enabled: fromBool(input.enabled),
      settings_encrypted: this.ctx.secrets.encrypt(JSON.stringify(input.settings)),
      consent_categories: JSON.stringify(input.consentCategories ?? []),
      egress_url: input.egressUrl ?? null,
      created_at: at,
      updated_at: at,
    }
    try {
      await this.ctx.db.insertInto('destinations').values(row).execute()
    } catch (e) {
      // The foreign key covers (source, workspace): a source of another workspace doesn't exist here.
      if (isForeignKeyViolation(e)) throw sourceNotFound(input.sourceId)
      throw e
    }
    return this.fromRow({ ...row, egress_url: row.egress_url ?? null } as Row<DestinationsTable>)
  }

  async get(workspaceId: string, id: string): Promise<Destination | undefined> {
    const row = await this.ctx.db
      .selectFrom('destinations')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', id)
      .executeTakeFirst()
    return row && this.fromRow(row)
  }

  async list(
    workspaceId: string,
    page: Page,
    filter: { sourceId?: string } = {},
  ): Promise<PageResult<Destination>> {
    let query = this.ctx.db.selectFrom('destinations').where('workspace_id', '=', workspaceId)
    if (filter.sourceId !== undefined) query = query.where('source_id', '=', filter.sourceId)
    const rows = await query
      .selectAll()
      .orderBy('created_at')
      .orderBy('id')
      .limit(page.limit)
      .offset(page.offset)
      .execute()
    return { items: rows.map((r) => this.fromRow(r)), total: await countRows(query) }
  }

  /** Every enabled destination of every workspace: what the pipeline routes to and delivers for. */
  async listEnabled(): Promise<Destination[]> {
    const rows = await this.ctx.db
      .selectFrom('destinations')
      .selectAll()
      .where('enabled', '=', fromBool(true))
      .orderBy('created_at')
      .orderBy('id')
      .execute()
    return rows.map((r) => this.fromRow(r))
  }

  /** Changes whenever a destination is created, updated or deleted: lets a cache of them check it is current. */
  async changeStamp(): Promise<string> {
    const row = await this.ctx.db
      .selectFrom('destinations')
      .select((eb) => [eb.fn.countAll().as('count'), eb.fn.max('updated_at').as('latest')])
      .executeTakeFirstOrThrow()
    return `${row.count}@${String(row.latest)}`
  }

  async update(workspaceId: string, id: string, patch: DestinationPatch): Promise<Destination | undefined> {
    await this.ctx.db
      .updateTable('destinations')
      .set({
        ...(patch.name !== undefined && { name: patch.name }),
        ...(patch.enabled !== undefined && { enabled: fromBool(patch.enabled) }),
        ...(patch.settings !== undefined && {
          settings_encrypted: this.ctx.secrets.encrypt(JSON.stringify(patch.settings)),
        }),
        ...(patch.consentCategories !== undefined && {
          consent_categories: JSON.stringify(patch.consentCategories),
        }),
        ...(patch.egressUrl !== undefined && { egress_url: patch.egressUrl }),
        updated_at: nowIso(this.ctx),
      })
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', id)
      .execute()
    return this.get(workspaceId, id)
  }

  /**
   * Keeps the OAuth tokens a destination refreshed while delivering (`settings.oauth`). Unlike
   * `update`, it leaves `updated_at` alone: new tokens are not a configuration change, and the
   * delivery runtime restarts a destination's worker when `updated_at` moves. The row stays locked
   * from read to write, so a settings change committed meanwhile is not lost.
   */
  async saveOAuthTokens(workspaceId: string, id: string, oauth: Record<string, unknown>): Promise<void> {
    await inTransaction(this.ctx, async (tx) => {
      const row = await tx.db
        .selectFrom('destinations')
        .select('settings_encrypted')
        .where('workspace_id', '=', workspaceId)
        .where('id', '=', id)
        .$if(tx.capabilities.locksReadRows, (query) => query.forUpdate())
        .executeTakeFirst()
      if (!row) return
      const settings = JSON.parse(this.ctx.secrets.decrypt(row.settings_encrypted)) as Record<string, unknown>
      await tx.db
        .updateTable('destinations')
        .set({ settings_encrypted: this.ctx.secrets.encrypt(JSON.stringify({ ...settings, oauth })) })
        .where('workspace_id', '=', workspaceId)
        .where('id', '=', id)
        .execute()
    })
  }

  async delete(workspaceId: string, id: string): Promise<boolean> {
    const result = await this.ctx.db
      .deleteFrom('destinations')
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', id)
      .executeTakeFirst()
    return Number(result.numDeletedRows) > 0
  }

  private fromRow(r: Row<DestinationsTable>): Destination {
    return {
      id: r.id,
      workspaceId: r.workspace_id,
      sourceId: r.source_id,
      metadataId: r.metadata_id,
      name: r.name,
      enabled: toBool(r.enabled),
      settings: JSON.parse(this.ctx.secrets.decrypt(r.settings_encrypted)) as Record<string, unknown>,
      consentCategories: JSON.parse(r.consent_categories) as string[],
      egressUrl: r.egress_url,
      createdAt: toIso(r.created_at),
      updatedAt: toIso(r.updated_at),
    }
  }
}
