import type { FastifyPluginAsync, FastifyRequest } from 'fastify'
import { SwitchyardError } from '../../errors/index.ts'
import { WAREHOUSE_CATALOG, findWarehouseEntry, type WarehouseMetadata } from '../../warehouses/index.ts'
import { paginationOutput, readPagination } from '../pagination.ts'
import { withAbsoluteLogos } from './catalog.ts'

/** Segment's `WarehouseMetadataV1`, with logo URLs made absolute for the host the client called. */
export const warehouseMetadataV1 = (metadata: Readonly<WarehouseMetadata>, request: FastifyRequest) =>
  withAbsoluteLogos(metadata, request)

export const warehouseTypeNotFound = (id: string, field = 'warehouseMetadataId') =>
  new SwitchyardError(
    'SY_RESOURCE_NOT_FOUND',
    `No warehouse type with id ${id} (see GET /catalog/warehouses: ${WAREHOUSE_CATALOG.map((e) => `${e.metadata.id} for ${e.metadata.name}`).join(', ')})`,
    { field },
  )

/** The warehouse catalog: Segment's `getWarehousesCatalog` and `getWarehouseMetadata`. */
export const warehouseCatalogRoutes: FastifyPluginAsync = async (app) => {
  app.get(
    '/catalog/warehouses',
    { config: { operation: 'getWarehousesCatalog', permission: 'catalog:read' } },
    async (request) => {
      const page = readPagination(request.query)
      return {
        data: {
          warehousesCatalog: WAREHOUSE_CATALOG.slice(page.offset, page.offset + page.count).map((e) =>
            warehouseMetadataV1(e.metadata, request),
          ),
          pagination: paginationOutput(page, WAREHOUSE_CATALOG.length),
        },
      }
    },
  )

  app.get<{ Params: { warehouseMetadataId: string } }>(
    '/catalog/warehouses/:warehouseMetadataId',
    { config: { operation: 'getWarehouseMetadata', permission: 'catalog:read' } },
    async (request) => {
      const entry = findWarehouseEntry(request.params.warehouseMetadataId)
      if (!entry) throw warehouseTypeNotFound(request.params.warehouseMetadataId)
      return { data: { warehouseMetadata: warehouseMetadataV1(entry.metadata, request) } }
    },
  )
}
