import { SwitchyardError } from '../../errors/index.ts'
import { isUniqueViolation } from '../dialect.ts'
import { newId, newWriteKey } from '../ids.ts'
import { fromBool, toBool, toIso, type SourcesTable, type Row, type NewRow } from '../schema.ts'
import { nowIso, type Page, type PageResult, type RepositoryContext } from './context.ts'

export interface SourceLabel {
  key: string
  value: string
  description?: string
}

export interface Source {
  id: string
  workspaceId: string
  slug: string
  name: string
  enabled: boolean
  /** Source type, an id from the source catalog. Never changes after creation. */
  metadataId: string
  settings: Record<string, unknown>
  writeKeys: string[]
  labels: SourceLabel[]
  createdAt: string
  updatedAt: string
}

export interface NewSource {
  workspaceId: string
  slug: string
  name: string
  enabled: boolean
  metadataId: string
  settings?: Record<string, unknown>
}

export type SourcePatch = Partial<Pick<Source, 'slug' | 'name' | 'enabled' | 'settings'>>

/** Most write keys one source may hold at once (enough for rotation with overlap). */
export const MAX_WRITE_KEYS_PER_SOURCE = 10

const slugTaken = (slug: string) =>
  new SwitchyardError(
    'SY_RESOURCE_CONFLICT',
    `A source with slug "${slug}" already exists in this workspace`,
    {
      field: 'slug',
    },
  )

export class SourceRepository {
  constructor(private readonly ctx: RepositoryContext) {}

  async create(input: NewSource): Promise<Source> {
    const at = nowIso(this.ctx)
    const row: NewRow<SourcesTable> = {
      id: newId(this.ctx.now().getTime()),
      workspace_id: input.workspaceId,
      slug: input.slug,
      name: input.name,
      enabled: fromBool(input.enabled),
      metadata_id: input.metadataId,
      settings: JSON.stringify(input.settings ?? {}),
      created_at: at,
      updated_at: at,
    }
    if (await this.slugInUse(input.workspaceId, input.slug)) throw slugTaken(input.slug)
    try {
      await this.ctx.db.insertInto('sources').values(row).execute()
    } catch (e) {
      if (isUniqueViolation(e)) throw slugTaken(input.slug)
      throw e
    }
    const writeKey = newWriteKey()
    await this.ctx.db
      .insertInto('write_keys')
      .values({ write_key: writeKey, source_id: row.id, workspace_id: input.workspaceId, created_at: at })
      .execute()
    return { ...this.fromRow(row), writeKeys: [writeKey], labels: [] }
  }

  async get(workspaceId: string, id: string): Promise<Source | undefined> {
    const row = await this.ctx.db
      .selectFrom('sources')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', id)
      .executeTakeFirst()
    if (!row) return undefined
    const [source] = await this.hydrate([row])
    return source
  }

  /** The enabled-or-not source a write key belongs to, in any workspace (used by ingest). */
  async findByWriteKey(writeKey: string): Promise<Source | undefined> {
    const row = await this.ctx.db
      .selectFrom('write_keys')
      .innerJoin('sources', 'sources.id', 'write_keys.source_id')
      .selectAll('sources')
      .where('write_keys.write_key', '=', writeKey)
      .executeTakeFirst()
    if (!row) return undefined
    const [source] = await this.hydrate([row])
    return source
  }

  async list(workspaceId: string, page: Page): Promise<PageResult<Source>> {
    const rows = await this.ctx.db
      .selectFrom('sources')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .orderBy('id')
      .limit(page.limit)
      .offset(page.offset)
      .execute()
    const { total } = await this.ctx.db
      .selectFrom('sources')
      .select((eb) => eb.fn.countAll<number | string>().as('total'))
      .where('workspace_id', '=', workspaceId)
      .executeTakeFirstOrThrow()
    return { items: await this.hydrate(rows), total: Number(total) }
  }

  async update(workspaceId: string, id: string, patch: SourcePatch): Promise<Source | undefined> {
    const current = await this.get(workspaceId, id)
    if (!current) return undefined
    if (
      patch.slug !== undefined &&
      patch.slug !== current.slug &&
      (await this.slugInUse(workspaceId, patch.slug))
    ) {
      throw slugTaken(patch.slug)
    }
    try {
      await this.ctx.db
        .updateTable('sources')
        .set({
          ...(patch.slug !== undefined && { slug: patch.slug }),
          ...(patch.name !== undefined && { name: patch.name }),
          ...(patch.enabled !== undefined && { enabled: fromBool(patch.enabled) }),
          ...(patch.settings !== undefined && { settings: JSON.stringify(patch.settings) }),
          updated_at: nowIso(this.ctx),
        })
        .where('workspace_id', '=', workspaceId)
        .where('id', '=', id)
        .execute()
    } catch (e) {
      if (isUniqueViolation(e) && patch.slug !== undefined) throw slugTaken(patch.slug)
      throw e
    }
    return this.get(workspaceId, id)
  }

  /** Deletes the source with its write keys, labels, destination instances and warehouse connections. */
  async delete(workspaceId: string, id: string): Promise<boolean> {
    const result = await this.ctx.db
      .deleteFrom('sources')
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', id)
      .executeTakeFirst()
    return Number(result.numDeletedRows) > 0
  }

  async addWriteKey(workspaceId: string, id: string): Promise<string> {
    const source = await this.get(workspaceId, id)
    if (!source) throw new Error(`source ${id} not found`)
    if (source.writeKeys.length >= MAX_WRITE_KEYS_PER_SOURCE) {
      throw new SwitchyardError(
        'SY_RESOURCE_CONFLICT',
        `A source holds at most ${MAX_WRITE_KEYS_PER_SOURCE} write keys; remove one first`,
        { field: 'writeKey' },
      )
    }
    const writeKey = newWriteKey()
    await this.ctx.db
      .insertInto('write_keys')
      .values({ write_key: writeKey, source_id: id, workspace_id: workspaceId, created_at: nowIso(this.ctx) })
      .execute()
    return writeKey
  }

  async removeWriteKey(workspaceId: string, id: string, writeKey: string): Promise<boolean> {
    const result = await this.ctx.db
      .deleteFrom('write_keys')
      .where('workspace_id', '=', workspaceId)
      .where('source_id', '=', id)
      .where('write_key', '=', writeKey)
      .executeTakeFirst()
    return Number(result.numDeletedRows) > 0
  }

  private async slugInUse(workspaceId: string, slug: string): Promise<boolean> {
    const row = await this.ctx.db
      .selectFrom('sources')
      .select('id')
      .where('workspace_id', '=', workspaceId)
      .where('slug', '=', slug)
      .executeTakeFirst()
    return row !== undefined
  }

  private fromRow(r: Row<SourcesTable>): Omit<Source, 'writeKeys' | 'labels'> {
    return {
      id: r.id,
      workspaceId: r.workspace_id,
      slug: r.slug,
      name: r.name,
      enabled: toBool(r.enabled),
      metadataId: r.metadata_id,
      settings: JSON.parse(r.settings) as Record<string, unknown>,
      createdAt: toIso(r.created_at),
      updatedAt: toIso(r.updated_at),
    }
  }

  /** Adds write keys and labels to source rows with one query each, whatever the number of rows. */
  private async hydrate(rows: Row<SourcesTable>[]): Promise<Source[]> {
    if (rows.length === 0) return []
    const ids = rows.map((r) => r.id)
    const keys = await this.ctx.db
      .selectFrom('write_keys')
      .select(['source_id', 'write_key'])
      .where('source_id', 'in', ids)
      .orderBy('created_at')
      .orderBy('write_key')
      .execute()
    const labels = await this.ctx.db
      .selectFrom('source_labels')
      .innerJoin('labels', (j) =>
        j
          .onRef('labels.workspace_id', '=', 'source_labels.workspace_id')
          .onRef('labels.key', '=', 'source_labels.key')
          .onRef('labels.value', '=', 'source_labels.value'),
      )
      .select(['source_labels.source_id', 'labels.key', 'labels.value', 'labels.description'])
      .where('source_labels.source_id', 'in', ids)
      .orderBy('labels.key')
      .execute()
    return rows.map((r) => ({
      ...this.fromRow(r),
      writeKeys: keys.filter((k) => k.source_id === r.id).map((k) => k.write_key),
      labels: labels
        .filter((l) => l.source_id === r.id)
        .map((l) => ({
          key: l.key,
          value: l.value,
          ...(l.description != null && { description: l.description }),
        })),
    }))
  }
}
