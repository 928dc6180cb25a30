import { newId } from '../ids.ts'
import { fromBool, toBool, toIso, type WarehousesTable, type Row, type NewRow } from '../schema.ts'
import { SwitchyardError } from '../../errors/index.ts'
import { countRows, nowIso, type Page, type PageResult, type RepositoryContext } from './context.ts'
import { sourceNotFound } from './sources.ts'

export interface Warehouse {
  id: string
  workspaceId: string
  /** The warehouse kind in the warehouse catalog (PostgreSQL, DuckDB, …). */
  metadataId: string
  name: string
  enabled: boolean
  /** Decrypted connection settings; passwords live here, encrypted at rest. */
  settings: Record<string, unknown>
  /** Segment's advanced sync schedule: syncs at chosen hours of the day instead of every interval. */
  advancedSchedule: AdvancedSyncSchedule | null
  createdAt: string
  updatedAt: string
}

/** Segment's `ReplaceAdvancedSyncScheduleForWarehouseV1Input`. */
export interface AdvancedSyncSchedule {
  enabled: boolean
  schedule?: { times: { hourOfDay: number; enabled: boolean }[]; timezone: string }
}

export type NewWarehouse = Omit<Warehouse, 'id' | 'createdAt' | 'updatedAt' | 'advancedSchedule'>
export type WarehousePatch = Partial<Pick<Warehouse, 'name' | 'enabled' | 'settings' | 'advancedSchedule'>>

export class WarehouseRepository {
  constructor(private readonly ctx: RepositoryContext) {}

  async create(input: NewWarehouse): Promise<Warehouse> {
    const at = nowIso(this.ctx)
    const row: NewRow<WarehousesTable> & { advanced_schedule: null } = {
      id: newId(this.ctx.now().getTime()),
      workspace_id: input.workspaceId,
      metadata_id: input.metadataId,
      name: input.name,
      enabled: fromBool(input.enabled),
      settings_encrypted: this.ctx.secrets.encrypt(JSON.stringify(input.settings)),
      advanced_schedule: null,
      created_at: at,
      updated_at: at,
    }
    await this.ctx.db.insertInto('warehouses').values(row).execute()
    return this.fromRow(row)
  }

  async get(workspaceId: string, id: string): Promise<Warehouse | undefined> {
    const row = await this.ctx.db
      .selectFrom('warehouses')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', id)
      .executeTakeFirst()
    return row && this.fromRow(row)
  }

  async list(workspaceId: string, page: Page): Promise<PageResult<Warehouse>> {
    const query = this.ctx.db.selectFrom('warehouses').where('workspace_id', '=', workspaceId)
    const rows = await query
      .selectAll()
      .orderBy('created_at')
      .orderBy('id')
      .limit(page.limit)
      .offset(page.offset)
      .execute()
    return { items: rows.map((r) => this.fromRow(r)), total: await countRows(query) }
  }

  async update(workspaceId: string, id: string, patch: WarehousePatch): Promise<Warehouse | undefined> {
    await this.ctx.db
      .updateTable('warehouses')
      .set({
        ...(patch.name !== undefined && { name: patch.name }),
        ...(patch.enabled !== undefined && { enabled: fromBool(patch.enabled) }),
        ...(patch.settings !== undefined && {
          settings_encrypted: this.ctx.secrets.encrypt(JSON.stringify(patch.settings)),
        }),
        ...(patch.advancedSchedule !== undefined && {
          advanced_schedule: patch.advancedSchedule === null ? null : JSON.stringify(patch.advancedSchedule),
        }),
        updated_at: nowIso(this.ctx),
      })
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', id)
      .execute()
    return this.get(workspaceId, id)
  }

  async delete(workspaceId: string, id: string): Promise<boolean> {
    const result = await this.ctx.db
      .deleteFrom('warehouses')
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', id)
      .executeTakeFirst()
    return Number(result.numDeletedRows) > 0
  }

  /** A warehouse by id, whichever workspace it is in (the CLI names warehouses by id alone). */
  async byId(id: string): Promise<Warehouse | undefined> {
    const row = await this.ctx.db.selectFrom('warehouses').selectAll().where('id', '=', id).executeTakeFirst()
    return row && this.fromRow(row)
  }

  /** Whether a warehouse with this id exists, in any workspace. */
  async exists(id: string): Promise<boolean> {
    const row = await this.ctx.db
      .selectFrom('warehouses')
      .select('id')
      .where('id', '=', id)
      .executeTakeFirst()
    return row !== undefined
  }

  /** Every enabled warehouse, across workspaces: what the sync scheduler looks at. */
  async enabled(): Promise<Warehouse[]> {
    const rows = await this.ctx.db
      .selectFrom('warehouses')
      .selectAll()
      .where('enabled', '=', fromBool(true))
      .orderBy('id')
      .execute()
    return rows.map((r) => this.fromRow(r))
  }

  /** Connects a source to a warehouse; connecting twice is a no-op. Both must be in the workspace. */
  async connectSource(workspaceId: string, warehouseId: string, sourceId: string): Promise<void> {
    if (!(await this.get(workspaceId, warehouseId))) throw warehouseNotFound(warehouseId)
    const source = await this.ctx.db
      .selectFrom('sources')
      .select('id')
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', sourceId)
      .executeTakeFirst()
    if (!source) throw sourceNotFound(sourceId)
    await this.ctx.db
      .insertInto('warehouse_sources')
      .values({
        warehouse_id: warehouseId,
        source_id: sourceId,
        workspace_id: workspaceId,
        created_at: nowIso(this.ctx),
      })
      .onConflict((oc) => oc.columns(['warehouse_id', 'source_id']).doNothing())
      .execute()
  }

  /** Connects a new source to every warehouse of its workspace (Segment routes sources to all by default). */
  async connectToEveryWarehouse(workspaceId: string, sourceId: string): Promise<string[]> {
    const warehouses = await this.ctx.db
      .selectFrom('warehouses')
      .select('id')
      .where('workspace_id', '=', workspaceId)
      .execute()
    for (const { id } of warehouses) await this.connectSource(workspaceId, id, sourceId)
    return warehouses.map((w) => w.id)
  }

  /** Connects every source of the workspace to a new warehouse. */
  async connectEverySource(workspaceId: string, warehouseId: string): Promise<string[]> {
    const sources = await this.ctx.db
      .selectFrom('sources')
      .select('id')
      .where('workspace_id', '=', workspaceId)
      .execute()
    for (const { id } of sources) await this.connectSource(workspaceId, warehouseId, id)
    return sources.map((s) => s.id)
  }

  async disconnectSource(workspaceId: string, warehouseId: string, sourceId: string): Promise<boolean> {
    const result = await this.ctx.db
      .deleteFrom('warehouse_sources')
      .where('workspace_id', '=', workspaceId)
      .where('warehouse_id', '=', warehouseId)
      .where('source_id', '=', sourceId)
      .executeTakeFirst()
    return Number(result.numDeletedRows) > 0
  }

  async connectedSourceIds(workspaceId: string, warehouseId: string): Promise<string[]> {
    const rows = await this.ctx.db
      .selectFrom('warehouse_sources')
      .select('source_id')
      .where('workspace_id', '=', workspaceId)
      .where('warehouse_id', '=', warehouseId)
      .orderBy('source_id')
      .execute()
    return rows.map((r) => r.source_id)
  }

  async connectedWarehouseIds(workspaceId: string, sourceId: string): Promise<string[]> {
    const rows = await this.ctx.db
      .selectFrom('warehouse_sources')
      .select('warehouse_id')
      .where('workspace_id', '=', workspaceId)
      .where('source_id', '=', sourceId)
      .orderBy('warehouse_id')
      .execute()
    return rows.map((r) => r.warehouse_id)
  }

  /** Every (warehouse, source) connection of enabled warehouses, across workspaces: what the pipeline stages. */
  async enabledConnections(): Promise<{ workspaceId: string; warehouseId: string; sourceId: string }[]> {
    const rows = await this.ctx.db
      .selectFrom('warehouse_sources')
      .innerJoin('warehouses', (join) =>
        join
          .onRef('warehouses.id', '=', 'warehouse_sources.warehouse_id')
          .onRef('warehouses.workspace_id', '=', 'warehouse_sources.workspace_id'),
      )
      .select([
        'warehouse_sources.workspace_id',
        'warehouse_sources.warehouse_id',
        'warehouse_sources.source_id',
      ])
      .where('warehouses.enabled', '=', fromBool(true))
      .orderBy('warehouse_sources.warehouse_id')
      .orderBy('warehouse_sources.source_id')
      .execute()
    return rows.map((r) => ({
      workspaceId: r.workspace_id,
      warehouseId: r.warehouse_id,
      sourceId: r.source_id,
    }))
  }

  /** Changes whenever a warehouse or a connection is created, updated or deleted. */
  async changeStamp(): Promise<string> {
    const [warehouses, connections] = await Promise.all([
      this.ctx.db
        .selectFrom('warehouses')
        .select((eb) => [eb.fn.countAll().as('count'), eb.fn.max('updated_at').as('latest')])
        .executeTakeFirstOrThrow(),
      this.ctx.db
        .selectFrom('warehouse_sources')
        .select((eb) => [eb.fn.countAll().as('count'), eb.fn.max('created_at').as('latest')])
        .executeTakeFirstOrThrow(),
    ])
    return `${warehouses.count}@${String(warehouses.latest)}/${connections.count}@${String(connections.latest)}`
  }

  private fromRow(r: Row<WarehousesTable>): Warehouse {
    return {
      id: r.id,
      workspaceId: r.workspace_id,
      metadataId: r.metadata_id,
      name: r.name,
      enabled: toBool(r.enabled),
      settings: JSON.parse(this.ctx.secrets.decrypt(r.settings_encrypted)) as Record<string, unknown>,
      advancedSchedule: r.advanced_schedule
        ? (JSON.parse(r.advanced_schedule) as AdvancedSyncSchedule)
        : null,
      createdAt: toIso(r.created_at),
      updatedAt: toIso(r.updated_at),
    }
  }
}

export const warehouseNotFound = (id: string, field = 'warehouseId') =>
  new SwitchyardError('SY_RESOURCE_NOT_FOUND', `No warehouse with id ${id} in this workspace`, { field })
