/**
 * Delivery Overview in Segment's shapes, from stored count rows: the query parameters (time range,
 * granularity, `groupBy`, `filter`), the pipeline steps as data, and the datasets and summaries built
 * from rows. Pure.
 */
import { DROP_REASONS } from '../destinations/index.ts'
import { SwitchyardError } from '../errors/index.ts'
import type { CountDimension, CountRow } from '../store/index.ts'

export type Granularity = 'minute' | 'hour' | 'day'

export const GRANULARITY_MINUTES: Record<Granularity, number> = { minute: 1, hour: 60, day: 1440 }

/** Longest time range per granularity (Segment's limits). */
export const MAX_WINDOW_MS: Record<Granularity, number> = {
  minute: 4 * 3_600_000,
  hour: 14 * 86_400_000,
  day: 30 * 86_400_000,
}

/** Default look back of the delivery metrics summary when `startTime` is absent. */
export const SUMMARY_DEFAULT_LOOKBACK_MS: Record<Granularity, number> = {
  minute: 3_600_000,
  hour: 7 * 86_400_000,
  day: 30 * 86_400_000,
}

/** A Delivery Overview step: what its counts are made of. */
export interface DeliveryStep {
  readonly operation: string
  /** `source`: the source's own counts; `destination`: one destination's. */
  readonly scope: 'source' | 'destination'
  /** Outcomes counted in `count`. Empty: Switchyard does not count this step yet (always zero). */
  readonly counted: readonly string[]
  /** Outcomes counted only in `retryCount` (failed delivery: attempts awaiting a retry). */
  readonly retries: readonly string[]
  /** Whether delivered rows after a retry count in `retryCount`. */
  readonly retriedSuccesses?: boolean
}

/** The steps, by path segment under `/delivery-overview/`. */
export const DELIVERY_STEPS: Readonly<Record<string, DeliveryStep>> = Object.freeze({
  'successfully-received': {
    operation: 'getIngressSuccessMetricsFromDeliveryOverview',
    scope: 'source',
    counted: ['received'],
    retries: [],
  },
  'failed-on-ingest': {
    operation: 'getIngressFailedMetricsFromDeliveryOverview',
    scope: 'source',
    counted: ['failed_on_ingest'],
    retries: [],
  },
  'filtered-at-source': {
    operation: 'getFilteredAtSourceMetricsFromDeliveryOverview',
    scope: 'source',
    counted: ['filtered_at_source'],
    retries: [],
  },
  'filtered-at-destination': {
    operation: 'getFilteredAtDestinationMetricsFromDeliveryOverview',
    scope: 'destination',
    counted: ['filtered'],
    retries: [],
  },
  'failed-delivery': {
    operation: 'getEgressFailedMetricsFromDeliveryOverview',
    scope: 'destination',
    counted: ['dropped', 'dead_lettered'],
    retries: ['retrying'],
  },
  'successful-delivery': {
    operation: 'getEgressSuccessMetricsFromDeliveryOverview',
    scope: 'destination',
    counted: ['delivered'],
    retries: [],
    retriedSuccesses: true,
  },
})

export type GroupKey = CountDimension | 'discardReason'
export const GROUP_KEYS: readonly GroupKey[] = ['eventName', 'eventType', 'appVersion', 'discardReason']

/** How Delivery Overview names the reason of a row: Segment's spelling for drop reasons, else the code. */
export function discardReason(row: Pick<CountRow, 'outcome' | 'reason' | 'attempt'>): string {
  if (row.outcome === 'delivered') return `successes.attempt.${Math.max(1, row.attempt)}`
  if (row.outcome === 'filtered' && Object.hasOwn(DROP_REASONS, row.reason))
    return DROP_REASONS[row.reason as keyof typeof DROP_REASONS].segmentReason
  return row.reason
}

/** Reads a list parameter in any of the forms clients send: `a=x,y`, `a=x&a=y`, `a[]=x`, `a[0]=x`. */
export function readList(query: Record<string, unknown>, name: string): string[] {
  const values: unknown[] = []
  for (const [key, value] of Object.entries(query)) {
    if (key === name || key === `${name}[]` || new RegExp(`^${name}(\\[\\d+\\]|\\.\\d+)$`).test(key))
      values.push(value)
  }
  return values
    .flat(2)
    .flatMap((v) => (typeof v === 'string' ? v.split(',') : typeof v === 'number' ? [String(v)] : []))
    .map((v) => v.trim())
    .filter(Boolean)
}

/** `filter[eventName][0]=x`, `filter.eventName=x,y` or a nested `filter` object. */
export function readFilter(query: Record<string, unknown>): Partial<Record<GroupKey, string[]>> {
  const nested = typeof query.filter === 'object' && query.filter !== null ? query.filter : {}
  const filter: Partial<Record<GroupKey, string[]>> = {}
  for (const key of GROUP_KEYS) {
    const flat: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(query)) {
      for (const prefix of [`filter[${key}]`, `filter.${key}`]) {
        if (k.startsWith(prefix)) flat[`${key}${k.slice(prefix.length)}`] = v
      }
    }
    const values = [...readList(flat, key), ...readList(nested as Record<string, unknown>, key)]
    if (values.length > 0) filter[key] = values
  }
  return filter
}

export function readGroupBy(query: Record<string, unknown>): GroupKey[] {
  const keys = readList(query, 'groupBy')
  for (const key of keys) {
    if (!(GROUP_KEYS as readonly string[]).includes(key)) {
      throw new SwitchyardError(
        'SY_API_VALIDATION',
        `groupBy may name ${GROUP_KEYS.join(', ')} (got "${key}")`,
        { field: 'groupBy' },
      )
    }
  }
  return [...new Set(keys as GroupKey[])]
}

export function readGranularity(raw: unknown, fallback?: Granularity): Granularity {
  if ((raw === undefined || raw === '') && fallback) return fallback
  const value = typeof raw === 'string' ? raw.toLowerCase() : ''
  if (value === 'minute' || value === 'hour' || value === 'day') return value
  throw new SwitchyardError(
    'SY_API_VALIDATION',
    `granularity must be minute, hour or day (got ${JSON.stringify(raw ?? null)})`,
    { field: 'granularity' },
  )
}

export function readTime(raw: unknown, field: string): number {
  const ms = typeof raw === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(raw) ? Date.parse(raw) : NaN
  if (Number.isNaN(ms)) {
    throw new SwitchyardError(
      'SY_API_VALIDATION',
      `${field} must be an ISO-8601 date-time such as 2026-01-02T15:04:05.000Z (got ${JSON.stringify(raw ?? null)})`,
      { field },
    )
  }
  return ms
}

export interface TimeRange {
  /** First minute (epoch minutes), aligned to the granularity. */
  fromMinute: number
  /** Exclusive end (epoch minutes), the end of the last bucket that starts before `endTime`. */
  toMinute: number
  granularity: Granularity
}

/** The buckets covering `[start, end)`, refused when the range is empty or longer than the granularity allows. */
export function timeRange(start: number, end: number, granularity: Granularity): TimeRange {
  if (end <= start)
    throw new SwitchyardError('SY_API_VALIDATION', 'endTime must be after startTime', { field: 'endTime' })
  if (end - start > MAX_WINDOW_MS[granularity]) {
    throw new SwitchyardError(
      'SY_API_VALIDATION',
      `a ${granularity} granularity covers at most ${MAX_WINDOW_MS[granularity] / 3_600_000} hours; shorten the range or use a coarser granularity`,
      { field: 'startTime' },
    )
  }
  const size = GRANULARITY_MINUTES[granularity]
  const fromMinute = Math.floor(start / 60_000 / size) * size
  const toMinute = Math.ceil(end / 60_000 / size) * size
  return { fromMinute, toMinute, granularity }
}

export interface Datapoint {
  time: string
  count: number
  retryCount?: number
}

export interface Dataset {
  eventName?: string
  eventType?: string
  appVersion?: string
  discardReason?: string
  total: number
  series: Datapoint[]
  totalRetryCount?: number
}

/**
 * Segment's datasets for one step: one per combination of the `groupBy` keys (one in all without it),
 * each with a datapoint per bucket of the range (zeros included), largest total first. Rows must be
 * grouped by bucket of the range's granularity; `filter.discardReason` applies here, the other filters
 * in the query.
 */
export function buildDatasets(
  rows: readonly CountRow[],
  step: DeliveryStep,
  range: TimeRange,
  groupBy: readonly GroupKey[],
  reasons: readonly string[] = [],
): Dataset[] {
  const size = GRANULARITY_MINUTES[range.granularity]
  const buckets: number[] = []
  for (let m = range.fromMinute; m < range.toMinute; m += size) buckets.push(m)
  const withRetries = step.retries.length > 0 || step.retriedSuccesses === true
  const groups = new Map<
    string,
    { keys: Partial<Record<GroupKey, string>>; counts: Map<number, [number, number]> }
  >()
  for (const row of rows) {
    const counted = step.counted.includes(row.outcome)
    const retry =
      step.retries.includes(row.outcome) || (step.retriedSuccesses === true && counted && row.attempt > 1)
    if (!counted && !retry) continue
    const reason = discardReason(row)
    if (reasons.length > 0 && !reasons.includes(reason) && !reasons.includes(row.reason)) continue
    const keys: Partial<Record<GroupKey, string>> = {}
    for (const key of groupBy) keys[key] = key === 'discardReason' ? reason : (row[key] ?? '')
    const id = JSON.stringify(groupBy.map((k) => keys[k]))
    let group = groups.get(id)
    if (!group) groups.set(id, (group = { keys, counts: new Map() }))
    const point = group.counts.get(row.bucket) ?? [0, 0]
    if (counted) point[0] += row.count
    if (retry) point[1] += row.count
    group.counts.set(row.bucket, point)
  }
  if (groups.size === 0 && groupBy.length === 0) groups.set('[]', { keys: {}, counts: new Map() })
  const datasets = [...groups.values()].map(({ keys, counts }) => {
    const series = buckets.map((bucket) => {
      const [count, retryCount] = counts.get(bucket) ?? [0, 0]
      return {
        time: new Date(bucket * 60_000).toISOString(),
        count,
        ...(withRetries && { retryCount }),
      }
    })
    return {
      ...keys,
      total: series.reduce((n, p) => n + p.count, 0),
      series,
      ...(withRetries && { totalRetryCount: series.reduce((n, p) => n + (p.retryCount ?? 0), 0) }),
    }
  })
  return datasets.sort(
    (a, b) =>
      b.total - a.total ||
      JSON.stringify(groupBy.map((k) => a[k])).localeCompare(JSON.stringify(groupBy.map((k) => b[k]))),
  )
}

export interface MetricSummary {
  metricName: string
  total: number
  breakdown?: { metricName: string; value: number }[]
}

/**
 * Segment's delivery metrics summary: `successes` (broken down by `successes.attempt.N`), `discarded`
 * (permanent failures, `errors.discarded.<code>`), `expired` (dead-lettered after the retry window,
 * `errors.expired.<code>`), `retried` (attempts that failed and wait for a retry,
 * `errors.awaiting-retry.<code>`), `filtered` (by Segment's reason name) and `latency` (p95 in ms, with
 * `latency.p50`, `latency.p95`, `latency.p99`).
 */
export function summarize(
  rows: readonly CountRow[],
  latency: { p50?: number; p95?: number; p99?: number },
): MetricSummary[] {
  const metrics: [string, string, (row: CountRow) => string][] = [
    ['successes', 'delivered', (r) => discardReason(r)],
    ['discarded', 'dropped', (r) => `errors.discarded.${r.reason}`],
    ['expired', 'dead_lettered', (r) => `errors.expired.${r.reason}`],
    ['retried', 'retrying', (r) => `errors.awaiting-retry.${r.reason}`],
    ['filtered', 'filtered', (r) => discardReason(r)],
  ]
  const summary: MetricSummary[] = metrics.map(([metricName, outcome, name]) => {
    const breakdown = new Map<string, number>()
    for (const row of rows)
      if (row.outcome === outcome) breakdown.set(name(row), (breakdown.get(name(row)) ?? 0) + row.count)
    return {
      metricName,
      total: [...breakdown.values()].reduce((n, v) => n + v, 0),
      breakdown: [...breakdown]
        .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
        .map(([metricName, value]) => ({ metricName, value })),
    }
  })
  summary.push({
    metricName: 'latency',
    total: latency.p95 ?? 0,
    breakdown: (['p50', 'p95', 'p99'] as const).map((p) => ({
      metricName: `latency.${p}`,
      value: latency[p] ?? 0,
    })),
  })
  return summary
}
