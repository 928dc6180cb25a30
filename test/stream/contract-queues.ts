import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import type { QueueItem } from '../../src/stream/index.ts'
import { TestClock, range, text, withHarness, type StreamHarnessFactory } from './contract-support.ts'

const values = (items: readonly QueueItem[]) => items.map((item) => text(item.value))
const ids = (items: readonly QueueItem[]) => items.map((item) => item.id)
const LEASE = 30_000

/** Work queues: claims and leases, retries, parking, dedupe. */
export function queuesContract(factory: StreamHarnessFactory): void {
  describe('work queues', () => {
    test('a claimed item is hidden until its lease ends, then due again with the same id', () =>
      withHarness(factory, async (open) => {
        const clock = new TestClock()
        const { queues } = await open({}, { clock })
        await queues.enqueue('deliver-a', [{ value: 'one' }, { value: 'two' }])
        const claimed = await queues.claim('deliver-a', { leaseMs: LEASE })
        assert.deepEqual(values(claimed), ['one', 'two'])
        assert.ok(claimed.every((item) => item.attempts === 0 && item.lastError === undefined))
        assert.deepEqual(await queues.claim('deliver-a', { leaseMs: LEASE }), [], 'held by the first claim')
        clock.advance(LEASE)
        // The claimer neither acked nor retried in time (it crashed): the items come back.
        assert.deepEqual(ids(await queues.claim('deliver-a', { leaseMs: LEASE })), ids(claimed))
      }))

    test('claims hand out at most `max` items, and never one item twice at a time', () =>
      withHarness(factory, async (open) => {
        const { queues } = await open()
        await queues.enqueue(
          'q',
          range(25).map((i) => ({ value: String(i) })),
        )
        const claims = await Promise.all(range(5).map(() => queues.claim('q', { leaseMs: LEASE, max: 10 })))
        const all = claims.flatMap(ids)
        assert.equal(new Set(all).size, all.length, 'no item in two claims')
        assert.equal(all.length, 25)
        assert.ok(claims.every((claim) => claim.length <= 10))
      }))

    test('ack removes; retry delays and counts attempts; queues are separate', () =>
      withHarness(factory, async (open) => {
        const clock = new TestClock()
        const { queues } = await open({}, { clock })
        await queues.enqueue('q1', [{ value: 'a' }, { value: 'b' }])
        await queues.enqueue('q2', [{ value: 'other' }])
        const [a, b] = await queues.claim('q1', { leaseMs: LEASE })
        await queues.ack('q1', [a!.id])
        await queues.retry('q1', b!.id, 5_000, 'HTTP 503')
        assert.deepEqual(await queues.claim('q1', { leaseMs: LEASE }), [])
        clock.advance(4_999)
        assert.deepEqual(await queues.claim('q1', { leaseMs: LEASE }), [])
        clock.advance(1)
        const [again] = await queues.claim('q1', { leaseMs: LEASE })
        assert.equal(again!.id, b!.id)
        assert.equal(again!.attempts, 1)
        assert.equal(again!.lastError, 'HTTP 503')
        assert.equal(text(again!.value), 'b')
        assert.deepEqual(values(await queues.claim('q2', { leaseMs: LEASE })), ['other'])
        await queues.ack('q1', [again!.id, 999_999])
        assert.deepEqual(await queues.stats('q1'), {
          queue: 'q1',
          ready: 0,
          waiting: 0,
          parked: 0,
          oldestEnqueuedAt: undefined,
        })
      }))

    test('parked items wait aside until unparked or discarded, and survive a reopen', () =>
      withHarness(factory, async (open) => {
        const clock = new TestClock()
        const first = await open({}, { clock })
        await first.queues.enqueue(
          'q',
          range(3).map((i) => ({ value: String(i) })),
        )
        const claimed = await first.queues.claim('q', { leaseMs: LEASE })
        await first.queues.retry('q', claimed[0]!.id, 0, 'timeout')
        await first.queues.park('q', ids(claimed), 'gave up after 4 hours')
        clock.advance(LEASE * 10)
        assert.deepEqual(await first.queues.claim('q', { leaseMs: LEASE }), [])
        const stats = await first.queues.stats('q')
        assert.equal(stats.parked, 3)
        assert.equal(stats.ready + stats.waiting, 0)
        await first.close()

        const second = await open({}, { clock })
        const parked = await second.queues.listParked('q')
        assert.deepEqual(values(parked), ['0', '1', '2'])
        assert.equal(parked[0]!.lastError, 'gave up after 4 hours')
        assert.equal(parked[0]!.attempts, 1)
        assert.deepEqual(values(await second.queues.listParked('q', { after: parked[0]!.id, max: 1 })), ['1'])
        assert.equal(await second.queues.unpark('q', [parked[0]!.id, parked[1]!.id]), 2)
        await second.queues.ack('q', [parked[2]!.id])
        const back = await second.queues.claim('q', { leaseMs: LEASE })
        assert.deepEqual(values(back), ['0', '1'])
        assert.equal(back[0]!.attempts, 0, 'attempts start over')
        assert.deepEqual(await second.queues.listParked('q'), [])
      }))

    test('a repeated dedupe id within the window is not enqueued again, per scope, across a reopen', () =>
      withHarness(factory, async (open) => {
        const first = await open()
        assert.deepEqual(
          await first.queues.enqueue(
            'q',
            [
              { value: 'a', dedupeId: '1' },
              { value: 'a again', dedupeId: '1' },
            ],
            { dedupeScope: 'process' },
          ),
          { enqueued: 1, duplicates: 1 },
        )
        await first.close()
        const second = await open()
        assert.deepEqual(
          await second.queues.enqueue('q', [{ value: 'a', dedupeId: '1' }], { dedupeScope: 'process' }),
          {
            enqueued: 0,
            duplicates: 1,
          },
        )
        assert.deepEqual(
          await second.queues.enqueue('q', [{ value: 'r', dedupeId: '1' }], { dedupeScope: 'replay' }),
          {
            enqueued: 1,
            duplicates: 0,
          },
        )
        // Queues and topics don't share dedupe ids.
        const [appended] = await second.append('q', [{ key: 'k', value: 'x', dedupeId: '1' }], {
          dedupeScope: 'process',
        })
        assert.equal(appended!.duplicate, false)
        assert.equal((await second.queues.claim('q', { leaseMs: LEASE })).length, 2)
      }))

    test('a waiting claim wakes when an item arrives', () =>
      withHarness(factory, async (open) => {
        const { queues } = await open()
        const started = performance.now()
        const waiting = queues.claim('q', { leaseMs: LEASE, waitMs: 10_000 })
        setTimeout(() => void queues.enqueue('q', [{ value: 'late' }]), 50)
        assert.deepEqual(values(await waiting), ['late'])
        assert.ok(performance.now() - started < 5_000)
        const aborted = new AbortController()
        const idle = queues.claim('q', { leaseMs: LEASE, waitMs: 10_000, signal: aborted.signal })
        aborted.abort()
        assert.deepEqual(await idle, [])
      }))

    test('purge removes every item of one queue', () =>
      withHarness(factory, async (open) => {
        const { queues } = await open()
        await queues.enqueue('gone', [{ value: 'a' }, { value: 'b' }])
        await queues.enqueue('kept', [{ value: 'c' }])
        const [a] = await queues.claim('gone', { leaseMs: LEASE, max: 1 })
        await queues.park('gone', [a!.id], 'x')
        assert.equal(await queues.purge('gone'), 2)
        assert.equal((await queues.stats('gone')).parked, 0)
        assert.deepEqual(values(await queues.claim('kept', { leaseMs: LEASE })), ['c'])
      }))
  })
}
