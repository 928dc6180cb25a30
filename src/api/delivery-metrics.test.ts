import assert from 'node:assert/strict'
import { test } from 'node:test'
import { isSwitchyardError } from '../errors/index.ts'
import type { CountRow } from '../store/index.ts'
import {
  DELIVERY_STEPS,
  buildDatasets,
  discardReason,
  readFilter,
  readGranularity,
  readGroupBy,
  readList,
  summarize,
  timeRange,
} from './delivery-metrics.ts'

const lists: [query: Record<string, unknown>, expected: string[]][] = [
  [{}, []],
  [{ groupBy: 'eventName' }, ['eventName']],
  [{ groupBy: 'eventName,eventType' }, ['eventName', 'eventType']],
  [{ groupBy: ['eventName', 'appVersion'] }, ['eventName', 'appVersion']],
  [{ 'groupBy[0]': 'eventName', 'groupBy[1]': 'discardReason' }, ['eventName', 'discardReason']],
  [{ 'groupBy[]': 'eventType' }, ['eventType']],
  [{ 'groupBy.0': 'eventType' }, ['eventType']],
  [{ groupByX: 'eventType' }, []],
]
for (const [query, expected] of lists) {
  test(`readList(${JSON.stringify(query)})`, () => assert.deepEqual(readList(query, 'groupBy'), expected))
}

const filters: [query: Record<string, unknown>, expected: object][] = [
  [{ 'filter[eventName][0]': 'A', 'filter[eventName][1]': 'B' }, { eventName: ['A', 'B'] }],
  [{ 'filter[discardReason]': '400,500' }, { discardReason: ['400', '500'] }],
  [{ 'filter.eventType': 'track' }, { eventType: ['track'] }],
  [{ filter: { appVersion: ['1.0'] } }, { appVersion: ['1.0'] }],
]
for (const [query, expected] of filters) {
  test(`readFilter(${JSON.stringify(query)})`, () => assert.deepEqual(readFilter(query), expected))
}

const refusal = (field: string) => (e: unknown) => isSwitchyardError(e) && e.field === field

test('groupBy and granularity are checked, naming the field', () => {
  assert.throws(() => readGroupBy({ groupBy: 'userId' }), refusal('groupBy'))
  assert.equal(readGranularity('HOUR'), 'hour')
  assert.equal(readGranularity(undefined, 'minute'), 'minute')
  assert.throws(() => readGranularity('week'), refusal('granularity'))
})

const ranges: [
  start: string,
  end: string,
  granularity: 'minute' | 'hour' | 'day',
  from: string,
  to: string,
][] = [
  [
    '2026-03-01T10:15:30Z',
    '2026-03-01T10:18:00Z',
    'minute',
    '2026-03-01T10:15:00.000Z',
    '2026-03-01T10:18:00.000Z',
  ],
  [
    '2026-03-01T10:15:30Z',
    '2026-03-01T12:00:01Z',
    'hour',
    '2026-03-01T10:00:00.000Z',
    '2026-03-01T13:00:00.000Z',
  ],
  [
    '2026-03-01T10:15:30Z',
    '2026-03-03T00:00:00Z',
    'day',
    '2026-03-01T00:00:00.000Z',
    '2026-03-03T00:00:00.000Z',
  ],
]
for (const [start, end, granularity, from, to] of ranges) {
  test(`timeRange ${start}–${end} by ${granularity}`, () => {
    const range = timeRange(Date.parse(start), Date.parse(end), granularity)
    assert.deepEqual(
      [new Date(range.fromMinute * 60_000).toISOString(), new Date(range.toMinute * 60_000).toISOString()],
      [from, to],
    )
  })
}

test('timeRange refuses empty ranges and ranges longer than the granularity allows', () => {
  const t = Date.parse('2026-03-01T00:00:00Z')
  assert.throws(() => timeRange(t, t, 'minute'), refusal('endTime'))
  assert.throws(() => timeRange(t, t + 4 * 3_600_000 + 1, 'minute'), refusal('startTime'))
  assert.throws(() => timeRange(t, t + 15 * 86_400_000, 'hour'), refusal('startTime'))
  assert.doesNotThrow(() => timeRange(t, t + 30 * 86_400_000, 'day'))
})

const reasons: [row: Pick<CountRow, 'outcome' | 'reason' | 'attempt'>, expected: string][] = [
  [{ outcome: 'delivered', reason: '200', attempt: 1 }, 'successes.attempt.1'],
  [{ outcome: 'delivered', reason: '200', attempt: 3 }, 'successes.attempt.3'],
  [
    { outcome: 'filtered', reason: 'filtered_by_end_user_consent', attempt: 0 },
    'FILTERED_BY_END_USER_CONSENT',
  ],
  [{ outcome: 'dropped', reason: '400', attempt: 0 }, '400'],
  [{ outcome: 'dead_lettered', reason: 'ECONNREFUSED', attempt: 0 }, 'ECONNREFUSED'],
]
for (const [row, expected] of reasons) {
  test(`discardReason of ${row.outcome}/${row.reason} is ${expected}`, () =>
    assert.equal(discardReason(row), expected))
}

const minute = Date.parse('2026-03-01T10:00:00Z') / 60_000
const row = (
  offset: number,
  outcome: string,
  reason: string,
  count: number,
  extra: Partial<CountRow> = {},
): CountRow => ({
  bucket: minute + offset,
  outcome,
  reason,
  attempt: outcome === 'delivered' ? 1 : 0,
  count,
  ...extra,
})
const range = timeRange(Date.parse('2026-03-01T10:00:00Z'), Date.parse('2026-03-01T10:03:00Z'), 'minute')

test('failed delivery: dropped and dead-lettered count, retries go to retryCount, zeros fill the range', () => {
  const rows = [row(0, 'dropped', '400', 2), row(1, 'dead_lettered', '500', 1), row(1, 'retrying', '500', 4)]
  assert.deepEqual(buildDatasets(rows, DELIVERY_STEPS['failed-delivery']!, range, []), [
    {
      total: 3,
      series: [
        { time: '2026-03-01T10:00:00.000Z', count: 2, retryCount: 0 },
        { time: '2026-03-01T10:01:00.000Z', count: 1, retryCount: 4 },
        { time: '2026-03-01T10:02:00.000Z', count: 0, retryCount: 0 },
      ],
      totalRetryCount: 4,
    },
  ])
  const byReason = buildDatasets(rows, DELIVERY_STEPS['failed-delivery']!, range, ['discardReason'])
  assert.deepEqual(
    byReason.map((d) => [d.discardReason, d.total, d.totalRetryCount]),
    [
      ['400', 2, 0],
      ['500', 1, 4],
    ],
  )
  assert.deepEqual(
    buildDatasets(rows, DELIVERY_STEPS['failed-delivery']!, range, ['discardReason'], ['500']).map(
      (d) => d.discardReason,
    ),
    ['500'],
  )
})

test('successful delivery groups by event name; a retried success counts in retryCount', () => {
  const rows = [
    row(0, 'delivered', '200', 5, { eventName: 'A' }),
    row(0, 'delivered', '200', 1, { eventName: 'B', attempt: 2 }),
  ]
  const datasets = buildDatasets(rows, DELIVERY_STEPS['successful-delivery']!, range, ['eventName'])
  assert.deepEqual(
    datasets.map((d) => [d.eventName, d.total, d.totalRetryCount]),
    [
      ['A', 5, 0],
      ['B', 1, 1],
    ],
  )
})

test('a step Switchyard does not count answers one dataset of zeros', () => {
  const [dataset] = buildDatasets([], DELIVERY_STEPS['failed-on-ingest']!, range, [])
  assert.equal(dataset!.total, 0)
  assert.equal(dataset!.series.length, 3)
  assert.equal(dataset!.totalRetryCount, undefined)
})

test('the summary names Segment’s metrics with breakdowns, and latency percentiles', () => {
  const rows = [
    row(0, 'delivered', '200', 7),
    row(0, 'delivered', '200', 1, { attempt: 2 }),
    row(0, 'dropped', '400', 2),
    row(0, 'retrying', '503', 3),
    row(0, 'dead_lettered', '503', 1),
    row(0, 'filtered', 'filtered_by_integrations_object', 4),
  ]
  const summary = summarize(rows, { p50: 40, p95: 250, p99: 900 })
  assert.deepEqual(
    summary.map((m) => [m.metricName, m.total, m.breakdown?.map((b) => `${b.metricName}=${b.value}`)]),
    [
      ['successes', 8, ['successes.attempt.1=7', 'successes.attempt.2=1']],
      ['discarded', 2, ['errors.discarded.400=2']],
      ['expired', 1, ['errors.expired.503=1']],
      ['retried', 3, ['errors.awaiting-retry.503=3']],
      ['filtered', 4, ['FILTERED_BY_INTEGRATIONS_OBJECT=4']],
      ['latency', 250, ['latency.p50=40', 'latency.p95=250', 'latency.p99=900']],
    ],
  )
})
