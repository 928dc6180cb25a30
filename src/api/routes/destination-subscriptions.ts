import { isDeepStrictEqual } from 'node:util'
import type { FastifyPluginAsync } from 'fastify'
import { findDestinationEntry, type DestinationCatalogEntry } from '../../destinations/index.ts'
import { SwitchyardError } from '../../errors/index.ts'
import type { Destination, DestinationSubscription, Repositories } from '../../store/index.ts'
import { recordChange } from '../audit.ts'
import type { ApiContext } from '../context.ts'
import { paginationOutput, readPagination } from '../pagination.ts'
import type { Principal } from '../principal.ts'
import { checkMapping, checkTrigger } from '../../destinations/index.ts'
import { checkName } from '../rules.ts'

/**
 * Mappings of Actions destinations: Segment's `DestinationsApi` subscription operations (alpha).
 * A mapping is a trigger (Segment's subscription syntax), an action of the destination's definition
 * and the action's field mapping (`settings`, mapping-kit directives). Every change is audited as
 * "Destination Subscription Created / Modified / Deleted" (Segment documents no names for these).
 */

type Definition = NonNullable<DestinationCatalogEntry['definition']>

/** What the routes need of Segment's `DestinationMetadataActionV1`. */
interface ActionMetadata {
  id: string
  slug: string
}

const CREATED = 'Destination Subscription Created'
const MODIFIED = 'Destination Subscription Modified'
const DELETED = 'Destination Subscription Deleted'

const actionsOf = (entry: DestinationCatalogEntry) => entry.metadata.actions as ActionMetadata[]

/** The action's id in the catalog; the slug itself for an action the installed definition dropped. */
const actionIdOf = (entry: DestinationCatalogEntry, slug: string): string =>
  actionsOf(entry).find((a) => a.slug === slug)?.id ?? slug

/** Segment's `DestinationSubscription`: the mapping is its `settings`. */
export function destinationSubscriptionV1(s: DestinationSubscription, entry: DestinationCatalogEntry) {
  return {
    id: s.id,
    name: s.name,
    actionId: actionIdOf(entry, s.actionSlug),
    actionSlug: s.actionSlug,
    destinationId: s.destinationId,
    enabled: s.enabled,
    trigger: s.trigger,
    settings: s.mapping,
    ...(s.modelId !== null && { modelId: s.modelId }),
  }
}

const resourceOf = (s: DestinationSubscription) => ({
  type: 'destinationSubscription',
  id: s.id,
  name: s.name,
})

/** The mapping Segment's UI starts a new mapping with: each field's default directive. */
const defaultMapping = (definition: Definition, slug: string): Record<string, unknown> =>
  Object.fromEntries(
    Object.entries(definition.actions[slug]?.fields ?? {})
      .filter(([, f]) => f.default !== undefined)
      .map(([key, f]) => [key, f.default]),
  )

interface ActionsDestination {
  destination: Destination
  entry: DestinationCatalogEntry
  definition: Definition
}

/** The destination, which must exist and be an Actions destination (only those have mappings). */
async function actionsDestination(
  repos: Repositories,
  workspaceId: string,
  destinationId: string,
): Promise<ActionsDestination> {
  const destination = await repos.destinations.get(workspaceId, destinationId)
  if (!destination) {
    throw new SwitchyardError(
      'SY_RESOURCE_NOT_FOUND',
      `No destination with id ${destinationId} in this workspace`,
      { field: 'destinationId' },
    )
  }
  const entry = findDestinationEntry(destination.metadataId)
  if (!entry?.definition) {
    throw new SwitchyardError(
      'SY_RESOURCE_INVALID',
      entry
        ? `Destination ${destinationId} is a ${entry.metadata.name} destination, which has no mappings: only Actions destinations do`
        : `Destination type ${destination.metadataId} is no longer in the catalog; its mappings cannot be used`,
      { field: 'destinationId' },
    )
  }
  return { destination, entry, definition: entry.definition }
}

const subscriptionNotFound = (destinationId: string, id: string) =>
  new SwitchyardError('SY_RESOURCE_NOT_FOUND', `Destination ${destinationId} has no mapping with id ${id}`, {
    field: 'id',
  })

/**
 * Segment's Quick Setup: one mapping per preset of an Actions destination type, all disabled, in
 * the caller's transaction, each audited. Nothing for other types.
 */
export async function createPresetMappings(
  tx: Repositories,
  principal: Principal,
  destination: Destination,
  entry: DestinationCatalogEntry,
): Promise<void> {
  for (const preset of entry.definition?.presets ?? []) {
    if (entry.definition!.actions[preset.partnerAction] === undefined) continue
    const created = await tx.destinationSubscriptions.create({
      workspaceId: destination.workspaceId,
      destinationId: destination.id,
      name: preset.name,
      actionSlug: preset.partnerAction,
      trigger: preset.subscribe,
      mapping: preset.mapping,
      enabled: false,
      modelId: null,
    })
    await recordChange(tx, principal, {
      type: CREATED,
      resource: resourceOf(created),
      before: null,
      after: destinationSubscriptionV1(created, entry),
    })
  }
}

const mappingSchema = { type: 'object', additionalProperties: true } as const

const createBody = {
  type: 'object',
  required: ['name', 'actionId', 'trigger', 'enabled'],
  properties: {
    name: { type: 'string' },
    actionId: { type: 'string' },
    trigger: { type: 'string' },
    enabled: { type: 'boolean' },
    settings: mappingSchema,
    modelId: { type: 'string' },
  },
} as const

const updateBody = {
  type: 'object',
  required: ['input'],
  properties: {
    input: {
      type: 'object',
      properties: {
        name: { type: 'string' },
        trigger: { type: 'string' },
        enabled: { type: 'boolean' },
        settings: mappingSchema,
      },
    },
  },
} as const

interface CreateBody {
  name: string
  actionId: string
  trigger: string
  enabled: boolean
  settings?: Record<string, unknown>
  modelId?: string
}
interface UpdateBody {
  input: { name?: string; trigger?: string; enabled?: boolean; settings?: Record<string, unknown> }
}
interface DestinationParams {
  destinationId: string
}
interface SubscriptionParams extends DestinationParams {
  id: string
}

const VERSIONS = ['v1alpha'] as const

export const destinationSubscriptionRoutes: FastifyPluginAsync<ApiContext> = async (app, { store }) => {
  app.get<{ Params: DestinationParams }>(
    '/destinations/:destinationId/subscriptions',
    {
      config: {
        operation: 'listSubscriptionsFromDestination',
        permission: 'destination:read',
        versions: VERSIONS,
      },
    },
    async (request) => {
      const page = readPagination(request.query)
      const { workspaceId } = request.principal
      const { destination, entry } = await actionsDestination(
        store,
        workspaceId,
        request.params.destinationId,
      )
      const all = await store.destinationSubscriptions.list(workspaceId, destination.id)
      return {
        data: {
          subscriptions: all
            .slice(page.offset, page.offset + page.count)
            .map((s) => destinationSubscriptionV1(s, entry)),
          pagination: paginationOutput(page, all.length),
        },
      }
    },
  )

  app.get<{ Params: SubscriptionParams }>(
    '/destinations/:destinationId/subscriptions/:id',
    {
      config: {
        operation: 'getSubscriptionFromDestination',
        permission: 'destination:read',
        versions: VERSIONS,
      },
    },
    async (request) => {
      const { workspaceId } = request.principal
      const { destinationId, id } = request.params
      const { entry } = await actionsDestination(store, workspaceId, destinationId)
      const subscription = await store.destinationSubscriptions.get(workspaceId, destinationId, id)
      if (!subscription) throw subscriptionNotFound(destinationId, id)
      return { data: { subscription: destinationSubscriptionV1(subscription, entry) } }
    },
  )

  app.post<{ Params: DestinationParams; Body: CreateBody }>(
    '/destinations/:destinationId/subscriptions',
    {
      schema: { body: createBody },
      config: {
        operation: 'createDestinationSubscription',
        permission: 'destination:write',
        versions: VERSIONS,
      },
    },
    async (request, reply) => {
      const body = request.body
      const { workspaceId } = request.principal
      const name = checkName(body.name)
      const trigger = checkTrigger(body.trigger)
      const { created, entry } = await store.transaction(async (tx) => {
        const { destination, entry, definition } = await actionsDestination(
          tx,
          workspaceId,
          request.params.destinationId,
        )
        const action = actionsOf(entry).find((a) => a.id === body.actionId || a.slug === body.actionId)
        if (!action || definition.actions[action.slug] === undefined) {
          throw new SwitchyardError(
            'SY_API_VALIDATION',
            `actionId "${body.actionId}" is not an action of ${entry.metadata.name}; its actions are ${actionsOf(
              entry,
            )
              .map((a) => `${a.slug} (${a.id})`)
              .join(', ')}`,
            { field: 'actionId' },
          )
        }
        const mapping = checkMapping(body.settings ?? defaultMapping(definition, action.slug), 'settings')
        const created = await tx.destinationSubscriptions.create({
          workspaceId,
          destinationId: destination.id,
          name,
          actionSlug: action.slug,
          trigger,
          mapping,
          enabled: body.enabled,
          modelId: body.modelId ?? null,
        })
        await recordChange(tx, request.principal, {
          type: CREATED,
          resource: resourceOf(created),
          before: null,
          after: destinationSubscriptionV1(created, entry),
        })
        return { created, entry }
      })
      return reply
        .code(201)
        .send({ data: { destinationSubscription: destinationSubscriptionV1(created, entry) } })
    },
  )

  app.patch<{ Params: SubscriptionParams; Body: UpdateBody }>(
    '/destinations/:destinationId/subscriptions/:id',
    {
      schema: { body: updateBody },
      config: {
        operation: 'updateSubscriptionForDestination',
        permission: 'destination:write',
        versions: VERSIONS,
      },
    },
    async (request) => {
      const { workspaceId } = request.principal
      const { destinationId, id } = request.params
      const input = request.body.input
      const patch = {
        ...(input.name !== undefined && { name: checkName(input.name, 'input.name') }),
        ...(input.trigger !== undefined && { trigger: checkTrigger(input.trigger, 'input.trigger') }),
        ...(input.enabled !== undefined && { enabled: input.enabled }),
        ...(input.settings !== undefined && { mapping: checkMapping(input.settings, 'input.settings') }),
      }
      const { subscription, entry } = await store.transaction(async (tx) => {
        const { entry } = await actionsDestination(tx, workspaceId, destinationId)
        const before = await tx.destinationSubscriptions.get(workspaceId, destinationId, id)
        if (!before) throw subscriptionNotFound(destinationId, id)
        const changed = Object.entries(patch).some(
          ([key, value]) => !isDeepStrictEqual(before[key as keyof typeof patch], value),
        )
        if (!changed) return { subscription: before, entry }
        const after = (await tx.destinationSubscriptions.update(workspaceId, destinationId, id, patch))!
        await recordChange(tx, request.principal, {
          type: MODIFIED,
          resource: resourceOf(after),
          before: destinationSubscriptionV1(before, entry),
          after: destinationSubscriptionV1(after, entry),
        })
        return { subscription: after, entry }
      })
      return { data: { subscription: destinationSubscriptionV1(subscription, entry) } }
    },
  )

  app.delete<{ Params: SubscriptionParams }>(
    '/destinations/:destinationId/subscriptions/:id',
    {
      config: {
        operation: 'removeSubscriptionFromDestination',
        permission: 'destination:write',
        versions: VERSIONS,
      },
    },
    async (request) => {
      const { workspaceId } = request.principal
      const { destinationId, id } = request.params
      await store.transaction(async (tx) => {
        const { entry } = await actionsDestination(tx, workspaceId, destinationId)
        const before = await tx.destinationSubscriptions.get(workspaceId, destinationId, id)
        if (!before) throw subscriptionNotFound(destinationId, id)
        await tx.destinationSubscriptions.delete(workspaceId, destinationId, id)
        await recordChange(tx, request.principal, {
          type: DELETED,
          resource: resourceOf(before),
          before: destinationSubscriptionV1(before, entry),
          after: null,
        })
      })
      return { data: { status: 'SUCCESS' } }
    },
  )
}
