import { SwitchyardError } from '../../errors/index.ts'
import { isUniqueViolation } from '../dialect.ts'
import { newId, newWriteKey } from '../ids.ts'
import { fromBool, toBool, toIso, type NewRow, type Row, type SourcesTable } from '../schema.ts'
import {
  countRows,
  inTransaction,
  nowIso,
  type Page,
  type PageResult,
  type RepositoryContext,
} from './context.ts'

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

export const sourceNotFound = (id: string, field = 'sourceId') =>
  new SwitchyardError('SY_RESOURCE_NOT_FOUND', `No source with id ${id} in this workspace`, { field })

export class SourceRepository {
  constructor(private readonly ctx: RepositoryContext) {}

  /** Creates a source with one write key. A slug already used in the workspace is a conflict. */
  async create(input: NewSource): Promise<Source> {
    return inTransaction(this.ctx, async (tx) => {
      const at = nowIso(tx)
      const row: NewRow<SourcesTable> = {
        id: newId(tx.now().getTime()),
        workspace_id: input.workspaceId,
        slug: input.slug,
        name: input.name,
        enabled: fromBool(input.enabled),
        metadata_id: input.metadataId,
        settings: JSON.stringify(input.settings ?? {}),
        created_at: at,
        updated_at: at,
      }
      try {
        await tx.db.insertInto('sources').values(row).execute()
      } catch (e) {
        if (isUniqueViolation(e)) throw slugTaken(input.slug)
        throw e
      }
      const writeKey = newWriteKey()
      await tx.db
        .insertInto('write_keys')
        .values({ write_key: writeKey, source_id: row.id, workspace_id: input.workspaceId, created_at: at })
        .execute()
      return { ...fromRow(row as Row<SourcesTable>), writeKeys: [writeKey], labels: [] }
    })
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

  /** A source by id alone, in any workspace (for settings that name a source, such as audit forwarding). */
  async findById(id: string): Promise<Source | undefined> {
    const row = await this.ctx.db.selectFrom('sources').selectAll().where('id', '=', id).executeTakeFirst()
    if (!row) return undefined
    const [source] = await this.hydrate([row])
    return source
  }

  /** The source a write key belongs to, in any workspace, enabled or not (ingest decides). */
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

  /** Sources in creation order. */
  async list(workspaceId: string, page: Page): Promise<PageResult<Source>> {
    const query = this.ctx.db.selectFrom('sources').where('workspace_id', '=', workspaceId)
    const rows = await query
      .selectAll()
      .orderBy('created_at')
      .orderBy('id')
      .limit(page.limit)
      .offset(page.offset)
      .execute()
    return { items: await this.hydrate(rows), total: await countRows(query) }
  }

  /** Applies the patch; undefined when the source isn't in the workspace. */
  async update(workspaceId: string, id: string, patch: SourcePatch): Promise<Source | undefined> {
    try {
      const result = await this.ctx.db
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
        .executeTakeFirst()
      if (Number(result.numUpdatedRows) === 0) return undefined
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

  /**
   * Adds a write key. Runs under a lock on the source row (in the caller's transaction or its own),
   * so concurrent calls can't take a source past the limit.
   */
  async addWriteKey(workspaceId: string, id: string): Promise<string> {
    return inTransaction(this.ctx, async (tx) => {
      const keys = await lockWriteKeys(tx, workspaceId, id)
      if (keys.length >= MAX_WRITE_KEYS_PER_SOURCE) {
        throw new SwitchyardError(
          'SY_RESOURCE_INVALID',
          `A source holds at most ${MAX_WRITE_KEYS_PER_SOURCE} write keys; remove one first`,
          { field: 'writeKey' },
        )
      }
      const writeKey = newWriteKey()
      await tx.db
        .insertInto('write_keys')
        .values({ write_key: writeKey, source_id: id, workspace_id: workspaceId, created_at: nowIso(tx) })
        .execute()
      return writeKey
    })
  }

  /**
   * Removes a write key, never the last one (disable the source instead). Under the same lock as
   * `addWriteKey`, so two concurrent removals can't leave a source without keys.
   */
  async removeWriteKey(workspaceId: string, id: string, writeKey: string): Promise<void> {
    return inTransaction(this.ctx, async (tx) => {
      const keys = await lockWriteKeys(tx, workspaceId, id)
      if (!keys.includes(writeKey)) {
        throw new SwitchyardError('SY_RESOURCE_NOT_FOUND', `Source ${id} has no write key ${writeKey}`, {
          field: 'writeKey',
        })
      }
      if (keys.length === 1) {
        throw new SwitchyardError(
          'SY_RESOURCE_INVALID',
          "writeKey is the source's only write key; create another before removing it (or disable the source)",
          { field: 'writeKey' },
        )
      }
      await tx.db
        .deleteFrom('write_keys')
        .where('source_id', '=', id)
        .where('write_key', '=', writeKey)
        .execute()
    })
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
      ...fromRow(r),
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

function fromRow(r: Row<SourcesTable>): Omit<Source, 'writeKeys' | 'labels'> {
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

/**
 * Locks the source row (an update takes a row lock in PostgreSQL; in SQLite the transaction
 * already holds the write lock) and returns its write keys. Throws when the source isn't in the
 * workspace.
 */
async function lockWriteKeys(tx: RepositoryContext, workspaceId: string, id: string): Promise<string[]> {
  const locked = await tx.db
    .updateTable('sources')
    .set({ updated_at: nowIso(tx) })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .executeTakeFirst()
  if (Number(locked.numUpdatedRows) === 0) throw sourceNotFound(id)
  const rows = await tx.db.selectFrom('write_keys').select('write_key').where('source_id', '=', id).execute()
  return rows.map((r) => r.write_key)
}
