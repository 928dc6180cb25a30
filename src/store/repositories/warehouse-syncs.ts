import { sql } from 'kysely'
import { newId } from '../ids.ts'
import {
  toIso,
  toIsoOrNull,
  type ControlPlaneDatabase,
  type Row,
  type WarehouseSyncsTable,
} from '../schema.ts'
import { countRows, nowIso, type Page, type PageResult, type RepositoryContext } from './context.ts'

export type WarehouseSyncTrigger = 'scheduled' | 'manual'
export type WarehouseSyncStatus = 'pending' | 'running' | 'success' | 'partial' | 'failure'
/** Statuses of a sync that has ended. */
export const FINISHED_SYNC_STATUSES: ReadonlySet<WarehouseSyncStatus> = new Set([
  'success',
  'partial',
  'failure',
])

/** Segment's `SyncNoticeV1`, with what Switchyard adds to point at the cause. */
export interface WarehouseSyncNotice {
  level: 'error' | 'warning' | 'info'
  message: string
  createdAt: string
  /** The table (collection) concerned, when there is one. */
  table?: string
  /** The warehouse error's kind and code (`credentials`, `28P01`), when an error caused it. */
  kind?: string
  code?: string
  /** What to do about it. */
  hint?: string
}

export interface WarehouseSync {
  id: string
  workspaceId: string
  warehouseId: string
  trigger: WarehouseSyncTrigger
  status: WarehouseSyncStatus
  requestedBy: string
  createdAt: string
  startedAt: string | null
  finishedAt: string | null
  recordsTotal: number
  recordsDone: number
  rowsLoaded: number
  /** What ended the sync as a whole (the ping failed, the process died). */
  error: WarehouseSyncNotice | null
}

/** One source's part of a sync: Segment's `SyncV1` plus the per-table detail. */
export interface WarehouseSyncReport {
  syncId: string
  sourceId: string
  workspaceId: string
  warehouseId: string
  status: WarehouseSyncStatus
  startedAt: string
  finishedAt: string | null
  rows: number
  /** Rows loaded per table (collection). */
  tables: Record<string, number>
  notices: WarehouseSyncNotice[]
  preparationMs: number
  loadingMs: number
}

/** The stretch of the staging topic a sync is loading: records with offset in (after, through]. */
export interface WarehouseSyncChunk {
  after: number
  through: number
}

export class WarehouseSyncRepository {
  constructor(private readonly ctx: RepositoryContext) {}

  /**
   * Asks for a sync of the warehouse. When one is already waiting or running, that one is returned
   * (`created: false`): two requests never make two concurrent syncs.
   */
  async request(input: {
    workspaceId: string
    warehouseId: string
    trigger: WarehouseSyncTrigger
    requestedBy: string
  }): Promise<{ sync: WarehouseSync; created: boolean }> {
    const at = nowIso(this.ctx)
    const id = newId(this.ctx.now().getTime())
    const result = await this.ctx.db
      .insertInto('warehouse_syncs')
      .values({
        id,
        workspace_id: input.workspaceId,
        warehouse_id: input.warehouseId,
        trigger: input.trigger,
        status: 'pending',
        requested_by: input.requestedBy,
        created_at: at,
        records_total: 0,
        records_done: 0,
        rows_loaded: 0,
      })
      .onConflict((oc) => oc.doNothing())
      .executeTakeFirst()
    const created = Number(result.numInsertedOrUpdatedRows ?? 0n) === 1
    const sync = created ? await this.get(input.workspaceId, id) : await this.active(input.warehouseId)
    if (sync) return { sync, created }
    // The active sync ended between the insert and the read: ask again.
    return this.request(input)
  }

  async get(workspaceId: string, id: string): Promise<WarehouseSync | undefined> {
    const row = await this.ctx.db
      .selectFrom('warehouse_syncs')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', id)
      .executeTakeFirst()
    return row && fromRow(row)
  }

  /** The warehouse's sync that is waiting or running, if any. */
  async active(warehouseId: string): Promise<WarehouseSync | undefined> {
    const row = await this.ctx.db
      .selectFrom('warehouse_syncs')
      .selectAll()
      .where('warehouse_id', '=', warehouseId)
      .where('status', 'in', ['pending', 'running'])
      .executeTakeFirst()
    return row && fromRow(row)
  }

  /** The warehouse's syncs, newest first. */
  async list(workspaceId: string, warehouseId: string, page: Page): Promise<PageResult<WarehouseSync>> {
    const query = this.ctx.db
      .selectFrom('warehouse_syncs')
      .where('workspace_id', '=', workspaceId)
      .where('warehouse_id', '=', warehouseId)
    const rows = await query
      .selectAll()
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(page.limit)
      .offset(page.offset)
      .execute()
    return { items: rows.map(fromRow), total: await countRows(query) }
  }

  /** When the warehouse's latest sync, scheduled or asked for, was requested. */
  async lastRequestedAt(warehouseId: string): Promise<Date | undefined> {
    const row = await this.ctx.db
      .selectFrom('warehouse_syncs')
      .select((eb) => eb.fn.max('created_at').as('latest'))
      .where('warehouse_id', '=', warehouseId)
      .executeTakeFirst()
    return row?.latest ? new Date(row.latest) : undefined
  }

  /**
   * Takes the oldest waiting sync for `owner` until `leaseMs` from now, with the number of staged
   * records it sets out to load. Safe with many workers: a sync goes to one.
   */
  async claim(owner: string, leaseMs: number): Promise<WarehouseSync | undefined> {
    const now = this.ctx.now()
    const candidates = await this.ctx.db
      .selectFrom('warehouse_syncs')
      .select('id')
      .where('status', '=', 'pending')
      .orderBy('created_at')
      .orderBy('id')
      .limit(5)
      .execute()
    for (const { id } of candidates) {
      const result = await this.ctx.db
        .updateTable('warehouse_syncs')
        .set({
          status: 'running',
          started_at: now.toISOString(),
          lease_owner: owner,
          lease_until: new Date(now.getTime() + leaseMs).toISOString(),
        })
        .where('id', '=', id)
        .where('status', '=', 'pending')
        .executeTakeFirst()
      if (Number(result.numUpdatedRows) === 1) {
        const row = await this.ctx.db
          .selectFrom('warehouse_syncs')
          .selectAll()
          .where('id', '=', id)
          .executeTakeFirstOrThrow()
        return fromRow(row)
      }
    }
    return undefined
  }

  /**
   * Records progress and renews the lease; false when `owner` no longer holds the sync (it was
   * ended as interrupted, or the warehouse was deleted), and the runner must stop.
   */
  async progress(
    id: string,
    owner: string,
    leaseMs: number,
    progress: { recordsTotal?: number; recordsDone?: number; rowsLoaded?: number } = {},
  ): Promise<boolean> {
    const now = this.ctx.now()
    const result = await this.ctx.db
      .updateTable('warehouse_syncs')
      .set({
        lease_until: new Date(now.getTime() + leaseMs).toISOString(),
        ...(progress.recordsTotal !== undefined && { records_total: progress.recordsTotal }),
        ...(progress.recordsDone !== undefined && { records_done: progress.recordsDone }),
        ...(progress.rowsLoaded !== undefined && { rows_loaded: progress.rowsLoaded }),
      })
      .where('id', '=', id)
      .where('lease_owner', '=', owner)
      .where('status', '=', 'running')
      .executeTakeFirst()
    return Number(result.numUpdatedRows) === 1
  }

  /** Ends a sync `owner` holds; false when it no longer holds it. */
  async finish(
    id: string,
    owner: string,
    outcome: { status: 'success' | 'partial' | 'failure'; error?: WarehouseSyncNotice },
  ): Promise<boolean> {
    const result = await this.ctx.db
      .updateTable('warehouse_syncs')
      .set({
        status: outcome.status,
        error: outcome.error ? JSON.stringify(outcome.error) : null,
        finished_at: nowIso(this.ctx),
        lease_owner: null,
        lease_until: null,
      })
      .where('id', '=', id)
      .where('lease_owner', '=', owner)
      .where('status', '=', 'running')
      .executeTakeFirst()
    return Number(result.numUpdatedRows) === 1
  }

  /**
   * Ends, as failed, every running sync whose lease ran out: the process running it died or lost the
   * database. What it had loaded stays loaded; what it had not is loaded by the next sync. Its
   * source reports that were still running end too. Returns the syncs ended.
   */
  async endInterrupted(error: WarehouseSyncNotice): Promise<string[]> {
    const now = nowIso(this.ctx)
    const stale = await this.ctx.db
      .selectFrom('warehouse_syncs')
      .select('id')
      .where('status', '=', 'running')
      .where('lease_until', '<', now)
      .execute()
    const ended: string[] = []
    for (const { id } of stale) {
      const result = await this.ctx.db
        .updateTable('warehouse_syncs')
        .set({
          status: sql<string>`case when rows_loaded > 0 then 'partial' else 'failure' end`,
          error: JSON.stringify(error),
          finished_at: now,
          lease_owner: null,
          lease_until: null,
        })
        .where('id', '=', id)
        .where('status', '=', 'running')
        .where('lease_until', '<', now)
        .executeTakeFirst()
      if (Number(result.numUpdatedRows) !== 1) continue
      ended.push(id)
      const reports = await this.ctx.db
        .selectFrom('warehouse_sync_reports')
        .selectAll()
        .where('sync_id', '=', id)
        .where('status', '=', 'running')
        .execute()
      for (const report of reports) {
        const rows = Number(report.rows)
        await this.ctx.db
          .updateTable('warehouse_sync_reports')
          .set({
            status: rows > 0 ? 'partial' : 'failure',
            finished_at: now,
            notices: JSON.stringify([...(JSON.parse(report.notices) as WarehouseSyncNotice[]), error]),
          })
          .where('sync_id', '=', id)
          .where('source_id', '=', report.source_id)
          .execute()
      }
    }
    return ended
  }

  /** Deletes syncs (and their reports) that ended before `before`; returns how many. */
  async prune(before: string): Promise<number> {
    const result = await this.ctx.db
      .deleteFrom('warehouse_syncs')
      .where('status', 'in', ['success', 'partial', 'failure'])
      .where('finished_at', '<', before)
      .executeTakeFirst()
    return Number(result.numDeletedRows)
  }

  /** Writes a source's report of a sync (insert or replace). */
  async saveReport(report: WarehouseSyncReport): Promise<void> {
    const values = {
      status: report.status,
      started_at: report.startedAt,
      finished_at: report.finishedAt,
      rows: report.rows,
      tables: JSON.stringify(report.tables),
      notices: JSON.stringify(report.notices),
      preparation_ms: Math.round(report.preparationMs),
      loading_ms: Math.round(report.loadingMs),
    }
    await this.ctx.db
      .insertInto('warehouse_sync_reports')
      .values({
        sync_id: report.syncId,
        source_id: report.sourceId,
        workspace_id: report.workspaceId,
        warehouse_id: report.warehouseId,
        ...values,
      })
      .onConflict((oc) => oc.columns(['sync_id', 'source_id']).doUpdateSet(values))
      .execute()
  }

  /** Source reports of the warehouse's syncs (of one source when given), newest first. */
  async listReports(
    workspaceId: string,
    warehouseId: string,
    filter: { sourceId?: string; syncId?: string },
    page: Page,
  ): Promise<PageResult<WarehouseSyncReport>> {
    let query = this.ctx.db
      .selectFrom('warehouse_sync_reports')
      .where('workspace_id', '=', workspaceId)
      .where('warehouse_id', '=', warehouseId)
    if (filter.sourceId !== undefined) query = query.where('source_id', '=', filter.sourceId)
    if (filter.syncId !== undefined) query = query.where('sync_id', '=', filter.syncId)
    const rows = await query
      .selectAll()
      .orderBy('started_at', 'desc')
      .orderBy('sync_id', 'desc')
      .orderBy('source_id')
      .limit(page.limit)
      .offset(page.offset)
      .execute()
    return { items: rows.map(reportFromRow), total: await countRows(query) }
  }

  /** The stretch of staging a sync of the warehouse was loading and did not finish, if any. */
  async pendingChunk(warehouseId: string): Promise<WarehouseSyncChunk | undefined> {
    const row = await this.ctx.db
      .selectFrom('warehouse_sync_chunks')
      .selectAll()
      .where('warehouse_id', '=', warehouseId)
      .executeTakeFirst()
    return row && { after: Number(row.after_offset), through: Number(row.through_offset) }
  }

  /** Notes the stretch a sync is about to load (before it loads anything of it). */
  async startChunk(warehouseId: string, chunk: WarehouseSyncChunk): Promise<void> {
    const values = { after_offset: chunk.after, through_offset: chunk.through, created_at: nowIso(this.ctx) }
    await this.ctx.db
      .insertInto('warehouse_sync_chunks')
      .values({ warehouse_id: warehouseId, ...values })
      .onConflict((oc) => oc.column('warehouse_id').doUpdateSet(values))
      .execute()
  }

  /** Forgets the stretch once its records are loaded and the stream position is committed. */
  async endChunk(warehouseId: string): Promise<void> {
    await this.ctx.db.deleteFrom('warehouse_sync_chunks').where('warehouse_id', '=', warehouseId).execute()
  }
}

const parseNotice = (text: string | null): WarehouseSyncNotice | null =>
  text === null ? null : (JSON.parse(text) as WarehouseSyncNotice)

function fromRow(r: Row<WarehouseSyncsTable>): WarehouseSync {
  return {
    id: r.id,
    workspaceId: r.workspace_id,
    warehouseId: r.warehouse_id,
    trigger: r.trigger as WarehouseSyncTrigger,
    status: r.status as WarehouseSyncStatus,
    requestedBy: r.requested_by,
    createdAt: toIso(r.created_at),
    startedAt: toIsoOrNull(r.started_at),
    finishedAt: toIsoOrNull(r.finished_at),
    recordsTotal: Number(r.records_total),
    recordsDone: Number(r.records_done),
    rowsLoaded: Number(r.rows_loaded),
    error: parseNotice(r.error),
  }
}

function reportFromRow(r: Row<ControlPlaneDatabase['warehouse_sync_reports']>): WarehouseSyncReport {
  return {
    syncId: r.sync_id,
    sourceId: r.source_id,
    workspaceId: r.workspace_id,
    warehouseId: r.warehouse_id,
    status: r.status as WarehouseSyncStatus,
    startedAt: toIso(r.started_at),
    finishedAt: toIsoOrNull(r.finished_at),
    rows: Number(r.rows),
    tables: JSON.parse(r.tables) as Record<string, number>,
    notices: JSON.parse(r.notices) as WarehouseSyncNotice[],
    preparationMs: Number(r.preparation_ms),
    loadingMs: Number(r.loading_ms),
  }
}
