import type { FastifyPluginAsync, FastifyRequest } from 'fastify'
import {
  destinationCatalog,
  findDestinationEntry,
  type DestinationMetadata,
} from '../../destinations/index.ts'
import { SwitchyardError } from '../../errors/index.ts'
import { paginationOutput, readPagination } from '../pagination.ts'
import { withAbsoluteLogos } from './catalog.ts'

/** Segment's `DestinationMetadataV1`, with logo URLs made absolute for the host the client called. */
export const destinationMetadataV1 = (metadata: DestinationMetadata, request: FastifyRequest) =>
  withAbsoluteLogos(metadata, request)

/** The destination catalog: Segment's `getDestinationsCatalog` and `getDestinationMetadata`. */
export const destinationCatalogRoutes: FastifyPluginAsync = async (app) => {
  app.get(
    '/catalog/destinations',
    { config: { operation: 'getDestinationsCatalog', permission: 'catalog:read' } },
    async (request) => {
      const page = readPagination(request.query)
      const catalog = destinationCatalog()
      return {
        data: {
          destinationsCatalog: catalog
            .slice(page.offset, page.offset + page.count)
            .map((e) => destinationMetadataV1(e.metadata, request)),
          pagination: paginationOutput(page, catalog.length),
        },
      }
    },
  )

  app.get<{ Params: { destinationMetadataId: string } }>(
    '/catalog/destinations/:destinationMetadataId',
    { config: { operation: 'getDestinationMetadata', permission: 'catalog:read' } },
    async (request) => {
      const entry = findDestinationEntry(request.params.destinationMetadataId)
      if (!entry) {
        throw new SwitchyardError(
          'SY_RESOURCE_NOT_FOUND',
          `No destination type with id ${request.params.destinationMetadataId}`,
          { field: 'destinationMetadataId' },
        )
      }
      return { data: { destinationMetadata: destinationMetadataV1(entry.metadata, request) } }
    },
  )
}
