import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { Exchange } from '../destinations/index.ts'
import type { StoredMessage } from '../spec/index.ts'
import { DeliveryAggregate, eventDimensions, truncate } from './delivery-aggregate.ts'
import type { DeliveryRecord } from './delivery-worker.ts'

const AT = Date.parse('2026-03-01T10:15:30.000Z')
const MINUTE = Math.floor(AT / 60_000)

const message = (id: string, extra: Record<string, unknown> = {}): StoredMessage =>
  ({
    type: 'track',
    event: 'Order Completed',
    userId: 'u1',
    messageId: id,
    receivedAt: '2026-03-01T10:14:00.000Z',
    timestamp: '2026-03-01T10:14:00.000Z',
    ...extra,
  }) as StoredMessage

const record = (event: DeliveryRecord['event'], extra: Partial<DeliveryRecord> = {}): DeliveryRecord => ({
  destinationId: 'd1',
  workspaceId: 'w1',
  sourceId: 's1',
  messages: [message('m1')],
  event,
  attempt: 1,
  ...extra,
})

const exchange = (status: number): Exchange => ({
  request: {
    method: 'POST',
    url: 'https://hooks.example.com/in?token=abc',
    headers: {
      'Content-Type': 'application/json',
      Authorization: 'Bearer secret-token-0001',
      'X-Signature': 'f'.repeat(40),
    },
    body: JSON.stringify(message('m1')),
  },
  response: {
    status,
    headers: { 'content-type': 'text/plain' },
    body: 'nope',
    bodyTruncated: false,
    durationMs: 12,
  },
  outcome: { kind: 'drop', code: String(status), status, detail: `rejected with ${status}` },
})

const dimensions: [extra: Record<string, unknown>, expected: ReturnType<typeof eventDimensions>][] = [
  [{}, { eventType: 'track', eventName: 'Order Completed', appVersion: '' }],
  [
    { type: 'page', name: 'Home', event: undefined },
    { eventType: 'page', eventName: 'Home', appVersion: '' },
  ],
  [
    { type: 'identify', event: undefined },
    { eventType: 'identify', eventName: '', appVersion: '' },
  ],
  [
    { context: { app: { version: '2.1.0' } } },
    { eventType: 'track', eventName: 'Order Completed', appVersion: '2.1.0' },
  ],
  [
    { context: { app: { version: 7 } } },
    { eventType: 'track', eventName: 'Order Completed', appVersion: '7' },
  ],
  [{ event: 'x'.repeat(300) }, { eventType: 'track', eventName: 'x'.repeat(200), appVersion: '' }],
]
for (const [extra, expected] of dimensions) {
  test(`eventDimensions of ${JSON.stringify(extra).slice(0, 60)}`, () =>
    assert.deepEqual(eventDimensions(message('m', extra)), expected))
}

test('truncate cuts at a byte limit without splitting a character', () => {
  assert.deepEqual(truncate('abc', 5), { text: 'abc', truncated: false })
  assert.deepEqual(truncate('abcdef', 5), { text: 'abcde', truncated: true })
  assert.deepEqual(truncate('aé€', 4), { text: 'aé', truncated: true })
})

test('deliveries add up per minute, outcome, reason and event; latency goes to its histogram bucket', () => {
  const aggregate = new DeliveryAggregate({ lineage: true })
  aggregate.addDelivery(record({ kind: 'delivered', code: '200', latencyMs: 40 }), AT)
  aggregate.addDelivery(
    record({ kind: 'delivered', code: '200', latencyMs: 45 }, { messages: [message('m2'), message('m3')] }),
    AT + 1000,
  )
  aggregate.addDelivery(
    record({ kind: 'delivered', code: '200', latencyMs: 900 }, { attempt: 14 }),
    AT + 2000,
  )
  const batch = aggregate.drain()
  assert.deepEqual(
    batch.counts.map((c) => [c.minute, c.outcome, c.reason, c.eventName, c.attempt, c.count]),
    [
      [MINUTE, 'delivered', '200', 'Order Completed', 1, 3],
      [MINUTE, 'delivered', '200', 'Order Completed', 10, 1],
    ],
  )
  assert.deepEqual(
    batch.latency.map((l) => [l.bound, l.count]),
    [
      [2, 3],
      [6, 1],
    ],
  )
  assert.deepEqual(batch.samples, [], 'deliveries are not sampled')
  assert.equal(batch.lineage.length, 4)
  assert.deepEqual(batch.lineage[0]!.data, { attempt: 1, latencyMs: 40, status: 200 })
  assert.ok(aggregate.empty, 'drained')
})

test('a failure is counted and sampled, with credentials masked and the matching exchange', () => {
  const aggregate = new DeliveryAggregate({ lineage: true })
  aggregate.addDelivery(
    record(
      { kind: 'dropped', code: '400', detail: 'rejected with 400' },
      { exchanges: [exchange(500), exchange(400)] },
    ),
    AT,
  )
  const [sample] = aggregate.drain().samples
  assert.equal(sample!.reason, '400')
  assert.equal(sample!.response?.status, 400)
  assert.equal(sample!.request?.headers.Authorization, '••••••••0001')
  assert.equal(sample!.request?.headers['X-Signature'], '••••••••ffff')
  assert.equal(sample!.request?.url, 'https://hooks.example.com/in?token=••••••••')
  assert.equal(JSON.parse(sample!.payload).messageId, 'm1')
  assert.doesNotMatch(JSON.stringify(sample), /secret-token/)
})

test('retrying records say when the next attempt is due; filtered ones carry the drop reason', () => {
  const aggregate = new DeliveryAggregate({ lineage: true })
  aggregate.addDelivery(
    record({ kind: 'retrying', code: '503', delayMs: 5000, detail: '503: answered 503' }, { attempt: 2 }),
    AT,
  )
  aggregate.addDelivery(
    record({
      kind: 'filtered',
      reason: 'filtered_by_integrations_object',
      detail: 'integrations["Webhooks"] is false',
    }),
    AT,
  )
  const { lineage, counts } = aggregate.drain()
  assert.deepEqual(lineage[0]!.data, { attempt: 2, nextAttemptAt: '2026-03-01T10:15:35.000Z', status: 503 })
  assert.deepEqual(
    [lineage[1]!.outcome, lineage[1]!.code, lineage[1]!.detail],
    ['filtered', 'filtered_by_integrations_object', 'integrations["Webhooks"] is false'],
  )
  assert.deepEqual(
    counts.map((c) => [c.outcome, c.reason, c.attempt]),
    [
      ['retrying', '503', 0],
      ['filtered', 'filtered_by_integrations_object', 0],
    ],
  )
})

test('only the newest samples per reason are kept', () => {
  const aggregate = new DeliveryAggregate({ lineage: false })
  for (let i = 0; i < 15; i++)
    aggregate.addDelivery(
      record({ kind: 'dropped', code: '400', detail: '' }, { messages: [message(`m${i}`)] }),
      AT + i,
    )
  const { samples, lineage } = aggregate.drain()
  assert.deepEqual(
    samples.map((s) => s.messageId),
    ['m5', 'm6', 'm7', 'm8', 'm9', 'm10', 'm11', 'm12', 'm13', 'm14'],
  )
  assert.deepEqual(lineage, [], 'lineage off')
})

test('routed messages count as received by their receivedAt, with the destinations in lineage', () => {
  const aggregate = new DeliveryAggregate({ lineage: true })
  aggregate.addRouted(
    [{ workspaceId: 'w1', sourceId: 's1', message: message('m1'), destinationIds: ['d1', 'd2'] }],
    AT,
  )
  const { counts, lineage } = aggregate.drain()
  assert.deepEqual(
    counts.map((c) => [c.destinationId, c.minute, c.outcome]),
    [['', Math.floor(Date.parse('2026-03-01T10:14:00.000Z') / 60_000), 'received']],
  )
  assert.deepEqual(lineage[0]!.data, { destinationIds: ['d1', 'd2'], receivedAt: '2026-03-01T10:14:00.000Z' })
  assert.equal(lineage[0]!.detail, 'queued for 2 destinations')
})

test('a batch that could not be written is restored in front of newer records, counts merged', () => {
  const aggregate = new DeliveryAggregate({ lineage: true, maxLineage: 3 })
  aggregate.addDelivery(record({ kind: 'delivered', code: '200', latencyMs: 5 }), AT)
  const failed = aggregate.drain()
  aggregate.addDelivery(
    record({ kind: 'delivered', code: '200', latencyMs: 5 }, { messages: [message('m2'), message('m3')] }),
    AT,
  )
  aggregate.restore(failed)
  const batch = aggregate.drain()
  assert.deepEqual(
    batch.counts.map((c) => c.count),
    [3],
  )
  assert.deepEqual(
    batch.latency.map((l) => l.count),
    [3],
  )
  assert.deepEqual(
    batch.lineage.map((e) => e.messageId),
    ['m1', 'm2', 'm3'],
  )
  aggregate.addDelivery(
    record(
      { kind: 'delivered', code: '200', latencyMs: 5 },
      { messages: [message('a'), message('b'), message('c'), message('d')] },
    ),
    AT,
  )
  assert.equal(aggregate.droppedLineage, 1, 'lineage beyond the bound is dropped and counted')
  assert.equal(aggregate.drain().counts[0]!.count, 4, 'counts never are')
})
