import type { FastifyPluginAsync } from 'fastify'
import { SwitchyardError } from '../../errors/index.ts'
import { sourceNotFound, warehouseNotFound, type Source, type Warehouse } from '../../store/index.ts'
import { canReadSource } from '../access.ts'
import { recordChange } from '../audit.ts'
import { isGrantedOn } from '../principal.ts'
import type { ApiContext } from '../context.ts'
import { paginationOutput, readPagination } from '../pagination.ts'
import { sourceV1 } from './sources.ts'
import { requireAlso, warehouseResource, warehouseV1 } from './warehouses.ts'

interface ConnectionParams {
  warehouseId: string
  sourceId: string
}

/**
 * Which sources load into which warehouse: Segment's connection operations of `WarehousesApi` and
 * `listConnectedWarehousesFromSource`. Connecting needs rights on both sides (Warehouse Admin and
 * Source Admin in Segment's terms); changes are audited on the warehouse.
 */
export const warehouseConnectionRoutes: FastifyPluginAsync<ApiContext> = async (app, { store }) => {
  app.post<{ Params: ConnectionParams }>(
    '/warehouses/:warehouseId/connected-sources/:sourceId',
    {
      config: {
        operation: 'addConnectionFromSourceToWarehouse',
        permission: 'warehouse:write',
      },
    },
    async (request, reply) => {
      requireAlso(request.principal, 'source:write', 'addConnectionFromSourceToWarehouse')
      const { workspaceId } = request.principal
      const { warehouseId, sourceId } = request.params
      await store.transaction(async (tx) => {
        const warehouse = await tx.warehouses.get(workspaceId, warehouseId)
        if (!warehouse) throw warehouseNotFound(warehouseId)
        const source = await tx.sources.get(workspaceId, sourceId)
        if (!source) throw sourceNotFound(sourceId)
        if ((await tx.warehouses.connectedSourceIds(workspaceId, warehouseId)).includes(sourceId)) return
        await tx.warehouses.connectSource(workspaceId, warehouseId, sourceId)
        await recordChange(tx, request.principal, {
          type: 'Storage Destination Source Connected',
          resource: warehouseResource(warehouse),
          before: null,
          after: { warehouseId, sourceId, sourceSlug: source.slug },
        })
      })
      return reply.code(201).send({ data: { status: 'CONNECTED' } })
    },
  )

  app.delete<{ Params: ConnectionParams }>(
    '/warehouses/:warehouseId/connected-sources/:sourceId',
    {
      config: {
        operation: 'removeSourceConnectionFromWarehouse',
        permission: 'warehouse:write',
      },
    },
    async (request) => {
      requireAlso(request.principal, 'source:write', 'removeSourceConnectionFromWarehouse')
      const { workspaceId } = request.principal
      const { warehouseId, sourceId } = request.params
      await store.transaction(async (tx) => {
        const warehouse = await tx.warehouses.get(workspaceId, warehouseId)
        if (!warehouse) throw warehouseNotFound(warehouseId)
        if (!(await tx.warehouses.disconnectSource(workspaceId, warehouseId, sourceId))) {
          throw new SwitchyardError(
            'SY_RESOURCE_NOT_FOUND',
            `Source ${sourceId} is not connected to the warehouse ${warehouseId}`,
            { field: 'sourceId' },
          )
        }
        await recordChange(tx, request.principal, {
          type: 'Storage Destination Source Disconnected',
          resource: warehouseResource(warehouse),
          before: { warehouseId, sourceId },
          after: null,
        })
      })
      return { data: { status: 'SUCCESS' } }
    },
  )

  app.get<{ Params: { warehouseId: string } }>(
    '/warehouses/:warehouseId/connected-sources',
    { config: { operation: 'listConnectedSourcesFromWarehouse', permission: 'warehouse:read' } },
    async (request) => {
      requireAlso(request.principal, 'source:read', 'listConnectedSourcesFromWarehouse')
      const { workspaceId } = request.principal
      const page = readPagination(request.query)
      if (!(await store.warehouses.get(workspaceId, request.params.warehouseId)))
        throw warehouseNotFound(request.params.warehouseId)
      // A principal scoped to some sources sees only those among the connected ones.
      const ids = await store.warehouses.connectedSourceIds(workspaceId, request.params.warehouseId)
      const visible = (await Promise.all(ids.map((id) => store.sources.get(workspaceId, id)))).filter(
        (s): s is Source => s !== undefined && canReadSource(request.principal, s),
      )
      return {
        data: {
          sources: visible.slice(page.offset, page.offset + page.count).map((s) => sourceV1(s, request)),
          pagination: paginationOutput(page, visible.length),
        },
      }
    },
  )

  app.get<{ Params: { sourceId: string } }>(
    '/sources/:sourceId/connected-warehouses',
    { config: { operation: 'listConnectedWarehousesFromSource', permission: 'source:read' } },
    async (request) => {
      requireAlso(request.principal, 'warehouse:read', 'listConnectedWarehousesFromSource')
      const { workspaceId } = request.principal
      const page = readPagination(request.query)
      if (!(await store.sources.get(workspaceId, request.params.sourceId)))
        throw sourceNotFound(request.params.sourceId)
      // A principal scoped to some warehouses sees only those among the connected ones.
      const ids = (await store.warehouses.connectedWarehouseIds(workspaceId, request.params.sourceId)).filter(
        (id) => isGrantedOn(request.principal, 'warehouse:read', { type: 'WAREHOUSE', id }),
      )
      const warehouses = await Promise.all(
        ids.slice(page.offset, page.offset + page.count).map((id) => store.warehouses.get(workspaceId, id)),
      )
      return {
        data: {
          warehouses: warehouses
            .filter((w): w is Warehouse => w !== undefined)
            .map((w) => warehouseV1(w, request)),
          pagination: paginationOutput(page, ids.length),
        },
      }
    },
  )
}
