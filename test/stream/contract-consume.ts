import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import {
  HOUR_MS,
  TestClock,
  range,
  text,
  withHarness,
  type StreamHarnessFactory,
} from './contract-support.ts'

const values = (records: readonly { value: string | Uint8Array }[]) => records.map((r) => text(r.value))

/** Consumer groups: positions, resuming, waiting, retention. */
export function consumeContract(factory: StreamHarnessFactory): void {
  describe('consumer groups', () => {
    test('reads after the committed position, per group, and resumes there after a reopen', () =>
      withHarness(factory, async (open) => {
        const first = await open()
        await first.append(
          'ingest',
          range(10).map((i) => ({ key: 'k', value: String(i) })),
        )
        const batch = await first.read('ingest', 'process', { max: 4 })
        assert.deepEqual(values(batch), ['0', '1', '2', '3'])
        // Not committed yet: the same records are read again.
        assert.deepEqual(values(await first.read('ingest', 'process', { max: 4 })), ['0', '1', '2', '3'])
        await first.commit('ingest', 'process', batch.at(-1)!.offset)
        assert.equal(await first.position('ingest', 'process'), batch.at(-1)!.offset)
        assert.deepEqual(values(await first.read('ingest', 'process', { max: 2 })), ['4', '5'])
        assert.equal((await first.read('ingest', 'archive', { max: 100 })).length, 10)
        await first.close()

        const second = await open()
        assert.deepEqual(values(await second.read('ingest', 'process', { max: 100 })), [
          '4',
          '5',
          '6',
          '7',
          '8',
          '9',
        ])
        assert.equal(await second.position('ingest', 'archive'), 0)
      }))

    test('never moves a position back, and refuses one past the newest record', () =>
      withHarness(factory, async (open) => {
        const stream = await open()
        const results = await stream.append(
          'ingest',
          range(5).map((i) => ({ key: 'k', value: String(i) })),
        )
        await stream.commit('ingest', 'g', results[3]!.offset)
        await stream.commit('ingest', 'g', results[1]!.offset)
        assert.equal(await stream.position('ingest', 'g'), results[3]!.offset)
        await assert.rejects(stream.commit('ingest', 'g', results[4]!.offset + 1), RangeError)
        assert.equal(await stream.position('ingest', 'g'), results[3]!.offset)
      }))

    test('a waiting read wakes on an append in this process, without polling', () =>
      withHarness(factory, async (open) => {
        const stream = await open({ pollIntervalMs: 60_000 })
        const started = performance.now()
        const waiting = stream.read('ingest', 'g', { waitMs: 30_000 })
        setTimeout(() => void stream.append('ingest', [{ key: 'k', value: 'late' }]), 50)
        assert.deepEqual(values(await waiting), ['late'])
        assert.ok(performance.now() - started < 5_000)
      }))

    test('a waiting read sees appends from another opener through the poll interval', () =>
      withHarness(factory, async (open) => {
        const reader = await open({ pollIntervalMs: 50 })
        const writer = await open()
        const waiting = reader.read('ingest', 'g', { waitMs: 5_000 })
        setTimeout(() => void writer.append('ingest', [{ key: 'k', value: 'elsewhere' }]), 100)
        assert.deepEqual(values(await waiting), ['elsewhere'])
      }))

    test('a wait ends empty at its timeout, on abort and on close', () =>
      withHarness(factory, async (open) => {
        const stream = await open({ pollIntervalMs: 20 })
        assert.deepEqual(await stream.read('ingest', 'g', { waitMs: 60 }), [])
        const controller = new AbortController()
        const aborted = stream.read('ingest', 'g', { waitMs: 60_000, signal: controller.signal })
        setTimeout(() => controller.abort(), 20)
        assert.deepEqual(await aborted, [])
        const closing = stream.read('ingest', 'g', { waitMs: 60_000 })
        setTimeout(() => void stream.close(), 20)
        assert.deepEqual(await closing, [])
      }))
  })

  describe('retention', () => {
    test('deletes only records that every group has committed; keeps all without groups', () =>
      withHarness(factory, async (open) => {
        const stream = await open({ retention: { batchSize: 3 } })
        const results = await stream.append(
          'ingest',
          range(10).map((i) => ({ key: 'k', value: String(i) })),
        )
        assert.equal((await stream.prune()).deletedRecords, 0)

        await stream.commit('ingest', 'fast', results[7]!.offset)
        await stream.commit('ingest', 'slow', results[2]!.offset)
        assert.equal((await stream.prune()).deletedRecords, 3)
        assert.deepEqual(
          values(await stream.read('ingest', 'slow', { max: 100 })),
          range(7).map((i) => String(i + 3)),
        )

        await stream.commit('ingest', 'slow', results[9]!.offset)
        assert.equal((await stream.prune()).deletedRecords, 5)
        assert.deepEqual(values(await stream.read('ingest', 'fast', { max: 100 })), ['8', '9'])

        await stream.removeGroup('ingest', 'fast')
        assert.equal((await stream.prune()).deletedRecords, 2)
        const topic = (await stream.stats()).topics.find((t) => t.topic === 'ingest')!
        assert.equal(topic.retainedRecords, 0)

        // Offsets are never reused once the topic is empty, and a new group starts at what is left.
        const [next] = await stream.append('ingest', [{ key: 'k', value: 'next' }])
        assert.ok(next!.offset > results[9]!.offset)
        assert.deepEqual(values(await stream.read('ingest', 'newcomer')), ['next'])
      }))

    test('keeps committed records younger than the retention age', () =>
      withHarness(factory, async (open) => {
        const clock = new TestClock()
        const stream = await open({ retention: { minAgeMs: HOUR_MS } }, { clock })
        const [old] = await stream.append('ingest', [{ key: 'k', value: 'old' }])
        clock.advance(30 * 60 * 1000)
        const [young] = await stream.append('ingest', [{ key: 'k', value: 'young' }])
        await stream.commit('ingest', 'g', young!.offset)
        assert.equal((await stream.prune()).deletedRecords, 0)
        clock.advance(30 * 60 * 1000)
        assert.equal((await stream.prune()).deletedRecords, 1)
        assert.deepEqual(values(await stream.read('ingest', 'g2')), ['young'])
        assert.ok(old!.offset < young!.offset)
      }))
  })
}
