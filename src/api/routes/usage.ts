import type { FastifyPluginAsync } from 'fastify'
import { SwitchyardError } from '../../errors/index.ts'
import type { ApiContext } from '../context.ts'
import { paginationOutput, readPagination } from '../pagination.ts'

/**
 * Usage: Segment's `APICallsApi` and `MonthlyTrackedUsersApi`, answered from the metering counts.
 * `period` names the usage month by its first day (`2026-11-01`, or a full ISO date-time in it).
 * Days are UTC. MTU snapshots are cumulative from the first of the month; counts are bigint
 * strings and period bounds Unix seconds, as in Segment's API.
 */
export const usageRoutes: FastifyPluginAsync<ApiContext> = async (app, { store }) => {
  const config = (operation: string) => ({ config: { operation, permission: 'usage:read' as const } })

  app.get<{ Querystring: Record<string, unknown> }>(
    '/usage/api-calls/daily',
    config('getDailyWorkspaceAPICallsUsage'),
    async (request) => {
      const { month } = readPeriod(request.query)
      const rows = await store.usage.dailyApiCalls(request.principal.workspaceId, month, false)
      const items = rows.map((r) => ({ apiCalls: String(r.calls), timestamp: dayStart(r.day) }))
      return page(request.query, items, 'dailyWorkspaceAPICallsUsage')
    },
  )

  app.get<{ Querystring: Record<string, unknown> }>(
    '/usage/api-calls/sources/daily',
    config('getDailyPerSourceAPICallsUsage'),
    async (request) => {
      const { month } = readPeriod(request.query)
      const rows = await store.usage.dailyApiCalls(request.principal.workspaceId, month, true)
      const items = rows.map((r) => ({
        sourceId: r.sourceId!,
        apiCalls: String(r.calls),
        timestamp: dayStart(r.day),
      }))
      return page(request.query, items, 'dailyPerSourceAPICallsUsage')
    },
  )

  app.get<{ Querystring: Record<string, unknown> }>(
    '/usage/mtu/daily',
    config('getDailyWorkspaceMTUUsage'),
    async (request) => {
      const period = readPeriod(request.query)
      const rows = await store.usage.dailyUsers(request.principal.workspaceId, period.month, false)
      return page(
        request.query,
        rows.map((r) => usersSnapshot(r, period)),
        'dailyWorkspaceMTUUsage',
      )
    },
  )

  app.get<{ Querystring: Record<string, unknown> }>(
    '/usage/mtu/sources/daily',
    config('getDailyPerSourceMTUUsage'),
    async (request) => {
      const period = readPeriod(request.query)
      const rows = await store.usage.dailyUsers(request.principal.workspaceId, period.month, true)
      const items = rows.map((r) => ({ sourceId: r.sourceId!, ...usersSnapshot(r, period) }))
      return page(request.query, items, 'dailyPerSourceMTUUsage')
    },
  )
}

interface Period {
  month: string
  periodStart: number
  periodEnd: number
}

function readPeriod(query: Record<string, unknown>): Period {
  const raw = query.period
  const match = typeof raw === 'string' ? /^(\d{4})-(\d{2})(?:-\d{2}(?:T.*)?)?$/.exec(raw) : null
  const year = Number(match?.[1])
  const month = Number(match?.[2])
  if (!match || month < 1 || month > 12) {
    throw new SwitchyardError(
      'SY_API_VALIDATION',
      `period must be the first day of a usage month in ISO-8601, such as 2026-11-01 (got ${JSON.stringify(raw ?? null)})`,
      { field: 'period' },
    )
  }
  return {
    month: `${match[1]}-${match[2]}`,
    periodStart: Date.UTC(year, month - 1, 1) / 1000,
    periodEnd: Date.UTC(year, month, 1) / 1000,
  }
}

const dayStart = (day: string) => `${day}T00:00:00.000Z`

function usersSnapshot(
  r: {
    day: string
    anonymous: number
    anonymousIdentified: number
    identified: number
    neverIdentified: number
  },
  period: Period,
) {
  return {
    periodStart: period.periodStart,
    periodEnd: period.periodEnd,
    anonymous: String(r.anonymous),
    anonymousIdentified: String(r.anonymousIdentified),
    identified: String(r.identified),
    neverIdentified: String(r.neverIdentified),
    timestamp: dayStart(r.day),
  }
}

function page<T>(query: Record<string, unknown>, items: T[], key: string) {
  const p = readPagination(query)
  return {
    data: { [key]: items.slice(p.offset, p.offset + p.count), pagination: paginationOutput(p, items.length) },
  }
}
