import type { FastifyPluginAsync } from 'fastify'
import { SwitchyardError } from '../../errors/index.ts'
import { SOURCE_CATALOG, findSourceMetadata } from '../../spec/index.ts'
import { paginationOutput, readPagination } from '../pagination.ts'

/** The catalogs of what can be created. Sources now; destinations and warehouses join with their features. */
export const catalogRoutes: FastifyPluginAsync = async (app) => {
  app.get(
    '/catalog/sources',
    { config: { operation: 'getSourcesCatalog', permission: 'catalog:read' } },
    async (request) => {
      const page = readPagination(request.query)
      return {
        data: {
          sourcesCatalog: SOURCE_CATALOG.slice(page.offset, page.offset + page.count),
          pagination: paginationOutput(page, SOURCE_CATALOG.length),
        },
      }
    },
  )

  app.get<{ Params: { sourceMetadataId: string } }>(
    '/catalog/sources/:sourceMetadataId',
    { config: { operation: 'getSourceMetadata', permission: 'catalog:read' } },
    async (request) => {
      const metadata = findSourceMetadata(request.params.sourceMetadataId)
      if (!metadata) {
        throw new SwitchyardError(
          'SY_API_NOT_FOUND',
          `No source type with id ${request.params.sourceMetadataId}`,
          {
            field: 'sourceMetadataId',
          },
        )
      }
      return { data: { sourceMetadata: metadata } }
    },
  )
}
