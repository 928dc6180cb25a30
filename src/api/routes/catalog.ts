import type { FastifyPluginAsync, FastifyRequest } from 'fastify'
import { SwitchyardError } from '../../errors/index.ts'
import { SOURCE_CATALOG, findSourceMetadata, type SourceMetadata } from '../../spec/index.ts'
import { paginationOutput, readPagination } from '../pagination.ts'

interface WithLogos {
  readonly logos: { default: string; mark?: string | null; alt?: string | null }
}

/** Catalog metadata (source, destination, warehouse) with logo URLs made absolute for the host the client called. */
export function withAbsoluteLogos<T extends WithLogos>(metadata: T, request: FastifyRequest) {
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

/** Segment's `SourceMetadataV1`, with logo URLs made absolute. */
export const sourceMetadataV1 = (metadata: SourceMetadata, request: FastifyRequest): SourceMetadata =>
  withAbsoluteLogos(metadata, request)

/** The catalogs of what can be created. Sources now; destinations and warehouses join with their features. */
export const catalogRoutes: FastifyPluginAsync = async (app) => {
  app.get(
    '/catalog/sources',
    { config: { operation: 'getSourcesCatalog', permission: 'catalog:read' } },
    async (request) => {
      const page = readPagination(request.query)
      return {
        data: {
          sourcesCatalog: SOURCE_CATALOG.slice(page.offset, page.offset + page.count).map((m) =>
            sourceMetadataV1(m, request),
          ),
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
          'SY_RESOURCE_NOT_FOUND',
          `No source type with id ${request.params.sourceMetadataId}`,
          {
            field: 'sourceMetadataId',
          },
        )
      }
      return { data: { sourceMetadata: sourceMetadataV1(metadata, request) } }
    },
  )
}
