import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { describe, test } from 'node:test'
import type { EventStream, QueueItem } from '../../src/stream/index.ts'
import { TestClock, range, text, withHarness, type StreamHarnessFactory } from './contract-support.ts'

const values = (items: readonly QueueItem[]) => items.map((item) => text(item.value))
const ids = (items: readonly QueueItem[]) => items.map((item) => item.id)
/** A lease no test outlives, for tests that never let one end. */
const LEASE = 30_000

/**
 * Time in the tests where leases and retry delays end. On adapters whose queues run on the stream's
 * clock, the test moves a `TestClock` and every deadline is checked to the millisecond. Where they
 * run on the storage server's clock (`capabilities.queueClock: 'server'`), time must really pass:
 * leases and delays are short, "not yet" is checked `marginMs` before a deadline, and a claim that
 * expects an item just due may wait `settleMs` for the server to hand it out.
 */
interface QueueTime {
  readonly leaseMs: number
  readonly retryMs: number
  readonly marginMs: number
  readonly settleMs: number
  /** Lets `ms` pass: moves the test clock, and on a server clock also waits that long. */
  elapse(ms: number): Promise<void>
}

const STREAM_CLOCK = { leaseMs: LEASE, retryMs: 5_000, marginMs: 1, settleMs: 0 }
const SERVER_CLOCK = { leaseMs: 1_000, retryMs: 1_000, marginMs: 400, settleMs: 2_000 }

function queueTime(stream: EventStream, clock: TestClock): QueueTime {
  const server = stream.capabilities.queueClock === 'server'
  return {
    ...(server ? SERVER_CLOCK : STREAM_CLOCK),
    async elapse(ms) {
      clock.advance(ms)
      if (server) await sleep(ms)
    },
  }
}

/** Work queues: claims and leases, retries, parking, dedupe. */
export function queuesContract(factory: StreamHarnessFactory): void {
  describe('work queues', () => {
    test('a claimed item is hidden until its lease ends, then due again with the same id', () =>
      withHarness(factory, async (open) => {
        const clock = new TestClock()
        const stream = await open({}, { clock })
        const { queues } = stream
        const time = queueTime(stream, clock)
        const lease = { leaseMs: time.leaseMs }
        await queues.enqueue('deliver-a', [{ value: 'one' }, { value: 'two' }])
        const claimed = await queues.claim('deliver-a', lease)
        assert.deepEqual(values(claimed), ['one', 'two'])
        assert.ok(claimed.every((item) => item.attempts === 0 && item.lastError === undefined))
        assert.ok(claimed.every((item) => item.enqueuedAt === clock.ms))
        assert.deepEqual(await queues.claim('deliver-a', lease), [], 'held by the first claim')
        await time.elapse(time.leaseMs - time.marginMs)
        assert.deepEqual(await queues.claim('deliver-a', lease), [], 'held until the lease ends')
        await time.elapse(time.marginMs)
        // The claimer neither acked nor retried in time (it crashed): the items come back.
        const again = await queues.claim('deliver-a', { ...lease, waitMs: time.settleMs })
        assert.deepEqual(ids(again), ids(claimed))
        assert.ok(
          again.every((item) => item.attempts === 0),
          'a lease that ended is not an attempt',
        )
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
        const stream = await open({}, { clock })
        const { queues } = stream
        const time = queueTime(stream, clock)
        const lease = { leaseMs: time.leaseMs }
        await queues.enqueue('q1', [{ value: 'a' }, { value: 'b' }])
        await queues.enqueue('q2', [{ value: 'other' }])
        const [a, b] = await queues.claim('q1', lease)
        await queues.ack('q1', [a!.id])
        await queues.retry('q1', b!.id, time.retryMs, 'HTTP 503')
        assert.deepEqual(await queues.claim('q1', lease), [])
        await time.elapse(time.retryMs - time.marginMs)
        assert.deepEqual(await queues.claim('q1', lease), [])
        await time.elapse(time.marginMs)
        const [again, ...more] = await queues.claim('q1', { ...lease, waitMs: time.settleMs })
        assert.equal(more.length, 0, 'the acked item is gone')
        assert.equal(again!.id, b!.id)
        assert.equal(again!.attempts, 1)
        assert.equal(again!.lastError, 'HTTP 503')
        assert.equal(text(again!.value), 'b')
        assert.deepEqual(values(await queues.claim('q2', lease)), ['other'])
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
        const time = queueTime(first, clock)
        const enqueuedAt = clock.ms
        await first.queues.enqueue(
          'q',
          range(3).map((i) => ({ value: String(i) })),
        )
        const claimed = await first.queues.claim('q', { leaseMs: time.leaseMs })
        await first.queues.retry('q', claimed[0]!.id, 0, 'timeout')
        await first.queues.park('q', ids(claimed), 'gave up after 4 hours')
        await time.elapse(time.leaseMs + time.marginMs)
        assert.deepEqual(
          await first.queues.claim('q', { leaseMs: time.leaseMs }),
          [],
          'not even after the lease',
        )
        const stats = await first.queues.stats('q')
        assert.equal(stats.parked, 3)
        assert.equal(stats.ready + stats.waiting, 0)
        await first.close()

        const second = await open({}, { clock })
        const parked = await second.queues.listParked('q')
        assert.deepEqual(values(parked), ['0', '1', '2'])
        assert.deepEqual(ids(parked), ids(claimed), 'parked items keep their ids')
        assert.equal(parked[0]!.lastError, 'gave up after 4 hours')
        assert.deepEqual(
          parked.map((item) => [item.attempts, item.enqueuedAt]),
          [
            [1, enqueuedAt],
            [0, enqueuedAt],
            [0, enqueuedAt],
          ],
        )
        assert.deepEqual(values(await second.queues.listParked('q', { after: parked[0]!.id, max: 1 })), ['1'])
        assert.equal(await second.queues.unpark('q', [parked[0]!.id, parked[1]!.id]), 2)
        await second.queues.ack('q', [parked[2]!.id])
        const back = await second.queues.claim('q', { leaseMs: LEASE })
        assert.deepEqual(values(back), ['0', '1'])
        assert.equal(back[0]!.attempts, 0, 'attempts start over')
        assert.equal(back[0]!.enqueuedAt, enqueuedAt)
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

    test('parked items are listed in id order whatever the order they were parked in', () =>
      withHarness(factory, async (open) => {
        const { queues } = await open()
        await queues.enqueue(
          'q',
          range(5).map((i) => ({ value: String(i) })),
        )
        const claimed = ids(await queues.claim('q', { leaseMs: LEASE }))
        for (const i of [3, 0, 4]) await queues.park('q', [claimed[i]!], `reason ${i}`)
        await queues.park('q', [claimed[1]!], 'reason 1')
        const parked = await queues.listParked('q')
        assert.deepEqual(values(parked), ['0', '1', '3', '4'])
        assert.deepEqual(
          parked.map((item) => item.lastError),
          ['reason 0', 'reason 1', 'reason 3', 'reason 4'],
        )
        const page = await queues.listParked('q', { after: claimed[1]!, max: 1 })
        assert.deepEqual(values(page), ['3'])
        assert.deepEqual(values(await queues.listParked('q', { after: claimed[4]! })), [])
        await queues.ack('q', [claimed[2]!])
        assert.deepEqual(await queues.stats('q'), {
          queue: 'q',
          ready: 0,
          waiting: 0,
          parked: 4,
          oldestEnqueuedAt: undefined,
        })
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
        const later = new AbortController()
        const abandoned = queues.claim('q', { leaseMs: LEASE, waitMs: 10_000, signal: later.signal })
        await sleep(100)
        later.abort()
        assert.deepEqual(await abandoned, [])
        // The claims aborted while waiting took nothing with them: what arrives next is due at once.
        await queues.enqueue('q', [{ value: 'after the abort' }])
        assert.deepEqual(values(await queues.claim('q', { leaseMs: LEASE, waitMs: 2_000 })), [
          'after the abort',
        ])
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
