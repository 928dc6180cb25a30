import { isDeepStrictEqual } from 'node:util'
import type { FastifyPluginAsync, FastifyRequest } from 'fastify'
import { isSecretName, maskSecret, restoreSecrets } from '../../destinations/index.ts'
import { SwitchyardError } from '../../errors/index.ts'
import { warehouseNotFound, type Repositories, type Warehouse } from '../../store/index.ts'
import {
  findWarehouseEntry,
  isWarehouseError,
  testWarehouseConnection,
  type WarehouseCatalogEntry,
  type WarehouseMetadata,
} from '../../warehouses/index.ts'
import { recordChange } from '../audit.ts'
import type { ApiContext } from '../context.ts'
import { paginationOutput, readPagination } from '../pagination.ts'
import { listWithin, requirePermission } from '../access.ts'
import { isGrantedOn, type Permission, type Principal } from '../principal.ts'
import { checkName } from '../rules.ts'
import { freeName } from './destinations.ts'
import { warehouseMetadataV1 } from './warehouse-catalog.ts'

const unknownMetadata = (id: string): WarehouseMetadata => ({
  id,
  name: 'Unknown warehouse type',
  slug: 'unknown',
  description: 'This warehouse type is no longer in the catalog.',
  logos: { default: '' },
  options: [],
})

/** The secret settings of a warehouse: its type's, or for an unknown type every secret-looking key. */
function secretsOf(warehouse: Pick<Warehouse, 'metadataId' | 'settings'>): readonly string[] {
  return (
    findWarehouseEntry(warehouse.metadataId)?.secrets ?? Object.keys(warehouse.settings).filter(isSecretName)
  )
}

/**
 * The settings as shown: secrets masked, and the name as `settings.name`, where Segment's
 * `WarehouseV1` (which has no `name`) carries it.
 */
export function shownWarehouseSettings(warehouse: Warehouse): Record<string, unknown> {
  return { ...maskedSettings(warehouse), name: warehouse.name }
}

function maskedSettings(warehouse: Pick<Warehouse, 'metadataId' | 'settings'>): Record<string, unknown> {
  const shown: Record<string, unknown> = { ...warehouse.settings }
  for (const key of secretsOf(warehouse)) {
    const value = shown[key]
    if (typeof value === 'string' && value !== '') shown[key] = maskSecret(value)
  }
  return shown
}

/** Segment's `WarehouseV1`, secrets masked. */
export function warehouseV1(warehouse: Warehouse, request: FastifyRequest) {
  const entry = findWarehouseEntry(warehouse.metadataId)
  return {
    id: warehouse.id,
    workspaceId: warehouse.workspaceId,
    enabled: warehouse.enabled,
    metadata: warehouseMetadataV1(entry?.metadata ?? unknownMetadata(warehouse.metadataId), request),
    settings: shownWarehouseSettings(warehouse),
  }
}

/** What the audit trail keeps of a warehouse: everything but its secrets. */
const auditView = (w: Warehouse) => ({ ...w, settings: shownWarehouseSettings(w) })
export const warehouseResource = (w: Warehouse) => ({ type: 'warehouse', id: w.id, name: w.name })

const settingsSchema = { type: 'object', additionalProperties: true } as const

const createBody = {
  type: 'object',
  required: ['metadataId'],
  properties: {
    metadataId: { type: 'string' },
    name: { type: 'string' },
    enabled: { type: 'boolean' },
    settings: settingsSchema,
    disconnectAllSources: { type: 'boolean' },
  },
} as const

const updateBody = {
  type: 'object',
  properties: {
    name: { type: ['string', 'null'] },
    enabled: { type: 'boolean' },
    settings: settingsSchema,
  },
} as const

const validationBody = {
  type: 'object',
  required: ['metadataId', 'settings'],
  properties: { metadataId: { type: 'string' }, settings: settingsSchema },
} as const

interface CreateBody {
  metadataId: string
  /** Segment's flag: create the warehouse without connecting the workspace's sources. */
  disconnectAllSources?: boolean
  name?: string
  enabled?: boolean
  settings?: Record<string, unknown>
}
interface UpdateBody {
  name?: string | null
  enabled?: boolean
  settings?: Record<string, unknown>
}
interface ValidationBody {
  metadataId: string
  settings: Record<string, unknown>
}
interface WarehouseParams {
  warehouseId: string
}

function entryFor(metadataId: string): WarehouseCatalogEntry {
  const entry = findWarehouseEntry(metadataId)
  if (!entry) {
    throw new SwitchyardError(
      'SY_API_VALIDATION',
      `metadataId "${metadataId}" is not a warehouse type in the catalog (see GET /catalog/warehouses)`,
      { field: 'metadataId' },
    )
  }
  return entry
}

/**
 * Checks settings for a warehouse type: `settings.name` is taken out (it is the warehouse's name, as
 * Segment shows it), masked secrets sent back are replaced by the stored ones (`stored`), then the
 * type validates the rest and fills in defaults. Errors name the field as `settings.<name>`.
 */
export function checkWarehouseSettings(
  entry: WarehouseCatalogEntry,
  incoming: Record<string, unknown>,
  stored: Record<string, unknown> = {},
): { settings: Record<string, unknown>; name: string | undefined } {
  const { name, ...rest } = incoming
  if (name !== undefined && typeof name !== 'string') {
    throw new SwitchyardError('SY_API_VALIDATION', 'settings.name must be a string', {
      field: 'settings.name',
    })
  }
  const secrets = entry.secrets.map((path) => ({ path, kind: 'value' as const }))
  const restored = restoreSecrets(rest, stored, secrets)
  const checked = restored.ok ? entry.validateSettings(restored.settings) : restored
  if (checked.ok) return { settings: checked.settings, name }
  const field = (f: string) => (f === '' ? 'settings' : `settings.${f}`)
  throw new SwitchyardError(
    'SY_API_VALIDATION',
    checked.errors.map((e) => `${field(e.field)} ${e.message}`).join('; '),
    {
      field: field(checked.errors[0]?.field ?? ''),
      data: { errors: checked.errors.map((e) => ({ ...e, field: field(e.field) })) },
    },
  )
}

/** Every warehouse of the workspace but `except`. */
async function otherWarehouses(tx: Repositories, workspaceId: string, except?: string) {
  const all: Warehouse[] = []
  for (let offset = 0; ; offset += 100) {
    const { items } = await tx.warehouses.list(workspaceId, { offset, limit: 100 })
    all.push(...items.filter((w) => w.id !== except))
    if (items.length < 100) return all
  }
}

/**
 * Names are unique in a workspace (case-insensitively), and two DuckDB warehouses never share a file:
 * both would load the same tables.
 */
function checkUnique(
  others: readonly Warehouse[],
  name: string,
  metadataId: string,
  settings: Record<string, unknown>,
) {
  if (others.some((w) => w.name.toLowerCase() === name.toLowerCase())) {
    throw new SwitchyardError(
      'SY_RESOURCE_CONFLICT',
      `The workspace already has a warehouse named "${name}"; each needs its own name`,
      { field: 'name' },
    )
  }
  const engine = findWarehouseEntry(metadataId)?.engine
  const sameFile = others.find(
    (w) => engine === 'duckdb' && w.metadataId === metadataId && w.settings.file === settings.file,
  )
  if (sameFile) {
    throw new SwitchyardError(
      'SY_RESOURCE_CONFLICT',
      `The warehouse "${sameFile.name}" already uses the DuckDB file ${String(settings.file)}; choose another file`,
      { field: 'settings.file' },
    )
  }
}

/** For operations that touch a second kind of resource: the caller needs its permission too. */
export function requireAlso(principal: Principal, permission: Permission, operation: string) {
  requirePermission(principal, permission, operation)
}

/**
 * Segment's audit vocabulary for a warehouse update ("Storage Destination …"): Enabled/Disabled when
 * the switch flips, Modified when the name or settings change (secrets compared as stored).
 */
export function warehouseAuditTypes(before: Warehouse, after: Warehouse): string[] {
  const types: string[] = []
  if (before.enabled !== after.enabled)
    types.push(after.enabled ? 'Storage Destination Enabled' : 'Storage Destination Disabled')
  if (before.name !== after.name || !isDeepStrictEqual(before.settings, after.settings))
    types.push('Storage Destination Modified')
  return types
}

/**
 * Warehouses: Segment's `WarehousesApi` instance operations and `createValidationInWarehouse`. Every
 * change is audited with Segment's "Storage Destination …" names, secrets masked.
 */
export const warehouseRoutes: FastifyPluginAsync<ApiContext> = async (app, { store, dataDir }) => {
  app.get(
    '/warehouses',
    { config: { operation: 'listWarehouses', permission: 'warehouse:read' } },
    async (request) => {
      const page = readPagination(request.query)
      const { principal } = request
      const { items, total } = await listWithin(
        principal,
        'warehouse:read',
        page,
        (p) => store.warehouses.list(principal.workspaceId, p),
        (w) => isGrantedOn(principal, 'warehouse:read', { type: 'WAREHOUSE', id: w.id }),
      )
      return {
        data: {
          warehouses: items.map((w) => warehouseV1(w, request)),
          pagination: paginationOutput(page, total),
        },
      }
    },
  )

  app.get<{ Params: WarehouseParams }>(
    '/warehouses/:warehouseId',
    { config: { operation: 'getWarehouse', permission: 'warehouse:read' } },
    async (request) => {
      const warehouse = await store.warehouses.get(request.principal.workspaceId, request.params.warehouseId)
      if (!warehouse) throw warehouseNotFound(request.params.warehouseId)
      return { data: { warehouse: warehouseV1(warehouse, request) } }
    },
  )

  app.post<{ Body: CreateBody }>(
    '/warehouses',
    {
      schema: { body: createBody },
      config: { operation: 'createWarehouse', permission: 'warehouse:write', wholeWorkspace: true },
    },
    async (request, reply) => {
      const body = request.body
      const { workspaceId } = request.principal
      const entry = entryFor(body.metadataId)
      const checked = checkWarehouseSettings(entry, body.settings ?? {})
      const asked = body.name ?? checked.name
      const name = asked === undefined ? undefined : checkName(asked)
      const warehouse = await store.transaction(async (tx) => {
        const others = await otherWarehouses(tx, workspaceId)
        const chosen =
          name ??
          freeName(
            entry.metadata.name,
            others.map((w) => w.name.toLowerCase()),
          )
        checkUnique(others, chosen, entry.metadata.id, checked.settings)
        const created = await tx.warehouses.create({
          workspaceId,
          metadataId: entry.metadata.id,
          name: chosen,
          enabled: body.enabled ?? true,
          settings: checked.settings,
        })
        // Sources are routed to every warehouse by default, unless the request says otherwise.
        if (body.disconnectAllSources !== true)
          await tx.warehouses.connectEverySource(workspaceId, created.id)
        await recordChange(tx, request.principal, {
          type: 'Storage Destination Created',
          resource: warehouseResource(created),
          before: null,
          after: auditView(created),
        })
        return created
      })
      return reply.code(201).send({ data: { warehouse: warehouseV1(warehouse, request) } })
    },
  )

  app.patch<{ Params: WarehouseParams; Body: UpdateBody }>(
    '/warehouses/:warehouseId',
    { schema: { body: updateBody }, config: { operation: 'updateWarehouse', permission: 'warehouse:write' } },
    async (request) => {
      const { workspaceId } = request.principal
      const body = request.body ?? {}
      const warehouse = await store.transaction(async (tx) => {
        const before = await tx.warehouses.get(workspaceId, request.params.warehouseId)
        if (!before) throw warehouseNotFound(request.params.warehouseId)
        const entry = findWarehouseEntry(before.metadataId)
        if (body.settings !== undefined && !entry) {
          throw new SwitchyardError(
            'SY_RESOURCE_INVALID',
            `Warehouse type ${before.metadataId} is no longer in the catalog; its settings cannot change`,
            { field: 'settings' },
          )
        }
        const checked =
          body.settings === undefined
            ? undefined
            : checkWarehouseSettings(entry!, body.settings, before.settings)
        const asked = body.name ?? checked?.name
        const name = asked === undefined ? before.name : checkName(asked)
        const settings = checked?.settings ?? before.settings
        if (name !== before.name || checked !== undefined)
          checkUnique(await otherWarehouses(tx, workspaceId, before.id), name, before.metadataId, settings)
        const patch = {
          ...(name !== before.name && { name }),
          ...(body.enabled !== undefined && { enabled: body.enabled }),
          ...(checked !== undefined && { settings }),
        }
        if (Object.keys(patch).length === 0) return before
        const after = (await tx.warehouses.update(workspaceId, before.id, patch))!
        for (const type of warehouseAuditTypes(before, after)) {
          await recordChange(tx, request.principal, {
            type,
            resource: warehouseResource(after),
            before: auditView(before),
            after: auditView(after),
          })
        }
        return after
      })
      return { data: { warehouse: warehouseV1(warehouse, request) } }
    },
  )

  app.delete<{ Params: WarehouseParams }>(
    '/warehouses/:warehouseId',
    { config: { operation: 'deleteWarehouse', permission: 'warehouse:write' } },
    async (request) => {
      const { workspaceId } = request.principal
      await store.transaction(async (tx) => {
        const before = await tx.warehouses.get(workspaceId, request.params.warehouseId)
        if (!before) throw warehouseNotFound(request.params.warehouseId)
        // Its source connections go with it (the store cascades); the data already loaded stays.
        await tx.warehouses.delete(workspaceId, before.id)
        await recordChange(tx, request.principal, {
          type: 'Storage Destination Deleted',
          resource: warehouseResource(before),
          before: auditView(before),
          after: null,
        })
      })
      return { data: { status: 'SUCCESS' } }
    },
  )

  app.post<{ Body: ValidationBody }>(
    '/warehouses/validation',
    {
      schema: { body: validationBody },
      config: { operation: 'createValidationInWarehouse', permission: 'warehouse:write' },
    },
    async (request) => {
      const entry = entryFor(request.body.metadataId)
      const { settings } = checkWarehouseSettings(entry, request.body.settings)
      if (dataDir === undefined) {
        throw new SwitchyardError(
          'SY_API_UNAVAILABLE',
          'This process has no data directory to test warehouses from',
        )
      }
      const error = await testWarehouseConnection(entry.engine, settings, { dataDir }).then(
        () => undefined,
        (e: unknown) => {
          if (isWarehouseError(e)) return e.toJSON()
          throw e
        },
      )
      const status = error === undefined ? 'CONNECTED' : 'FAILED'
      await store.transaction((tx) =>
        recordChange(tx, request.principal, {
          type: 'Storage Destination Settings Validation',
          resource: { type: 'warehouse-type', id: entry.metadata.id, name: entry.metadata.name },
          before: null,
          after: {
            metadataId: entry.metadata.id,
            settings: maskedSettings({ metadataId: entry.metadata.id, settings }),
            status,
            ...(error && { error }),
          },
        }),
      )
      return { data: { status, ...(error && { error }) } }
    },
  )
}
