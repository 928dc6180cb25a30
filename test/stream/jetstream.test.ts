import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { connect, nanos, type JetStreamManager, type NatsConnection } from 'nats'
import { openStream, type EventStream, type StreamOverrides } from '../../src/stream/index.ts'
import {
  createNatsNamespace,
  NATS_TEST_URL,
  natsUnavailable,
  type TestNatsNamespace,
} from '../support/services.ts'
import { HOUR_MS, range, withTestDefaults } from './contract-support.ts'
import { streamContract } from './contract.ts'

const unavailable = await natsUnavailable()

if (unavailable !== undefined) {
  test('EventStream contract: jetstream', { skip: unavailable }, () => {})
} else {
  // Each harness gets a namespace of its own on the shared server, deleted with everything in it.
  streamContract('jetstream', async () => {
    const namespace = createNatsNamespace()
    return {
      open: (overrides, deps) => openStream({ kind: 'jetstream', url: namespace.url, ...overrides }, deps),
      cleanup: () => namespace.drop(),
    }
  })

  describe('JetStream adapter', () => {
    let nc: NatsConnection
    let jsm: JetStreamManager
    let namespace: TestNatsNamespace
    const opened: EventStream[] = []
    const open = async (overrides: StreamOverrides = {}) => {
      const stream = await openStream({
        kind: 'jetstream',
        url: namespace.url,
        ...withTestDefaults(overrides),
      })
      opened.push(stream)
      return stream
    }
    const streamsOfNamespace = async () => {
      const names: string[] = []
      for await (const name of jsm.streams.names()) if (name.includes(namespace.namespace)) names.push(name)
      return names.sort()
    }

    before(async () => {
      nc = await connect({ servers: NATS_TEST_URL })
      jsm = await nc.jetstreamManager()
    })
    after(async () => nc?.close())

    const withNamespace = (body: () => Promise<void>) => async () => {
      namespace = createNatsNamespace()
      try {
        await body()
      } finally {
        for (const stream of opened.splice(0)) await stream.close()
        await namespace.drop()
      }
    }

    test(
      'says what it guarantees',
      withNamespace(async () => {
        const stream = await open()
        assert.deepEqual(stream.capabilities, {
          adapter: 'jetstream',
          survivesPowerLoss: false,
          sharedAcrossHosts: true,
          atomicAppend: false,
          groupCommit: false,
          dedupeClock: 'server',
          queueClock: 'server',
        })
      }),
    )

    test(
      "a topic's stream keeps the dedupe window, and a longer one widens it",
      withNamespace(async () => {
        const first = await open({ dedupeWindowMs: 25 * HOUR_MS })
        await first.append('ingest', [{ key: 'k', value: 'v', dedupeId: 'm1' }])
        const stream = `${namespace.namespace}_ingest`
        let info = await jsm.streams.info(stream)
        assert.equal(info.config.duplicate_window, nanos(25 * HOUR_MS))
        assert.equal(info.config.storage, 'file')
        const second = await open({ dedupeWindowMs: 48 * HOUR_MS })
        assert.equal(
          (await second.append('ingest', [{ key: 'k', value: 'v', dedupeId: 'm1' }]))[0]!.duplicate,
          true,
        )
        info = await jsm.streams.info(stream)
        assert.equal(info.config.duplicate_window, nanos(48 * HOUR_MS))
      }),
    )

    test(
      'a group that reads on where it left off keeps one consumer',
      withNamespace(async () => {
        const stream = await open()
        await stream.append(
          'ingest',
          range(30).map((i) => ({ key: 'k', value: String(i) })),
        )
        const seen: string[] = []
        // Reads cut short by maxBytes keep the rest for the next read, in order.
        for (const options of [{ max: 10 }, { maxBytes: 5 }, { max: 4, maxBytes: 1000 }, { max: 100 }]) {
          const records = await stream.read('ingest', 'process', options)
          seen.push(...records.map((r) => String(r.value)))
          await stream.commit('ingest', 'process', records.at(-1)!.offset)
        }
        assert.deepEqual(seen, range(30).map(String))
        assert.equal((await jsm.streams.info(`${namespace.namespace}_ingest`)).state.consumer_count, 1)
        assert.deepEqual(await stream.read('ingest', 'process'), [])
      }),
    )

    test(
      'concurrent commits from two processes keep the highest position; concurrent reads agree',
      withNamespace(async () => {
        const [a, b] = [await open(), await open()]
        const results = await a.append(
          'ingest',
          range(50).map((i) => ({ key: 'k', value: String(i) })),
        )
        const offsets = results.map((r) => r.offset)
        await Promise.all(
          offsets.map((offset, i) => (i % 2 === 0 ? a : b).commit('ingest', 'g', offset)).reverse(),
        )
        assert.equal(await b.position('ingest', 'g'), offsets.at(-1))
        const reads = await Promise.all(range(4).map(() => a.read('ingest', 'g2', { max: 100 })))
        for (const records of reads) assert.equal(records.length, 50)
      }),
    )

    test(
      'backlog bytes count what other processes appended',
      withNamespace(async () => {
        const reader = await open()
        const writer = await open()
        await reader.commit('ingest', 'process', 0)
        assert.equal((await reader.health()).backlogBytes, 0)
        const results = await writer.append(
          'ingest',
          range(20).map((i) => ({ key: 'k', value: 'x'.repeat(i + 1) })),
        )
        let health = await reader.health()
        assert.equal(health.backlogRecords, 20)
        assert.equal(health.backlogBytes, 210)
        await writer.commit('ingest', 'process', results[9]!.offset)
        await writer.append('ingest', [{ key: 'k', value: 'ünï' }])
        health = await reader.health()
        assert.equal(health.backlogRecords, 11)
        assert.equal(health.backlogBytes, 155 + 5)
      }),
    )

    test(
      'cleanup leaves nothing of a namespace: streams, consumers and the positions bucket',
      withNamespace(async () => {
        const stream = await open()
        await stream.append('ingest', [{ key: 'k', value: 'v' }])
        await stream.read('ingest', 'process')
        await stream.commit('ingest', 'process', 1)
        assert.deepEqual(await streamsOfNamespace(), [
          `KV_${namespace.namespace}_positions`,
          `${namespace.namespace}_ingest`,
        ])
        await stream.health()
        await stream.close()
        // Closing deletes the stream's own consumers (readers and size cursors) at once.
        assert.equal((await jsm.streams.info(`${namespace.namespace}_ingest`)).state.consumer_count, 0)
        await namespace.drop()
        assert.deepEqual(await streamsOfNamespace(), [])
      }),
    )

    test(
      'a queue is a work-queue stream with one consumer whose ack_wait is the lease; parked items and attempts beside it',
      withNamespace(async () => {
        const stream = await open()
        const ns = namespace.namespace
        await stream.queues.enqueue('deliver-a', [{ value: 'a' }, { value: 'b' }, { value: 'c' }])
        const work = await jsm.streams.info(`${ns}_q_deliver-a`)
        assert.equal(work.config.retention, 'workqueue')
        assert.equal(work.config.duplicate_window, nanos(24 * HOUR_MS))
        const [a, b, c] = await stream.queues.claim('deliver-a', { leaseMs: 2_000 })
        assert.equal((await jsm.consumers.info(`${ns}_q_deliver-a`, 'claims')).config.ack_wait, nanos(2_000))
        await stream.queues.retry('deliver-a', a!.id, 60_000, 'HTTP 503')
        const attempts = `KV_${ns}_queue_attempts`
        assert.equal((await jsm.streams.info(attempts)).state.messages, 1)
        await stream.queues.park('deliver-a', [b!.id], 'gave up')
        await stream.queues.ack('deliver-a', [a!.id, c!.id])
        // Records go without leaving delete markers; the parked copy is under the item's id.
        assert.equal((await jsm.streams.info(attempts)).state.messages, 0)
        const parked = await jsm.streams.info(`${ns}_qp_deliver-a`, { subjects_filter: '>' })
        assert.deepEqual(parked.state.subjects, { [`${ns}.qp.deliver-a.${b!.id}`]: 1 })
        assert.equal((await jsm.streams.info(`${ns}_q_deliver-a`)).state.messages, 0)
        // A claim with another lease changes the consumer's.
        await stream.queues.claim('deliver-a', { leaseMs: 5_000 })
        assert.equal((await jsm.consumers.info(`${ns}_q_deliver-a`, 'claims')).config.ack_wait, nanos(5_000))
        assert.deepEqual(await streamsOfNamespace(), [
          `KV_${ns}_positions`,
          `KV_${ns}_queue_attempts`,
          `${ns}_q_deliver-a`,
          `${ns}_qp_deliver-a`,
        ])
        await stream.close()
        await namespace.drop()
        assert.deepEqual(await streamsOfNamespace(), [])
      }),
    )

    test(
      'processes share a queue: retries, a crashed claimer and discards reach across them',
      withNamespace(async () => {
        const [a, b, c] = [await open(), await open(), await open()]
        await a.queues.enqueue('q', [{ value: 'x' }, { value: 'y' }])
        const [x, y] = await a.queues.claim('q', { leaseMs: 1_000 })
        await a.queues.retry('q', x!.id, 0, 'HTTP 500')
        const [x2] = await b.queues.claim('q', { leaseMs: 1_000, waitMs: 2_000 })
        assert.deepEqual([x2!.id, x2!.attempts, x2!.lastError], [x!.id, 1, 'HTTP 500'])
        // `a` goes away holding y: its lease ends and y goes to `b`, with no attempt counted.
        await a.close()
        const [y2] = await b.queues.claim('q', { leaseMs: 1_000, waitMs: 3_000 })
        assert.deepEqual([y2!.id, y2!.attempts], [y!.id, 0])
        // `c` discards what `b` holds: by sequence, with its attempts record.
        await c.queues.ack('q', [x!.id])
        await b.queues.ack('q', [y!.id])
        assert.deepEqual(await c.queues.stats('q'), {
          queue: 'q',
          ready: 0,
          waiting: 0,
          parked: 0,
          oldestEnqueuedAt: undefined,
        })
        assert.equal((await jsm.streams.info(`KV_${namespace.namespace}_queue_attempts`)).state.messages, 0)
        // x's lease with `b` has ended: had it not been deleted, it would be due again.
        assert.deepEqual(await b.queues.claim('q', { leaseMs: 1_000, waitMs: 500 }), [])
      }),
    )

    test(
      'a queue and a topic named q_<queue> would share a stream name: the second is refused',
      withNamespace(async () => {
        const stream = await open()
        await stream.append('q_x', [{ key: 'k', value: 'v' }])
        await assert.rejects(stream.queues.enqueue('x', [{ value: 'v' }]), /is not queue x's/)
        await stream.queues.enqueue('y', [{ value: 'v' }])
        await assert.rejects(stream.append('q_y', [{ key: 'k', value: 'v' }]), /is not topic q_y's/)
      }),
    )

    test('refuses a bad url, and says when NATS does not answer', async () => {
      await assert.rejects(
        openStream({ kind: 'jetstream', url: 'nats://127.0.0.1:4222/bad_name' }),
        TypeError,
      )
      await assert.rejects(openStream({ kind: 'jetstream', url: 'http://127.0.0.1:4222' }), TypeError)
      await assert.rejects(
        openStream({ kind: 'jetstream', url: 'nats://127.0.0.1:1/x', timeoutMs: 1000 }),
        /cannot connect to NATS at nats:\/\/127\.0\.0\.1:1\/x/,
      )
    })
  })
}
