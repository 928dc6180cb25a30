import { isDeepStrictEqual } from 'node:util'
import type { FastifyPluginAsync, FastifyRequest } from 'fastify'
import { SwitchyardError } from '../../errors/index.ts'
import { findSourceMetadata, type SourceMetadata } from '../../spec/index.ts'
import { sourceNotFound, type Source } from '../../store/index.ts'
import { canReadSource, listWithin } from '../access.ts'
import { recordChange } from '../audit.ts'
import { sourceMetadataV1 } from './catalog.ts'
import type { ApiContext } from '../context.ts'
import { paginationOutput, readPagination } from '../pagination.ts'
import { checkName, checkSlug } from '../rules.ts'

/** Segment's `SourceV1`. */
export function sourceV1(source: Source, request: FastifyRequest) {
  return {
    id: source.id,
    slug: source.slug,
    name: source.name,
    workspaceId: source.workspaceId,
    enabled: source.enabled,
    writeKeys: source.writeKeys,
    settings: source.settings,
    labels: source.labels,
    metadata: sourceMetadataV1(
      findSourceMetadata(source.metadataId) ?? unknownMetadata(source.metadataId),
      request,
    ),
  }
}

const unknownMetadata = (id: string): SourceMetadata => ({
  id,
  name: 'Unknown source type',
  slug: 'unknown',
  description: 'This source type is no longer in the catalog.',
  logos: { default: '' },
  options: [],
  categories: [],
  isCloudEventSource: false,
})

const settingsSchema = { type: 'object', additionalProperties: true } as const

const createBody = {
  type: 'object',
  required: ['slug', 'enabled', 'metadataId'],
  properties: {
    slug: { type: 'string' },
    name: { type: 'string' },
    enabled: { type: 'boolean' },
    metadataId: { type: 'string' },
    settings: settingsSchema,
  },
} as const

const updateBody = {
  type: 'object',
  properties: {
    slug: { type: 'string' },
    name: { type: 'string' },
    enabled: { type: 'boolean' },
    settings: settingsSchema,
  },
} as const

interface CreateBody {
  slug: string
  name?: string
  enabled: boolean
  metadataId: string
  settings?: Record<string, unknown>
}
type UpdateBody = Partial<Omit<CreateBody, 'metadataId'>>
interface SourceParams {
  sourceId: string
}

const resourceOf = (s: Source) => ({ type: 'source', id: s.id, name: s.name })

/** Sources: Segment's `SourcesApi` operations. Every change is audited in its own transaction. */
export const sourceRoutes: FastifyPluginAsync<ApiContext> = async (app, { store }) => {
  app.get(
    '/sources',
    { config: { operation: 'listSources', permission: 'source:read' } },
    async (request) => {
      const page = readPagination(request.query)
      const { principal } = request
      // A principal granted some sources only (by id or label) sees those.
      const { items, total } = await listWithin(
        principal,
        'source:read',
        page,
        (p) => store.sources.list(principal.workspaceId, p),
        (s) => canReadSource(principal, s),
      )
      return {
        data: { sources: items.map((s) => sourceV1(s, request)), pagination: paginationOutput(page, total) },
      }
    },
  )

  app.get<{ Params: SourceParams }>(
    '/sources/:sourceId',
    { config: { operation: 'getSource', permission: 'source:read' } },
    async (request) => {
      const source = await store.sources.get(request.principal.workspaceId, request.params.sourceId)
      if (!source) throw sourceNotFound(request.params.sourceId)
      // Segment names the source's tracking plan here; tracking plans arrive with Protocols.
      return { data: { source: sourceV1(source, request), trackingPlanId: null } }
    },
  )

  app.post<{ Body: CreateBody }>(
    '/sources',
    {
      schema: { body: createBody },
      config: { operation: 'createSource', permission: 'source:write', wholeWorkspace: true },
    },
    async (request, reply) => {
      const body = request.body
      const slug = checkSlug(body.slug)
      const name = body.name === undefined ? slug : checkName(body.name)
      if (!findSourceMetadata(body.metadataId)) {
        throw new SwitchyardError(
          'SY_API_VALIDATION',
          `metadataId "${body.metadataId}" is not a source type in the catalog (see GET /catalog/sources)`,
          { field: 'metadataId' },
        )
      }
      const source = await store.transaction(async (tx) => {
        const created = await tx.sources.create({
          workspaceId: request.principal.workspaceId,
          slug,
          name,
          enabled: body.enabled,
          metadataId: body.metadataId,
          settings: body.settings ?? {},
        })
        // As on Segment, a new source syncs to every warehouse of the workspace until it is unticked.
        await tx.warehouses.connectToEveryWarehouse(created.workspaceId, created.id)
        await recordChange(tx, request.principal, {
          type: 'Source Created',
          resource: resourceOf(created),
          before: null,
          after: created,
        })
        return created
      })
      return reply.code(201).send({ data: { source: sourceV1(source, request) } })
    },
  )

  app.patch<{ Params: SourceParams; Body: UpdateBody }>(
    '/sources/:sourceId',
    { schema: { body: updateBody }, config: { operation: 'updateSource', permission: 'source:write' } },
    async (request) => {
      const { workspaceId } = request.principal
      const body = request.body ?? {}
      const patch = {
        ...(body.slug !== undefined && { slug: checkSlug(body.slug) }),
        ...(body.name !== undefined && { name: checkName(body.name) }),
        ...(body.enabled !== undefined && { enabled: body.enabled }),
        ...(body.settings !== undefined && { settings: body.settings }),
      }
      const source = await store.transaction(async (tx) => {
        const before = await tx.sources.get(workspaceId, request.params.sourceId)
        if (!before) throw sourceNotFound(request.params.sourceId)
        const after = (await tx.sources.update(workspaceId, before.id, patch))!
        for (const type of auditTypesForUpdate(before, after)) {
          await recordChange(tx, request.principal, { type, resource: resourceOf(after), before, after })
        }
        return after
      })
      return { data: { source: sourceV1(source, request) } }
    },
  )

  app.delete<{ Params: SourceParams }>(
    '/sources/:sourceId',
    { config: { operation: 'deleteSource', permission: 'source:write' } },
    async (request) => {
      const { workspaceId } = request.principal
      await store.transaction(async (tx) => {
        const before = await tx.sources.get(workspaceId, request.params.sourceId)
        if (!before) throw sourceNotFound(request.params.sourceId)
        await tx.sources.delete(workspaceId, before.id)
        await recordChange(tx, request.principal, {
          type: 'Source Deleted',
          resource: resourceOf(before),
          before,
          after: null,
        })
      })
      return { data: { status: 'SUCCESS' } }
    },
  )

  app.post<{ Params: SourceParams }>(
    '/sources/:sourceId/writekey',
    { config: { operation: 'createWriteKeyForSource', permission: 'source:write', versions: ['v1alpha'] } },
    async (request) => {
      const { workspaceId } = request.principal
      const source = await store.transaction(async (tx) => {
        const before = await tx.sources.get(workspaceId, request.params.sourceId)
        if (!before) throw sourceNotFound(request.params.sourceId)
        await tx.sources.addWriteKey(workspaceId, before.id)
        const after = (await tx.sources.get(workspaceId, before.id))!
        await recordChange(tx, request.principal, {
          type: 'Source Write Key Created',
          resource: resourceOf(after),
          before,
          after,
        })
        return after
      })
      return { data: { source: sourceV1(source, request) } }
    },
  )

  app.delete<{ Params: SourceParams & { writeKey: string } }>(
    '/sources/:sourceId/writekey/:writeKey',
    { config: { operation: 'removeWriteKeyFromSource', permission: 'source:write', versions: ['v1alpha'] } },
    async (request) => {
      const { workspaceId } = request.principal
      const { sourceId, writeKey } = request.params
      await store.transaction(async (tx) => {
        const before = await tx.sources.get(workspaceId, sourceId)
        if (!before) throw sourceNotFound(sourceId)
        await tx.sources.removeWriteKey(workspaceId, sourceId, writeKey)
        const after = (await tx.sources.get(workspaceId, sourceId))!
        await recordChange(tx, request.principal, {
          type: 'Source Write Key Removed',
          resource: resourceOf(after),
          before,
          after,
        })
      })
      return { data: { status: 'SUCCESS' } }
    },
  )
}

/**
 * Segment's audit vocabulary for a source update: Enabled/Disabled when the switch flips,
 * Settings Modified when settings change, Modified for name or slug. One update may record several.
 */
export function auditTypesForUpdate(before: Source, after: Source): string[] {
  const types: string[] = []
  if (before.enabled !== after.enabled) types.push(after.enabled ? 'Source Enabled' : 'Source Disabled')
  if (!isDeepStrictEqual(before.settings, after.settings)) types.push('Source Settings Modified')
  if (before.name !== after.name || before.slug !== after.slug) types.push('Source Modified')
  return types
}
