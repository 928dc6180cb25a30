import type { FastifyRequest } from 'fastify'
import { SwitchyardError } from '../errors/index.ts'
import type { Repositories, Source } from '../store/index.ts'
import {
  isGranted,
  isGrantedOn,
  isUnrestricted,
  roleNames,
  type Principal,
  type ResourceRef,
} from './principal.ts'
import type { Permission } from './roles.ts'

const who = (p: Principal) => `${p.kind === 'token' ? 'This token' : 'This user'} (${roleNames(p)})`

const describe = (target: ResourceRef | 'all') =>
  target === 'all' ? 'all resources' : `${target.type === 'SOURCE' ? 'source' : 'warehouse'} ${target.id}`

/** The 403 for a missing grant, naming the permission, the resource and the operation. */
export function forbidden(
  principal: Principal,
  permission: Permission,
  operation: string,
  target?: ResourceRef | 'all',
): SwitchyardError {
  const on = target ? ` on ${describe(target)}` : ''
  return new SwitchyardError(
    'SY_API_FORBIDDEN',
    `${who(principal)} lacks the ${permission} permission${on} needed for ${operation}`,
    {
      data: {
        permission,
        ...(target && target !== 'all' && { resource: { type: target.type, id: target.id } }),
        ...(target === 'all' && { resource: 'all' }),
      },
    },
  )
}

/** The route-level check: the principal holds `permission` on something. */
export function requirePermission(principal: Principal, permission: Permission, operation: string): void {
  if (!isGranted(principal, permission)) throw forbidden(principal, permission, operation)
}

/** Operations that create resources or span all of them need the permission on all resources. */
export function requireUnrestricted(principal: Principal, permission: Permission, operation: string): void {
  requirePermission(principal, permission, operation)
  if (!isUnrestricted(principal, permission)) throw forbidden(principal, permission, operation, 'all')
}

export function requireOn(
  principal: Principal,
  permission: Permission,
  target: ResourceRef,
  operation: string,
): void {
  if (!isGrantedOn(principal, permission, target)) throw forbidden(principal, permission, operation, target)
}

export const sourceRef = (s: Pick<Source, 'id' | 'labels'>): ResourceRef => ({
  type: 'SOURCE',
  id: s.id,
  labels: s.labels,
})

/** Whether the principal may read this source (for filtering lists). */
export const canReadSource = (
  principal: Principal,
  source: Pick<Source, 'id' | 'labels'>,
  permission: Permission = 'source:read',
) => isGrantedOn(principal, permission, sourceRef(source))

/** Whether the principal's `permission` is limited to some resources, so lists must be filtered. */
export const isRestricted = (principal: Principal, permission: Permission) =>
  !isUnrestricted(principal, permission)

type Family = 'source' | 'destination' | 'warehouse'

/** The permission a resource named in the request needs: the operation's own, or read/write of its kind. */
function neededFor(family: Family, permission: Permission): Permission {
  if (permission.startsWith(`${family}:`)) return permission
  if (family === 'source' && permission.startsWith('destination:')) return permission
  return `${family}:${permission.endsWith(':read') ? 'read' : 'write'}` as Permission
}

const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined)

/**
 * The resource-level check, run by the guard for every operation: each source, destination or
 * warehouse the request names in its path (`:sourceId`, `:destinationId`, `:warehouseId`) or query
 * (`sourceId`, `destinationId`, `destinationConfigId`) must be within the principal's grants for the
 * operation's permission (a destination counts as its source). A resource that does not exist is
 * left to the operation, which answers 404. Principals granted the permission on all resources
 * skip the lookups.
 */
export async function checkNamedResources(
  request: FastifyRequest,
  store: Repositories,
  principal: Principal,
  permission: Permission,
  operation: string,
): Promise<void> {
  const params = (request.params ?? {}) as Record<string, unknown>
  const query = (request.query ?? {}) as Record<string, unknown>
  const { workspaceId } = principal
  const sources = [text(params.sourceId), text(query.sourceId)].filter((v) => v !== undefined)
  const destinations = [
    text(params.destinationId),
    text(query.destinationId),
    text(query.destinationConfigId),
  ].filter((v) => v !== undefined)
  const warehouses = [text(params.warehouseId)].filter((v) => v !== undefined)

  const checkSource = async (sourceId: string, needed: Permission) => {
    if (isUnrestricted(principal, needed)) return
    const source = await store.sources.get(workspaceId, sourceId)
    if (source) requireOn(principal, needed, sourceRef(source), operation)
  }
  for (const id of sources) await checkSource(id, neededFor('source', permission))
  for (const id of destinations) {
    const needed = neededFor('destination', permission)
    if (isUnrestricted(principal, needed)) continue
    const destination = await store.destinations.get(workspaceId, id)
    if (destination) await checkSource(destination.sourceId, needed)
  }
  for (const id of warehouses) {
    const needed = neededFor('warehouse', permission)
    if (isUnrestricted(principal, needed)) continue
    const warehouse = await store.warehouses.get(workspaceId, id)
    if (warehouse) requireOn(principal, needed, { type: 'WAREHOUSE', id }, operation)
  }
}

/** Everything a list operation can hold: the scoped lists read whole, then filter and page. */
const WHOLE_LIST = 1_000_000

/**
 * One page of a list the principal may see only part of. Unrestricted principals page in the
 * database; restricted ones read the whole list, keep what they may see, and page that (so
 * `totalEntries` and cursors count only visible items).
 */
export async function listWithin<T>(
  principal: Principal,
  permission: Permission,
  page: { offset: number; count: number },
  list: (page: { offset: number; limit: number }) => Promise<{ items: T[]; total: number }>,
  visible: (item: T) => boolean,
): Promise<{ items: T[]; total: number }> {
  if (isUnrestricted(principal, permission)) return list({ offset: page.offset, limit: page.count })
  const all = (await list({ offset: 0, limit: WHOLE_LIST })).items.filter(visible)
  return { items: all.slice(page.offset, page.offset + page.count), total: all.length }
}

/** Whether a destination is visible: the principal may `permission` its source. */
export async function destinationVisibility(
  store: Repositories,
  principal: Principal,
  permission: Permission,
): Promise<(d: { sourceId: string }) => boolean> {
  if (isUnrestricted(principal, permission)) return () => true
  const sources = new Map(
    (await store.sources.list(principal.workspaceId, { offset: 0, limit: WHOLE_LIST })).items.map((s) => [
      s.id,
      s,
    ]),
  )
  return (d) => {
    const source = sources.get(d.sourceId)
    return source !== undefined && canReadSource(principal, source, permission)
  }
}
