import type { FastifyPluginAsync } from 'fastify'
import { SwitchyardError } from '../../errors/index.ts'
import type { AuditEvent, AuditFilter } from '../../store/index.ts'
import type { ApiContext } from '../context.ts'
import { paginationOutput, readPagination } from '../pagination.ts'

/**
 * Segment's `AuditTrailApi`: the workspace's audit trail, newest first, Workspace Owners only.
 * Filters: `startTime` (inclusive) and `endTime` (exclusive) in ISO-8601, `resourceType`,
 * `resourceId`, and Switchyard's `actor` (the actor id that events answer in `actor`).
 */
export const auditTrailRoutes: FastifyPluginAsync<ApiContext> = async (app, { store }) => {
  app.get<{ Querystring: Record<string, unknown> }>(
    '/audit-events',
    { config: { operation: 'listAuditEvents', permission: 'audit:read' } },
    async (request) => {
      const filter = readAuditFilter(request.query)
      const page = readPagination(request.query)
      const { items, total } = await store.audit.list(
        request.principal.workspaceId,
        { offset: page.offset, limit: page.count },
        filter,
      )
      return { data: { events: items.map(auditEventV1), pagination: paginationOutput(page, total) } }
    },
  )
}

/**
 * Segment's `AuditEventV1`: `actor` is the actor's id (token id, user id, or `switchyard` for the
 * system), `actorEmail` a user's email. Switchyard adds `actorType`, `actorName` (token
 * description, user email) and the resource `before` and `after` the change, secrets masked.
 */
export function auditEventV1(e: AuditEvent) {
  return {
    id: e.id,
    timestamp: e.timestamp,
    type: e.type,
    actor: e.actor.id,
    ...(e.actor.type === 'user' && { actorEmail: e.actor.name }),
    resourceId: e.resource.id,
    resourceType: e.resource.type,
    resourceName: e.resource.name,
    actorType: e.actor.type,
    actorName: e.actor.name,
    before: e.before,
    after: e.after,
  }
}

export function readAuditFilter(query: Record<string, unknown>): AuditFilter {
  const startTime = readTime(query, 'startTime')
  const endTime = readTime(query, 'endTime')
  if (startTime !== undefined && endTime !== undefined && startTime >= endTime) {
    throw new SwitchyardError('SY_API_VALIDATION', 'endTime must be after startTime', { field: 'endTime' })
  }
  const text = (name: string): string | undefined => {
    const value = query[name]
    if (value === undefined || value === '') return undefined
    if (typeof value !== 'string') {
      throw new SwitchyardError('SY_API_VALIDATION', `${name} must be given once, as text`, { field: name })
    }
    return value
  }
  const filter: AuditFilter = {}
  if (startTime !== undefined) filter.startTime = startTime
  if (endTime !== undefined) filter.endTime = endTime
  const resourceType = text('resourceType')
  const resourceId = text('resourceId')
  const actorId = text('actor')
  if (resourceType !== undefined) filter.resourceType = resourceType
  if (resourceId !== undefined) filter.resourceId = resourceId
  if (actorId !== undefined) filter.actorId = actorId
  return filter
}

/** An ISO-8601 date-time (or date) query parameter, as a UTC ISO string; no offset means UTC. */
export function readTime(query: Record<string, unknown>, name: string): string | undefined {
  const raw = query[name]
  if (raw === undefined || raw === '') return undefined
  const match =
    typeof raw === 'string' ? /^\d{4}-\d{2}-\d{2}(?:[T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.exec(raw) : null
  // A date-time without an offset is UTC, as a date alone is.
  const time = match ? Date.parse(match[0].includes(':') && !match[1] ? `${match[0]}Z` : match[0]) : NaN
  if (Number.isNaN(time)) {
    throw new SwitchyardError(
      'SY_API_VALIDATION',
      `${name} must be an ISO-8601 date-time such as 2026-11-01T00:00:00Z (got ${JSON.stringify(raw)})`,
      { field: name },
    )
  }
  return new Date(time).toISOString()
}
