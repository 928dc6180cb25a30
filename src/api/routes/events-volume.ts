import type { FastifyPluginAsync } from 'fastify'
import { SwitchyardError } from '../../errors/index.ts'
import type {
  EventVolumeDimension,
  EventVolumeGranularity,
  EventVolumeRow,
  Store,
} from '../../store/index.ts'
import type { ApiContext } from '../context.ts'
import { paginationOutput, readPagination } from '../pagination.ts'
import { readTime } from './audit-trail.ts'

const GRANULARITIES: Record<EventVolumeGranularity, number> = {
  DAY: 86_400_000,
  HOUR: 3_600_000,
  MINUTE: 60_000,
}
const DIMENSIONS: readonly EventVolumeDimension[] = ['eventName', 'eventType', 'source']
/** Most buckets one answer's series may have (a day by the minute, two months by the hour). */
export const MAX_BUCKETS = 1500
/** Segment's limit on the number of series in one answer. */
const MAX_SERIES = 5000

/**
 * Segment's `EventsApi`: event volume over time from the metering counts (messages the Tracking
 * API accepted, by receivedAt, UTC). `startTime` is rounded down and `endTime` up to the
 * granularity; series cover every bucket in between, zeros included, and come ordered by total.
 */
export const eventsVolumeRoutes: FastifyPluginAsync<ApiContext> = async (app, { store }) => {
  app.get<{ Querystring: Record<string, unknown> }>(
    '/events/volume',
    { config: { operation: 'getEventsVolumeFromWorkspace', permission: 'usage:read' } },
    async (request) => {
      const q = request.query
      const granularity = readGranularity(q.granularity)
      const step = GRANULARITIES[granularity]
      const startTime = required(readTime(q, 'startTime'), 'startTime')
      const endTime = required(readTime(q, 'endTime'), 'endTime')
      const from = Math.floor(Date.parse(startTime) / step) * step
      const to = Math.ceil(Date.parse(endTime) / step) * step
      if (endTime <= startTime) {
        throw new SwitchyardError('SY_API_VALIDATION', 'endTime must be after startTime', {
          field: 'endTime',
        })
      }
      if ((to - from) / step > MAX_BUCKETS) {
        throw new SwitchyardError(
          'SY_API_VALIDATION',
          `The time frame holds ${(to - from) / step} ${granularity} buckets; at most ${MAX_BUCKETS} are answered: narrow it or use a coarser granularity`,
          { field: 'endTime' },
        )
      }
      const groupBy = readList(q, 'groupBy')
      for (const d of groupBy) {
        if (!(DIMENSIONS as readonly string[]).includes(d)) {
          throw new SwitchyardError(
            'SY_API_VALIDATION',
            `groupBy may hold ${DIMENSIONS.join(', ')} (got "${d}")`,
            { field: 'groupBy' },
          )
        }
      }
      const filters = {
        sourceId: readList(q, 'sourceId'),
        eventName: readList(q, 'eventName'),
        eventType: readList(q, 'eventType'),
        appVersion: readList(q, 'appVersion'),
      }
      const workspaceId = request.principal.workspaceId
      const rows = await store.usage.eventVolume(workspaceId, {
        granularity,
        fromMinute: new Date(from).toISOString().slice(0, 16),
        toMinute: new Date(to).toISOString().slice(0, 16),
        groupBy: groupBy as EventVolumeDimension[],
        sourceIds: filters.sourceId,
        eventNames: filters.eventName,
        eventTypes: filters.eventType,
        appVersions: filters.appVersion,
      })
      const series = await toSeries(store, workspaceId, rows, { from, to, step, granularity })
      const page = readPagination(q)
      const listed = series.slice(0, MAX_SERIES)
      return {
        data: {
          path: '/events/volume',
          query: {
            workspaceId,
            granularity,
            startTime: new Date(from).toISOString(),
            endTime: new Date(to).toISOString(),
            ...(groupBy.length > 0 && { groupBy }),
            ...Object.fromEntries(Object.entries(filters).filter(([, v]) => v.length > 0)),
          },
          result: listed.slice(page.offset, page.offset + page.count),
          pagination: paginationOutput(page, listed.length),
        },
      }
    },
  )
}

interface Frame {
  from: number
  to: number
  step: number
  granularity: EventVolumeGranularity
}

/** Groups rows into `SourceEventVolumeV1` series, one point per bucket, biggest total first. */
async function toSeries(store: Store, workspaceId: string, rows: EventVolumeRow[], frame: Frame) {
  const groups = new Map<string, { row: EventVolumeRow; counts: Map<number, number>; total: number }>()
  for (const row of rows) {
    const key = JSON.stringify([row.sourceId, row.eventName, row.eventType])
    let group = groups.get(key)
    if (!group) groups.set(key, (group = { row, counts: new Map(), total: 0 }))
    const at = bucketTime(row.bucket, frame.granularity)
    group.counts.set(at, (group.counts.get(at) ?? 0) + row.count)
    group.total += row.count
  }
  const sources = new Map<string, { id: string; name?: string; slug?: string }>()
  for (const { row } of groups.values()) {
    if (row.sourceId === undefined || sources.has(row.sourceId)) continue
    const source = await store.sources.get(workspaceId, row.sourceId)
    sources.set(
      row.sourceId,
      source ? { id: source.id, name: source.name, slug: source.slug } : { id: row.sourceId },
    )
  }
  const times: number[] = []
  for (let t = frame.from; t < frame.to; t += frame.step) times.push(t)
  // With no data and no grouping, one series of zeros still describes the time frame.
  const all =
    groups.size === 0
      ? [{ row: {} as Partial<EventVolumeRow>, counts: new Map(), total: 0 }]
      : [...groups.values()]
  return all
    .sort((a, b) => b.total - a.total)
    .map(({ row, counts, total }) => ({
      ...(row.sourceId !== undefined && { source: sources.get(row.sourceId)! }),
      ...(row.eventName !== undefined && { eventName: row.eventName }),
      ...(row.eventType !== undefined && { eventType: row.eventType }),
      total,
      series: times.map((t) => ({ time: new Date(t).toISOString(), count: counts.get(t) ?? 0 })),
    }))
}

/** `2026-11-01` / `2026-11-01T10` / `2026-11-01T10:05` → epoch ms of the bucket's start. */
function bucketTime(bucket: string, granularity: EventVolumeGranularity): number {
  const suffix = { DAY: 'T00:00:00Z', HOUR: ':00:00Z', MINUTE: ':00Z' }[granularity]
  return Date.parse(`${bucket}${suffix}`)
}

function readGranularity(raw: unknown): EventVolumeGranularity {
  const value = typeof raw === 'string' ? raw.toUpperCase() : undefined
  if (value === undefined || !(value in GRANULARITIES)) {
    throw new SwitchyardError(
      'SY_API_VALIDATION',
      `granularity must be DAY, HOUR or MINUTE (got ${JSON.stringify(raw ?? null)})`,
      { field: 'granularity' },
    )
  }
  return value as EventVolumeGranularity
}

function required(value: string | undefined, field: string): string {
  if (value === undefined) {
    throw new SwitchyardError('SY_API_VALIDATION', `${field} is required`, { field })
  }
  return value
}

/**
 * A list query parameter in any of the forms clients send: `name=a&name=b`, `name[]=a`,
 * `name[0]=a&name[1]=b` (Segment's SDK), or comma-separated `name=a,b`.
 */
export function readList(query: Record<string, unknown>, name: string): string[] {
  const values: unknown[] = []
  for (const [key, value] of Object.entries(query)) {
    if (key === name || key === `${name}[]` || new RegExp(`^${name}\\[\\d+\\]$`).test(key)) {
      values.push(...(Array.isArray(value) ? value : [value]))
    }
  }
  return [
    ...new Set(
      values
        .flatMap((v) => String(v).split(','))
        .map((v) => v.trim())
        .filter(Boolean),
    ),
  ]
}
