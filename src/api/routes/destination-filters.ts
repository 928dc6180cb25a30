import { isDeepStrictEqual } from 'node:util'
import type { FastifyPluginAsync } from 'fastify'
import {
  checkFilterCount,
  previewFilter,
  validateFilter,
  validateFilterActions,
  validateFilterCondition,
  type DestinationFilterInput,
  type FilterFieldError,
} from '../../destinations/index.ts'
import { SwitchyardError } from '../../errors/index.ts'
import type { Destination, DestinationFilter, Repositories } from '../../store/index.ts'
import { recordChange } from '../audit.ts'
import type { ApiContext } from '../context.ts'
import { paginationOutput, readPagination } from '../pagination.ts'
import { destinationNotFound } from './destinations.ts'

/**
 * Destination filters: Segment's `DestinationFiltersApi`, under its singular
 * `/destination/{destinationId}/filters` paths. A filter is an FQL condition (`if`) and actions
 * (drop, sample, drop or allow properties); src/destinations/filters.ts validates and applies them,
 * docs/destination-filters.md explains them. Changes are audited with the Activity Feed's names:
 * "Destination Filter Created / Modified / Enabled / Disabled / Deleted".
 */

const CREATED = 'Destination Filter Created'
const MODIFIED = 'Destination Filter Modified'
const ENABLED = 'Destination Filter Enabled'
const DISABLED = 'Destination Filter Disabled'
const DELETED = 'Destination Filter Deleted'

/** Segment's `DestinationFilterV1`: the stored `condition` is its `if`. */
export function destinationFilterV1(f: DestinationFilter) {
  return {
    id: f.id,
    sourceId: f.sourceId,
    destinationId: f.destinationId,
    if: f.condition,
    actions: f.actions,
    title: f.title,
    ...(f.description !== null && { description: f.description }),
    enabled: f.enabled,
    createdAt: f.createdAt,
    updatedAt: f.updatedAt,
  }
}

const resourceOf = (f: DestinationFilter) => ({ type: 'destinationFilter', id: f.id, name: f.title })

/** The editable part of a stored filter, as `validateFilter` takes it. */
const inputOf = (f: DestinationFilter): Record<string, unknown> => ({
  title: f.title,
  description: f.description,
  if: f.condition,
  actions: f.actions,
  enabled: f.enabled,
})

/**
 * Refuses a filter with every problem: `field` names the first, `data.errors` lists them all, and
 * `data.position` is the 0-based position of an FQL error in `if`.
 */
function invalidFilter(errors: readonly FilterFieldError[]): SwitchyardError {
  const first = errors[0]
  const position = errors.find((e) => e.position !== undefined)?.position
  return new SwitchyardError(
    'SY_API_VALIDATION',
    errors.map((e) => (e.field === '' ? e.message : `${e.field} ${e.message}`)).join('; '),
    {
      ...(first && first.field !== '' && { field: first.field }),
      data: { ...(position !== undefined && { position }), errors },
    },
  )
}

function checkFilter(input: unknown): DestinationFilterInput {
  const checked = validateFilter(input)
  if (!checked.ok) throw invalidFilter(checked.errors)
  return checked.filter
}

/** Audit names for an update: Enabled/Disabled when the switch flips, Modified for anything else. */
function auditTypes(before: DestinationFilter, after: DestinationFilter): string[] {
  const types: string[] = []
  if (before.enabled !== after.enabled) types.push(after.enabled ? ENABLED : DISABLED)
  const { enabled: _b, updatedAt: _bu, ...restBefore } = before
  const { enabled: _a, updatedAt: _au, ...restAfter } = after
  if (!isDeepStrictEqual(restBefore, restAfter)) types.push(MODIFIED)
  return types
}

async function destinationOf(
  repos: Repositories,
  workspaceId: string,
  destinationId: string,
): Promise<Destination> {
  const destination = await repos.destinations.get(workspaceId, destinationId)
  if (!destination) throw destinationNotFound(destinationId)
  return destination
}

const filterNotFound = (destinationId: string, id: string) =>
  new SwitchyardError('SY_RESOURCE_NOT_FOUND', `Destination ${destinationId} has no filter with id ${id}`, {
    field: 'filterId',
  })

/** The filter, which must belong to the destination, which must belong to the workspace. */
async function filterOf(
  repos: Repositories,
  workspaceId: string,
  destinationId: string,
  filterId: string,
): Promise<DestinationFilter> {
  await destinationOf(repos, workspaceId, destinationId)
  const filter = await repos.destinationFilters.get(workspaceId, destinationId, filterId)
  if (!filter) throw filterNotFound(destinationId, filterId)
  return filter
}

/**
 * Bodies are checked loosely here and field by field by `validateFilter`, whose messages name the
 * rule (`actions.0.percent is required: a number from 0 to 1 …`).
 */
const createBody = {
  type: 'object',
  required: ['sourceId'],
  properties: { sourceId: { type: 'string' } },
} as const
const updateBody = { type: 'object' } as const
const previewBody = {
  type: 'object',
  required: ['filter', 'payload'],
  properties: {
    filter: { type: 'object', required: ['if', 'actions'] },
    payload: { type: 'object' },
  },
} as const

interface CreateBody extends Record<string, unknown> {
  sourceId: string
}
interface PreviewBody {
  filter: { if: unknown; actions: unknown }
  payload: Record<string, unknown>
}
interface DestinationParams {
  destinationId: string
}
interface FilterParams extends DestinationParams {
  filterId: string
}

export const destinationFilterRoutes: FastifyPluginAsync<ApiContext> = async (app, { store }) => {
  app.get<{ Params: DestinationParams }>(
    '/destination/:destinationId/filters',
    { config: { operation: 'listFiltersFromDestination', permission: 'destination:read' } },
    async (request) => {
      const page = readPagination(request.query)
      const { workspaceId } = request.principal
      const destination = await destinationOf(store, workspaceId, request.params.destinationId)
      const all = await store.destinationFilters.list(workspaceId, destination.id)
      return {
        data: {
          filters: all.slice(page.offset, page.offset + page.count).map(destinationFilterV1),
          pagination: paginationOutput(page, all.length),
        },
      }
    },
  )

  app.get<{ Params: FilterParams }>(
    '/destination/:destinationId/filters/:filterId',
    { config: { operation: 'getFilterInDestination', permission: 'destination:read' } },
    async (request) => {
      const { destinationId, filterId } = request.params
      const filter = await filterOf(store, request.principal.workspaceId, destinationId, filterId)
      return { data: { filter: destinationFilterV1(filter) } }
    },
  )

  app.post<{ Params: DestinationParams; Body: CreateBody }>(
    '/destination/:destinationId/filters',
    {
      schema: { body: createBody },
      config: { operation: 'createFilterForDestination', permission: 'destination:write' },
    },
    async (request, reply) => {
      const { workspaceId } = request.principal
      const { sourceId, ...input } = request.body
      const filter = checkFilter(input)
      const created = await store.transaction(async (tx) => {
        const destination = await destinationOf(tx, workspaceId, request.params.destinationId)
        if (sourceId !== destination.sourceId) {
          throw new SwitchyardError(
            'SY_API_VALIDATION',
            `sourceId "${sourceId}" is not the source of destination ${destination.id} (${destination.sourceId}); a filter applies to one source–destination pair`,
            { field: 'sourceId' },
          )
        }
        const existing = await tx.destinationFilters.list(workspaceId, destination.id)
        const tooMany = checkFilterCount(existing.length + 1)
        if (tooMany) {
          throw new SwitchyardError('SY_RESOURCE_INVALID', tooMany.message, { field: tooMany.field })
        }
        const created = await tx.destinationFilters.create({
          workspaceId,
          destinationId: destination.id,
          sourceId: destination.sourceId,
          title: filter.title,
          description: filter.description ?? null,
          condition: filter.if,
          actions: filter.actions,
          enabled: filter.enabled,
        })
        await recordChange(tx, request.principal, {
          type: CREATED,
          resource: resourceOf(created),
          before: null,
          after: destinationFilterV1(created),
        })
        return created
      })
      return reply.code(201).send({ data: { filter: destinationFilterV1(created) } })
    },
  )

  app.patch<{ Params: FilterParams; Body: Record<string, unknown> }>(
    '/destination/:destinationId/filters/:filterId',
    {
      schema: { body: updateBody },
      config: { operation: 'updateFilterForDestination', permission: 'destination:write' },
    },
    async (request) => {
      const { workspaceId } = request.principal
      const { destinationId, filterId } = request.params
      const patch = request.body ?? {}
      const filter = await store.transaction(async (tx) => {
        const before = await filterOf(tx, workspaceId, destinationId, filterId)
        const merged = { ...inputOf(before) }
        for (const key of ['title', 'description', 'if', 'actions', 'enabled']) {
          if (patch[key] !== undefined) merged[key] = patch[key]
        }
        const checked = checkFilter(merged)
        const changes = {
          title: checked.title,
          description: checked.description ?? null,
          condition: checked.if,
          actions: checked.actions,
          enabled: checked.enabled,
        }
        const changed = Object.entries(changes).some(
          ([key, value]) => !isDeepStrictEqual(before[key as keyof typeof changes], value),
        )
        if (!changed) return before
        const after = (await tx.destinationFilters.update(workspaceId, destinationId, filterId, changes))!
        for (const type of auditTypes(before, after)) {
          await recordChange(tx, request.principal, {
            type,
            resource: resourceOf(after),
            before: destinationFilterV1(before),
            after: destinationFilterV1(after),
          })
        }
        return after
      })
      return { data: { filter: destinationFilterV1(filter) } }
    },
  )

  app.delete<{ Params: FilterParams }>(
    '/destination/:destinationId/filters/:filterId',
    { config: { operation: 'removeFilterFromDestination', permission: 'destination:write' } },
    async (request) => {
      const { workspaceId } = request.principal
      const { destinationId, filterId } = request.params
      await store.transaction(async (tx) => {
        const before = await filterOf(tx, workspaceId, destinationId, filterId)
        await tx.destinationFilters.delete(workspaceId, destinationId, filterId)
        await recordChange(tx, request.principal, {
          type: DELETED,
          resource: resourceOf(before),
          before: destinationFilterV1(before),
          after: null,
        })
      })
      return { data: { status: 'SUCCESS' } }
    },
  )

  // Trying a filter changes nothing, so reading destinations is enough (Segment: read access may test).
  app.post<{ Body: PreviewBody }>(
    '/destination/filters/preview',
    {
      schema: { body: previewBody },
      config: { operation: 'previewDestinationFilter', permission: 'destination:read' },
    },
    async (request) => {
      const { filter, payload } = request.body
      const actions = validateFilterActions(filter.actions, 'filter.actions')
      const errors = [...validateFilterCondition(filter.if, 'filter.if'), ...actions.errors]
      if (errors.length > 0) throw invalidFilter(errors)
      return { data: previewFilter({ if: filter.if as string, actions: actions.actions }, payload) }
    },
  )
}
