import type { FastifyPluginAsync, FastifyRequest } from 'fastify'
import { SwitchyardError } from '../../errors/index.ts'
import { WAREHOUSE_CATALOG, findWarehouseEntry, type WarehouseMetadata } from '../../warehouses/index.ts'
import { paginationOutput, readPagination } from '../pagination.ts'

/** Segment's `WarehouseMetadataV1`, with logo URLs made absolute for the host the client called. */
export function warehouseMetadataV1(metadata: Readonly<WarehouseMetadata>, request: FastifyRequest) {
  const origin = `${request.protocol}://${request.host}`
  const absolute = (path: string | null | undefined) => (path ? new URL(path, origin).toString() : null)
  return {
    ...metadata,
    logos: {
      default: absolute(metadata.logos.default) ?? '',
      mark: absolute(metadata.logos.mark),
      alt: absolute(metadata.logos.alt),
    },
  }
}

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
