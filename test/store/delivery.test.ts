import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import {
  openStore,
  SAMPLES_PER_REASON,
  type DeliveryCountDelta,
  type LineageEntry,
  type NewDeliverySample,
  type Store,
} from '../../src/store/index.ts'
import { openDatabase } from '../../src/store/dialect.ts'
import { dialects, type TestDatabase } from '../support/services.ts'

const SECRET_KEY = 'test-secret-key-test-secret-key-123'
const MINUTE = Math.floor(Date.parse('2026-03-01T10:00:00Z') / 60_000)

const count = (extra: Partial<DeliveryCountDelta>): DeliveryCountDelta => ({
  workspaceId: 'w1',
  sourceId: 's1',
  destinationId: 'd1',
  minute: MINUTE,
  outcome: 'delivered',
  reason: '200',
  eventType: 'track',
  eventName: 'Order Completed',
  appVersion: '',
  attempt: 1,
  count: 1,
  ...extra,
})

const sample = (at: number, extra: Partial<NewDeliverySample> = {}): NewDeliverySample => ({
  workspaceId: 'w1',
  sourceId: 's1',
  destinationId: 'd1',
  outcome: 'dropped',
  reason: '400',
  at,
  messageId: `m${at}`,
  eventType: 'track',
  eventName: 'Order Completed',
  detail: 'rejected with 400',
  payload: '{"messageId":"m"}',
  payloadTruncated: false,
  request: { method: 'POST', url: 'https://x.test/', headers: { a: 'b' }, body: '{}', bodyTruncated: false },
  response: { status: 400, headers: {}, body: 'no', bodyTruncated: false, durationMs: 3 },
  ...extra,
})

const RECEIVED_AT = '2026-03-01T09:59:59.500Z'

const lineage = (at: number, extra: Partial<LineageEntry> = {}): LineageEntry => ({
  workspaceId: 'w1',
  sourceId: 's1',
  messageId: 'm1',
  receivedAt: Date.parse(RECEIVED_AT),
  at,
  seq: at,
  stage: 'deliver',
  destinationId: 'd1',
  outcome: 'delivered',
  code: '200',
  detail: '',
  ...extra,
})

for (const dialect of await dialects()) {
  describe(`delivery records on ${dialect.name}`, { skip: dialect.skip }, () => {
    let database: TestDatabase
    let store: Store

    before(async () => {
      database = await dialect.create()
      store = openStore({ target: database.target, secretKey: SECRET_KEY, guardTransactions: true })
      await store.migrate()
    })
    after(async () => {
      await store?.close()
      await database?.drop()
    })

    test('counts add up across flushes and group by bucket, outcome, reason and the asked dimensions', async () => {
      await store.delivery.addCounts([
        count({ count: 2 }),
        count({ minute: MINUTE + 1, eventName: 'Signed Up' }),
        count({ minute: MINUTE + 61, count: 4 }),
        count({ outcome: 'dropped', reason: '400', attempt: 0 }),
        count({ destinationId: 'd2', count: 100 }),
      ])
      await store.transaction((tx) => tx.delivery.addCounts([count({ count: 3 })]))
      const query = {
        workspaceId: 'w1',
        sourceId: 's1',
        destinationId: 'd1',
        outcomes: ['delivered', 'dropped'],
        fromMinute: MINUTE,
        toMinute: MINUTE + 120,
      }
      const byMinute = await store.delivery.counts({ ...query, bucketMinutes: 1 })
      const sorted = (rows: { bucket: number; outcome: string; count: number }[]) =>
        rows
          .map((r) => [r.bucket - MINUTE, r.outcome, r.count])
          .sort((a, b) => String(a).localeCompare(String(b)))
      assert.deepEqual(sorted(byMinute), [
        [0, 'delivered', 5],
        [0, 'dropped', 1],
        [1, 'delivered', 1],
        [61, 'delivered', 4],
      ])
      const byHour = await store.delivery.counts({ ...query, bucketMinutes: 60, groupBy: ['eventName'] })
      assert.deepEqual(
        byHour
          .filter((r) => r.outcome === 'delivered')
          .map((r) => [r.bucket - MINUTE, r.eventName, r.count])
          .sort((a, b) => String(a).localeCompare(String(b))),
        [
          [0, 'Order Completed', 5],
          [0, 'Signed Up', 1],
          [60, 'Order Completed', 4],
        ],
      )
      const filtered = await store.delivery.counts({
        ...query,
        bucketMinutes: 1440,
        filter: { eventName: ['Signed Up'] },
      })
      assert.deepEqual(
        filtered.map((r) => [r.outcome, r.count]),
        [['delivered', 1]],
      )
      assert.deepEqual(await store.delivery.counts({ ...query, workspaceId: 'w2', bucketMinutes: 1 }), [])
    })

    test('latency histograms add up per bucket over a range', async () => {
      const delta = { workspaceId: 'w1', sourceId: 's1', destinationId: 'd1', minute: MINUTE }
      await store.delivery.addLatency([
        { ...delta, bound: 2, count: 3 },
        { ...delta, bound: 6, count: 1 },
      ])
      await store.delivery.addLatency([{ ...delta, minute: MINUTE + 5, bound: 2, count: 2 }])
      const histogram = await store.delivery.latency({ ...delta, fromMinute: MINUTE, toMinute: MINUTE + 10 })
      assert.deepEqual(
        [...histogram].sort((a, b) => a[0] - b[0]),
        [
          [2, 5],
          [6, 1],
        ],
      )
    })

    test('samples keep the newest per destination, outcome and reason, with request and response', async () => {
      const at = Date.parse('2026-03-01T10:00:00Z')
      for (let i = 0; i < SAMPLES_PER_REASON + 3; i++) await store.delivery.addSamples([sample(at + i)])
      await store.delivery.addSamples([sample(at, { reason: '401' })])
      const kept = await store.delivery.samples({
        workspaceId: 'w1',
        destinationId: 'd1',
        reason: '400',
        limit: 100,
      })
      assert.equal(kept.length, SAMPLES_PER_REASON)
      assert.equal(kept[0]!.at, at + SAMPLES_PER_REASON + 2, 'newest first')
      assert.equal(kept.at(-1)!.at, at + 3)
      assert.deepEqual(kept[0]!.response, {
        status: 400,
        headers: {},
        body: 'no',
        bodyTruncated: false,
        durationMs: 3,
      })
      assert.equal(kept[0]!.payloadTruncated, false)
      const all = await store.delivery.samples({ workspaceId: 'w1', destinationId: 'd1', limit: 100 })
      assert.equal(all.length, SAMPLES_PER_REASON + 1)
      assert.deepEqual(
        await store.delivery.samples({ workspaceId: 'w2', destinationId: 'd1', limit: 100 }),
        [],
      )
    })

    test('lineage comes back in order for one message of one source, and is pruned by age', async () => {
      const at = Date.parse('2026-03-01T10:00:00Z')
      // A message's lineage is found through its archived copy (which gives its receipt time).
      await store.archive.append(
        [
          { workspaceId: 'w1', sourceId: 's1', messageId: 'm1' },
          { workspaceId: 'w1', sourceId: 's1', messageId: 'other' },
          { workspaceId: 'w1', sourceId: 's2', messageId: 'm1' },
        ].map((m) => ({
          ...m,
          receivedAt: RECEIVED_AT,
          type: 'track',
          event: 'Order Completed',
          userId: 'u1',
          anonymousId: null,
          blocked: false,
          message: '{}',
        })),
      )
      await store.lineage.append([
        lineage(at + 5, { outcome: 'delivered', data: { status: 200, attempt: 2 } }),
        lineage(at, { stage: 'process', outcome: 'routed', destinationId: '', code: '', seq: 1 }),
        lineage(at + 1, { outcome: 'retrying', code: '500' }),
        lineage(at, { messageId: 'other' }),
        lineage(at, { sourceId: 's2' }),
      ])
      const entries = await store.lineage.forMessage('w1', 's1', 'm1')
      assert.deepEqual(
        entries.map((e) => e.outcome),
        ['routed', 'retrying', 'delivered'],
      )
      assert.deepEqual(entries[2]!.data, { status: 200, attempt: 2 })
      assert.equal(entries[0]!.data, undefined)
      assert.deepEqual(await store.lineage.forMessage('w2', 's1', 'm1'), [])
      assert.equal(await store.lineage.prune(at + 1), 3)
      assert.deepEqual(
        (await store.lineage.forMessage('w1', 's1', 'm1')).map((e) => e.outcome),
        ['retrying', 'delivered'],
      )
    })

    test('lineage written before it was filed by receipt time is still found and pruned', async () => {
      const at = Date.parse('2026-02-01T10:00:00Z')
      const { db } = openDatabase(database.target)
      try {
        await db
          .insertInto('message_lineage')
          .values(
            [at, at + 10].map((t, i) => ({
              workspace_id: 'w1',
              source_id: 's1',
              message_id: 'old',
              at: t,
              seq: i,
              stage: i === 0 ? 'process' : 'deliver',
              destination_id: i === 0 ? '' : 'd1',
              outcome: i === 0 ? 'routed' : 'delivered',
              code: i === 0 ? '' : '200',
              detail: '',
              data_json: i === 0 ? '{"destinationIds":["d1"]}' : null,
            })),
          )
          .execute()
      } finally {
        await db.destroy()
      }
      const entries = await store.lineage.forMessage('w1', 's1', 'old')
      assert.deepEqual(
        entries.map((e) => [e.stage, e.outcome, e.destinationId]),
        [
          ['process', 'routed', ''],
          ['deliver', 'delivered', 'd1'],
        ],
      )
      assert.deepEqual(entries[0]!.data, { destinationIds: ['d1'] })
      assert.equal(await store.lineage.prune(at + 5), 1)
      assert.deepEqual(
        (await store.lineage.forMessage('w1', 's1', 'old')).map((e) => e.outcome),
        ['delivered'],
      )
    })

    test('pruning deletes counts, latency and samples older than the cut-off', async () => {
      const deleted = await store.delivery.prune(MINUTE + 1, Date.parse('2026-03-01T10:00:00Z') + 5)
      assert.ok(deleted > 0)
      const rest = await store.delivery.counts({
        workspaceId: 'w1',
        sourceId: 's1',
        destinationId: 'd1',
        outcomes: ['delivered', 'dropped'],
        fromMinute: 0,
        toMinute: MINUTE + 1000,
        bucketMinutes: 1,
      })
      assert.ok(rest.every((r) => r.bucket >= MINUTE + 1))
      const samples = await store.delivery.samples({ workspaceId: 'w1', destinationId: 'd1', limit: 100 })
      assert.ok(samples.every((s) => s.at >= Date.parse('2026-03-01T10:00:00Z') + 5))
    })
  })
}
