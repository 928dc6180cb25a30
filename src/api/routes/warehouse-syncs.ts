import type { FastifyPluginAsync } from 'fastify'
import { SwitchyardError } from '../../errors/index.ts'
import {
  warehouseNotFound,
  type AdvancedSyncSchedule,
  type SelectiveSyncOverride,
  type Warehouse,
  type WarehouseSync,
  type WarehouseSyncReport,
} from '../../store/index.ts'
import {
  checkAdvancedSchedule,
  checkOverrides,
  humanDuration,
  nextSlot,
  selectiveSyncItems,
  syncScheduleOf,
} from '../../warehouses/index.ts'
import { recordChange } from '../audit.ts'
import type { ApiContext } from '../context.ts'
import { paginationOutput, readPagination } from '../pagination.ts'
import { requireAlso, warehouseResource } from './warehouses.ts'

interface WarehouseParams {
  warehouseId: string
}
interface SourceParams extends WarehouseParams {
  sourceId: string
}

/**
 * Segment's `SyncV1` for one source's part of a sync, plus what Switchyard adds: the sync's id and
 * trigger, rows per table, and the preparation and loading time.
 */
function syncV1(report: WarehouseSyncReport, sync?: WarehouseSync) {
  const end = report.finishedAt
  const durationMs = (end ? Date.parse(end) : Date.now()) - Date.parse(report.startedAt)
  return {
    sourceId: report.sourceId,
    start: report.startedAt,
    end,
    status: report.status,
    duration: Math.round(durationMs / 100) / 10,
    humanDuration: humanDuration(durationMs),
    count: report.rows,
    notices: report.notices,
    syncId: report.syncId,
    ...(sync && { trigger: sync.trigger }),
    tables: report.tables,
    preparationDuration: report.preparationMs / 1000,
    loadingDuration: report.loadingMs / 1000,
  }
}

/** A sync run as a whole: Switchyard's own shape (Segment's API lists only per-source reports). */
function syncRunV1(sync: WarehouseSync) {
  return {
    id: sync.id,
    warehouseId: sync.warehouseId,
    trigger: sync.trigger,
    status: sync.status,
    requestedBy: sync.requestedBy,
    createdAt: sync.createdAt,
    startedAt: sync.startedAt,
    finishedAt: sync.finishedAt,
    progress: { recordsTotal: sync.recordsTotal, recordsDone: sync.recordsDone, rowsLoaded: sync.rowsLoaded },
    error: sync.error,
  }
}

const overridesBody = {
  type: 'object',
  required: ['syncOverrides'],
  properties: {
    syncOverrides: {
      type: 'array',
      maxItems: 5000,
      items: {
        type: 'object',
        required: ['sourceId', 'enabled'],
        properties: {
          sourceId: { type: 'string', minLength: 1 },
          collection: { type: 'string', minLength: 1, maxLength: 127 },
          property: { type: 'string', minLength: 1, maxLength: 127 },
          enabled: { type: 'boolean' },
        },
      },
    },
  },
} as const

const scheduleBody = {
  type: 'object',
  required: ['enabled'],
  properties: {
    enabled: { type: 'boolean' },
    schedule: {
      type: 'object',
      required: ['times', 'timezone'],
      properties: {
        timezone: { type: 'string' },
        times: {
          type: 'array',
          maxItems: 24,
          items: {
            type: 'object',
            required: ['hourOfDay', 'enabled'],
            properties: { hourOfDay: { type: 'integer' }, enabled: { type: 'boolean' } },
          },
        },
      },
    },
  },
} as const

/**
 * Sync history, syncs on demand, Selective Sync and the advanced sync schedule: Segment's
 * `SelectiveSyncApi`, plus `POST /warehouses/{id}/syncs` and `GET /warehouses/{id}/syncs/{syncId}`
 * (Switchyard's additions: Segment has no way to ask for a sync).
 */
export const warehouseSyncRoutes: FastifyPluginAsync<ApiContext> = async (
  app,
  { store, onWarehouseSyncRequested },
) => {
  const warehouseOr404 = async (workspaceId: string, warehouseId: string): Promise<Warehouse> => {
    const warehouse = await store.warehouses.get(workspaceId, warehouseId)
    if (!warehouse) throw warehouseNotFound(warehouseId)
    return warehouse
  }
  const connectedOr404 = async (warehouse: Warehouse, sourceId: string) => {
    const connected = await store.warehouses.connectedSourceIds(warehouse.workspaceId, warehouse.id)
    const reported = await store.warehouseSyncs.listReports(
      warehouse.workspaceId,
      warehouse.id,
      { sourceId },
      { offset: 0, limit: 1 },
    )
    if (!connected.includes(sourceId) && reported.total === 0)
      throw new SwitchyardError(
        'SY_RESOURCE_NOT_FOUND',
        `Source ${sourceId} is not connected to the warehouse ${warehouse.id}`,
        { field: 'sourceId' },
      )
  }

  app.get<{ Params: WarehouseParams }>(
    '/warehouses/:warehouseId/syncs',
    { config: { operation: 'listSyncsFromWarehouse', permission: 'warehouse:read' } },
    async (request) => {
      const warehouse = await warehouseOr404(request.principal.workspaceId, request.params.warehouseId)
      const page = readPagination(request.query)
      const { items, total } = await store.warehouseSyncs.listReports(
        warehouse.workspaceId,
        warehouse.id,
        {},
        { offset: page.offset, limit: page.count },
      )
      return { data: { reports: items.map((r) => syncV1(r)), pagination: paginationOutput(page, total) } }
    },
  )

  app.get<{ Params: SourceParams }>(
    '/warehouses/:warehouseId/connected-sources/:sourceId/syncs',
    { config: { operation: 'listSyncsFromWarehouseAndSource', permission: 'warehouse:read' } },
    async (request) => {
      const warehouse = await warehouseOr404(request.principal.workspaceId, request.params.warehouseId)
      await connectedOr404(warehouse, request.params.sourceId)
      const page = readPagination(request.query)
      const { items, total } = await store.warehouseSyncs.listReports(
        warehouse.workspaceId,
        warehouse.id,
        { sourceId: request.params.sourceId },
        { offset: page.offset, limit: page.count },
      )
      return { data: { reports: items.map((r) => syncV1(r)), pagination: paginationOutput(page, total) } }
    },
  )

  app.post<{ Params: WarehouseParams }>(
    '/warehouses/:warehouseId/syncs',
    { config: { operation: 'createWarehouseSync', permission: 'warehouse:write' } },
    async (request, reply) => {
      const warehouse = await warehouseOr404(request.principal.workspaceId, request.params.warehouseId)
      const { sync, created } = await store.warehouseSyncs.request({
        workspaceId: warehouse.workspaceId,
        warehouseId: warehouse.id,
        trigger: 'manual',
        requestedBy: request.principal.id,
      })
      if (created) onWarehouseSyncRequested?.()
      // 201 for a new sync; 200 with the sync already waiting or running, which this request joins.
      return reply.code(created ? 201 : 200).send({ data: { sync: syncRunV1(sync), created } })
    },
  )

  app.get<{ Params: WarehouseParams & { syncId: string } }>(
    '/warehouses/:warehouseId/syncs/:syncId',
    { config: { operation: 'getWarehouseSync', permission: 'warehouse:read' } },
    async (request) => {
      const warehouse = await warehouseOr404(request.principal.workspaceId, request.params.warehouseId)
      const sync = await store.warehouseSyncs.get(warehouse.workspaceId, request.params.syncId)
      if (!sync || sync.warehouseId !== warehouse.id)
        throw new SwitchyardError(
          'SY_RESOURCE_NOT_FOUND',
          `No sync ${request.params.syncId} of this warehouse`,
          {
            field: 'syncId',
          },
        )
      const reports = await store.warehouseSyncs.listReports(
        warehouse.workspaceId,
        warehouse.id,
        { syncId: sync.id },
        { offset: 0, limit: 10_000 },
      )
      return { data: { sync: syncRunV1(sync), reports: reports.items.map((r) => syncV1(r, sync)) } }
    },
  )

  app.get<{ Params: SourceParams }>(
    '/warehouses/:warehouseId/connected-sources/:sourceId/selective-syncs',
    { config: { operation: 'listSelectiveSyncsFromWarehouseAndSource', permission: 'warehouse:read' } },
    async (request) => {
      const warehouse = await warehouseOr404(request.principal.workspaceId, request.params.warehouseId)
      const { sourceId } = request.params
      await connectedOr404(warehouse, sourceId)
      const page = readPagination(request.query)
      const items = selectiveSyncItems(
        warehouse.id,
        sourceId,
        await store.warehouseSchemas.recorded(warehouse.id, sourceId),
        await store.warehouseSchemas.overrides(warehouse.id, sourceId),
      )
      return {
        data: {
          items: items.slice(page.offset, page.offset + page.count),
          pagination: paginationOutput(page, items.length),
        },
      }
    },
  )

  app.patch<{ Params: WarehouseParams; Body: { syncOverrides: SelectiveSyncOverride[] } }>(
    '/warehouses/:warehouseId/selective-sync',
    {
      schema: { body: overridesBody },
      config: { operation: 'updateSelectiveSyncForWarehouse', permission: 'warehouse:write' },
    },
    async (request) => {
      requireAlso(request.principal, 'source:write', 'updateSelectiveSyncForWarehouse')
      const warehouse = await warehouseOr404(request.principal.workspaceId, request.params.warehouseId)
      const overrides = request.body.syncOverrides.map((o) => ({
        sourceId: o.sourceId,
        ...(o.collection !== undefined && { collection: o.collection }),
        ...(o.property !== undefined && { property: o.property }),
        enabled: o.enabled,
      }))
      const connected = new Set(
        await store.warehouses.connectedSourceIds(warehouse.workspaceId, warehouse.id),
      )
      const errors = checkOverrides(overrides, connected)
      if (errors.length > 0)
        throw new SwitchyardError(
          'SY_API_VALIDATION',
          errors.map((e) => `${e.field} ${e.message}`).join('; '),
          {
            field: errors[0]!.field,
            data: { errors },
          },
        )
      await store.transaction(async (tx) => {
        const before = await tx.warehouseSchemas.overrides(warehouse.id)
        await tx.warehouseSchemas.setOverrides(warehouse.workspaceId, warehouse.id, overrides)
        await recordChange(tx, request.principal, {
          type: 'Storage Destination Modified',
          resource: warehouseResource(warehouse),
          before: { selectiveSync: before },
          after: { selectiveSync: await tx.warehouseSchemas.overrides(warehouse.id) },
        })
      })
      // Turning a collection or property back on does not backfill, as on Segment: say so.
      const warnings = overrides.some((o) => o.enabled)
        ? [
            'Items turned back on receive new data from the next sync; data sent while they were off is not loaded.',
          ]
        : []
      return { data: { status: 'SUCCESS', warnings } }
    },
  )

  app.get<{ Params: WarehouseParams }>(
    '/warehouses/:warehouseId/advanced-sync-schedule',
    { config: { operation: 'getAdvancedSyncScheduleFromWarehouse', permission: 'warehouse:read' } },
    async (request) => {
      const warehouse = await warehouseOr404(request.principal.workspaceId, request.params.warehouseId)
      return { data: scheduleV1(warehouse) }
    },
  )

  app.put<{ Params: WarehouseParams; Body: AdvancedSyncSchedule }>(
    '/warehouses/:warehouseId/advanced-sync-schedule',
    {
      schema: { body: scheduleBody },
      config: { operation: 'replaceAdvancedSyncScheduleForWarehouse', permission: 'warehouse:write' },
    },
    async (request) => {
      const errors = checkAdvancedSchedule(request.body)
      if (errors.length > 0)
        throw new SwitchyardError(
          'SY_API_VALIDATION',
          errors.map((e) => `${e.field} ${e.message}`).join('; '),
          {
            field: errors[0]!.field,
            data: { errors },
          },
        )
      const { enabled, schedule } = request.body
      const advancedSchedule: AdvancedSyncSchedule = {
        enabled,
        ...(schedule && { schedule: { times: schedule.times, timezone: schedule.timezone } }),
      }
      const warehouse = await store.transaction(async (tx) => {
        const before = await tx.warehouses.get(request.principal.workspaceId, request.params.warehouseId)
        if (!before) throw warehouseNotFound(request.params.warehouseId)
        const after = (await tx.warehouses.update(before.workspaceId, before.id, { advancedSchedule }))!
        await recordChange(tx, request.principal, {
          type: 'Storage Destination Modified',
          resource: warehouseResource(after),
          before: { advancedSchedule: before.advancedSchedule },
          after: { advancedSchedule },
        })
        return after
      })
      return { data: scheduleV1(warehouse) }
    },
  )
}

/** Segment's advanced schedule output, plus the effective interval and the next scheduled sync. */
function scheduleV1(warehouse: Warehouse) {
  const advanced = warehouse.advancedSchedule
  const schedule = syncScheduleOf(warehouse.settings, advanced)
  return {
    enabled: advanced?.enabled ?? false,
    ...(advanced?.schedule && { schedule: advanced.schedule }),
    intervalMinutes: schedule.intervalMinutes,
    nextSyncAt: warehouse.enabled ? (nextSlot(new Date(), schedule)?.toISOString() ?? null) : null,
  }
}
