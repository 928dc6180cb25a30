import { isDeepStrictEqual } from 'node:util'
import type { FastifyPluginAsync, FastifyRequest } from 'fastify'
import {
  egressUrlProblem,
  findDestinationEntry,
  isSecretName,
  maskSecret,
  maskSettings,
  restoreSecrets,
  type DestinationCatalogEntry,
  type DestinationMetadata,
} from '../../destinations/index.ts'
import { SwitchyardError } from '../../errors/index.ts'
import { deliveryQueue } from '../../pipeline/index.ts'
import { sourceNotFound, type Destination, type Repositories } from '../../store/index.ts'
import { destinationVisibility, listWithin, requireOn, sourceRef } from '../access.ts'
import { recordChange } from '../audit.ts'
import type { ApiContext } from '../context.ts'
import { paginationOutput, readPagination } from '../pagination.ts'
import { checkName } from '../rules.ts'
import { destinationMetadataV1 } from './destination-catalog.ts'
import { createPresetMappings } from './destination-subscriptions.ts'

/** Instances of one destination a source may have (Segment's limit for cloud-mode instances). */
export const MAX_INSTANCES_PER_SOURCE = 25

export const destinationNotFound = (id: string, field = 'destinationId') =>
  new SwitchyardError('SY_RESOURCE_NOT_FOUND', `No destination with id ${id} in this workspace`, { field })

/** The settings as shown: every secret masked (unknown destination types: every secret-looking key). */
export function shownSettings(destination: Destination): Record<string, unknown> {
  const entry = findDestinationEntry(destination.metadataId)
  if (entry) return maskSettings(destination.settings, entry.secrets(destination.settings))
  return Object.fromEntries(
    Object.entries(destination.settings).map(([key, value]) => [
      key,
      isSecretName(key) && typeof value === 'string' ? maskSecret(value) : value,
    ]),
  )
}

/** Segment's `DestinationV1`, secrets masked. */
export function destinationV1(destination: Destination, request: FastifyRequest) {
  const entry = findDestinationEntry(destination.metadataId)
  return {
    id: destination.id,
    name: destination.name,
    enabled: destination.enabled,
    metadata: destinationMetadataV1(entry?.metadata ?? unknownMetadata(destination.metadataId), request),
    sourceId: destination.sourceId,
    settings: shownSettings(destination),
    // Switchyard's additions to Segment's shape (see docs/destinations.md).
    consentCategories: destination.consentCategories,
    egressUrl: destination.egressUrl,
  }
}

/** What the audit trail keeps of a destination: everything but its secrets. */
const auditView = (d: Destination) => ({ ...d, settings: shownSettings(d) })
const resourceOf = (d: Destination) => ({ type: 'destination', id: d.id, name: d.name })

const unknownMetadata = (id: string): DestinationMetadata => ({
  id,
  name: 'Unknown destination type',
  description: 'This destination type is no longer in the catalog.',
  slug: 'unknown',
  logos: { default: '' },
  options: [],
  status: 'DEPRECATED',
  previousNames: [],
  categories: [],
  website: '',
  components: [],
  supportedFeatures: {},
  supportedMethods: {},
  supportedPlatforms: {},
  actions: [],
  presets: [],
})

const settingsSchema = { type: 'object', additionalProperties: true } as const
const consentCategoriesSchema = {
  type: 'array',
  maxItems: 50,
  items: { type: 'string', minLength: 1, maxLength: 100 },
} as const

const createBody = {
  type: 'object',
  required: ['sourceId', 'metadataId'],
  properties: {
    sourceId: { type: 'string' },
    metadataId: { type: 'string' },
    enabled: { type: 'boolean' },
    name: { type: 'string' },
    settings: settingsSchema,
    consentCategories: consentCategoriesSchema,
    egressUrl: { type: ['string', 'null'] },
  },
} as const

const updateBody = {
  type: 'object',
  properties: {
    name: { type: ['string', 'null'] },
    enabled: { type: 'boolean' },
    settings: settingsSchema,
    consentCategories: consentCategoriesSchema,
    egressUrl: { type: ['string', 'null'] },
  },
} as const

interface CreateBody {
  sourceId: string
  metadataId: string
  enabled?: boolean
  name?: string
  settings?: Record<string, unknown>
  consentCategories?: string[]
  egressUrl?: string | null
}
interface UpdateBody {
  name?: string | null
  enabled?: boolean
  settings?: Record<string, unknown>
  consentCategories?: string[]
  egressUrl?: string | null
}

/** A sandbox egress URL: `null` or `''` turns it off; anything else must be a plain http(s) URL. */
function checkEgressUrl(value: string | null | undefined): string | null | undefined {
  if (value === undefined) return undefined
  if (value === null || value === '') return null
  const problem = egressUrlProblem(value)
  if (problem !== undefined) throw new SwitchyardError('SY_API_VALIDATION', problem, { field: 'egressUrl' })
  return value
}
interface DestinationParams {
  destinationId: string
}

/**
 * Checks settings for a destination type: masked secrets sent back are replaced by the stored ones
 * (`stored`), then the type validates them. Errors name the field as `settings.<path>`.
 */
export function checkSettings(
  entry: DestinationCatalogEntry,
  settings: Record<string, unknown>,
  stored: Record<string, unknown> = {},
): Record<string, unknown> {
  const restored = restoreSecrets(settings, stored, entry.secrets(settings))
  const checked = restored.ok ? entry.validateSettings(restored.settings) : restored
  if (checked.ok) return checked.settings
  const [first] = checked.errors
  const field = first && first.field !== '' ? `settings.${first.field}` : 'settings'
  throw new SwitchyardError(
    'SY_API_VALIDATION',
    checked.errors
      .map((e) => `${e.field === '' ? 'settings' : `settings.${e.field}`} ${e.message}`)
      .join('; '),
    { field, data: { errors: checked.errors.map((e) => ({ ...e, field: `settings.${e.field}` })) } },
  )
}

/** The other destinations of a source: their names (lower-cased) and types. */
async function othersOnSource(tx: Repositories, workspaceId: string, sourceId: string, except?: string) {
  const others: Destination[] = []
  for (let offset = 0; ; offset += 100) {
    const { items } = await tx.destinations.list(workspaceId, { offset, limit: 100 }, { sourceId })
    others.push(...items.filter((d) => d.id !== except))
    if (items.length < 100) return others
  }
}

/** Names of the other destinations of a source, lower-cased. */
async function namesOnSource(tx: Repositories, workspaceId: string, sourceId: string, except?: string) {
  return (await othersOnSource(tx, workspaceId, sourceId, except)).map((d) => d.name.toLowerCase())
}

/**
 * Destinations: Segment's `DestinationsApi` instance operations. Every change is audited in its own
 * transaction with Segment's "Integration …" event names, secrets masked.
 */
export const destinationRoutes: FastifyPluginAsync<ApiContext> = async (app, { store, queues }) => {
  app.get(
    '/destinations',
    { config: { operation: 'listDestinations', permission: 'destination:read' } },
    async (request) => {
      const page = readPagination(request.query)
      const { principal } = request
      const visible = await destinationVisibility(store, principal, 'destination:read')
      const { items, total } = await listWithin(
        principal,
        'destination:read',
        page,
        (p) => store.destinations.list(principal.workspaceId, p),
        visible,
      )
      return {
        data: {
          destinations: items.map((d) => destinationV1(d, request)),
          pagination: paginationOutput(page, total),
        },
      }
    },
  )

  app.get<{ Params: DestinationParams }>(
    '/destinations/:destinationId',
    { config: { operation: 'getDestination', permission: 'destination:read' } },
    async (request) => {
      const destination = await store.destinations.get(
        request.principal.workspaceId,
        request.params.destinationId,
      )
      if (!destination) throw destinationNotFound(request.params.destinationId)
      return { data: { destination: destinationV1(destination, request) } }
    },
  )

  app.post<{ Body: CreateBody }>(
    '/destinations',
    {
      schema: { body: createBody },
      config: { operation: 'createDestination', permission: 'destination:write' },
    },
    async (request, reply) => {
      const body = request.body
      const { workspaceId } = request.principal
      // The source named in the body must be within the caller's grants (before anything else is told).
      const named = await store.sources.get(workspaceId, body.sourceId)
      if (named) requireOn(request.principal, 'destination:write', sourceRef(named), 'createDestination')
      const entry = findDestinationEntry(body.metadataId)
      if (!entry) {
        throw new SwitchyardError(
          'SY_API_VALIDATION',
          `metadataId "${body.metadataId}" is not a destination type in the catalog (see GET /catalog/destinations)`,
          { field: 'metadataId' },
        )
      }
      const name = body.name === undefined ? undefined : checkName(body.name)
      const settings = checkSettings(entry, body.settings ?? {})
      const egressUrl = checkEgressUrl(body.egressUrl)
      const destination = await store.transaction(async (tx) => {
        if (!(await tx.sources.get(workspaceId, body.sourceId))) throw sourceNotFound(body.sourceId)
        const others = await othersOnSource(tx, workspaceId, body.sourceId)
        const taken = others.map((d) => d.name.toLowerCase())
        if (others.filter((d) => d.metadataId === entry.metadata.id).length >= MAX_INSTANCES_PER_SOURCE) {
          throw new SwitchyardError(
            'SY_RESOURCE_INVALID',
            `A source has at most ${MAX_INSTANCES_PER_SOURCE} instances of one destination (${entry.metadata.name})`,
            { field: 'sourceId' },
          )
        }
        if (name !== undefined && taken.includes(name.toLowerCase())) {
          throw new SwitchyardError(
            'SY_RESOURCE_CONFLICT',
            `The source already has a destination named "${name}"; each needs its own name`,
            { field: 'name' },
          )
        }
        const created = await tx.destinations.create({
          workspaceId,
          sourceId: body.sourceId,
          metadataId: entry.metadata.id,
          name: name ?? freeName(entry.metadata.name, taken),
          enabled: body.enabled ?? false,
          settings,
          consentCategories: [...new Set(body.consentCategories ?? [])],
          egressUrl: egressUrl ?? null,
        })
        await recordChange(tx, request.principal, {
          type: 'Integration Created',
          resource: resourceOf(created),
          before: null,
          after: auditView(created),
        })
        // Actions types: their presets as disabled mappings, as Segment's Quick Setup makes them.
        await createPresetMappings(tx, request.principal, created, entry)
        return created
      })
      return reply.code(201).send({ data: { destination: destinationV1(destination, request) } })
    },
  )

  app.patch<{ Params: DestinationParams; Body: UpdateBody }>(
    '/destinations/:destinationId',
    {
      schema: { body: updateBody },
      config: { operation: 'updateDestination', permission: 'destination:write' },
    },
    async (request) => {
      const { workspaceId } = request.principal
      const body = request.body ?? {}
      const name = body.name === undefined || body.name === null ? undefined : checkName(body.name)
      const egressUrl = checkEgressUrl(body.egressUrl)
      const destination = await store.transaction(async (tx) => {
        const before = await tx.destinations.get(workspaceId, request.params.destinationId)
        if (!before) throw destinationNotFound(request.params.destinationId)
        const entry = findDestinationEntry(before.metadataId)
        if (body.settings !== undefined && !entry) {
          throw new SwitchyardError(
            'SY_RESOURCE_INVALID',
            `Destination type ${before.metadataId} is no longer in the catalog; its settings cannot change`,
            { field: 'settings' },
          )
        }
        if (name !== undefined && name.toLowerCase() !== before.name.toLowerCase()) {
          if (
            (await namesOnSource(tx, workspaceId, before.sourceId, before.id)).includes(name.toLowerCase())
          ) {
            throw new SwitchyardError(
              'SY_RESOURCE_CONFLICT',
              `The source already has a destination named "${name}"; each needs its own name`,
              { field: 'name' },
            )
          }
        }
        const patch = {
          ...(name !== undefined && { name }),
          ...(body.enabled !== undefined && { enabled: body.enabled }),
          ...(body.settings !== undefined && {
            settings: checkSettings(entry!, body.settings, before.settings),
          }),
          ...(body.consentCategories !== undefined && {
            consentCategories: [...new Set(body.consentCategories)],
          }),
          ...(egressUrl !== undefined && { egressUrl }),
        }
        if (Object.keys(patch).length === 0) return before
        const after = (await tx.destinations.update(workspaceId, before.id, patch))!
        for (const type of destinationAuditTypes(before, after)) {
          await recordChange(tx, request.principal, {
            type,
            resource: resourceOf(after),
            before: auditView(before),
            after: auditView(after),
          })
        }
        return after
      })
      return { data: { destination: destinationV1(destination, request) } }
    },
  )

  app.delete<{ Params: DestinationParams }>(
    '/destinations/:destinationId',
    { config: { operation: 'deleteDestination', permission: 'destination:write' } },
    async (request) => {
      const { workspaceId } = request.principal
      const deleted = await store.transaction(async (tx) => {
        const before = await tx.destinations.get(workspaceId, request.params.destinationId)
        if (!before) throw destinationNotFound(request.params.destinationId)
        await tx.destinations.delete(workspaceId, before.id)
        await recordChange(tx, request.principal, {
          type: 'Integration Deleted',
          resource: resourceOf(before),
          before: auditView(before),
          after: null,
        })
        return before
      })
      // After the commit: the routing table stops queueing for it at its next batch.
      if (queues) await queues.purge(deliveryQueue(deleted.id))
      else
        request.log.warn(
          { destinationId: deleted.id },
          'deleted a destination without access to the work queues; its queue was not purged',
        )
      return { data: { status: 'SUCCESS' } }
    },
  )
}

/** The catalog name, else the first of "<name> 2", "<name> 3", … not taken on the source. */
export function freeName(base: string, taken: readonly string[]): string {
  if (!taken.includes(base.toLowerCase())) return base
  for (let n = 2; ; n++) if (!taken.includes(`${base} ${n}`.toLowerCase())) return `${base} ${n}`
}

/**
 * Segment's audit vocabulary for a destination update ("Integration …"): Enabled/Disabled when the
 * switch flips, Settings Modified when settings change, Modified for the name, consent categories or
 * egress URL. Settings are compared
 * as stored (secrets included), so changing only a secret is recorded too.
 */
export function destinationAuditTypes(before: Destination, after: Destination): string[] {
  const types: string[] = []
  if (before.enabled !== after.enabled)
    types.push(after.enabled ? 'Integration Enabled' : 'Integration Disabled')
  if (!isDeepStrictEqual(before.settings, after.settings)) types.push('Integration Settings Modified')
  if (
    before.name !== after.name ||
    before.egressUrl !== after.egressUrl ||
    !isDeepStrictEqual(before.consentCategories, after.consentCategories)
  )
    types.push('Integration Modified')
  return types
}
