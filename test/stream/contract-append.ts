import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { StreamClosedError } from '../../src/stream/index.ts'
import {
  HOUR_MS,
  TestClock,
  range,
  text,
  withHarness,
  type StreamHarnessFactory,
} from './contract-support.ts'

/** Appending, ordered reads, dedupe, group commit and close. */
export function appendContract(factory: StreamHarnessFactory): void {
  describe('append and read', () => {
    test('reads records back in append order with growing offsets, text and bytes intact', () =>
      withHarness(factory, async (open) => {
        const clock = new TestClock()
        const stream = await open({}, { clock })
        const first = await stream.append('ingest', [
          { key: 'src1', value: '{"n":1}' },
          { key: 'src1', value: new Uint8Array([0, 1, 2, 255]) },
        ])
        const second = await stream.append('ingest', [{ key: 'src2', value: 'ünïcode' }])
        assert.deepEqual(
          [...first, ...second].map((r) => r.duplicate),
          [false, false, false],
        )
        const offsets = [...first, ...second].map((r) => r.offset)
        assert.ok(offsets[0]! < offsets[1]! && offsets[1]! < offsets[2]!)

        const records = await stream.read('ingest', 'process')
        assert.deepEqual(
          records.map((r) => r.offset),
          offsets,
        )
        assert.equal(records[0]!.value, '{"n":1}')
        assert.ok(records[1]!.value instanceof Uint8Array)
        assert.deepEqual([...(records[1]!.value as Uint8Array)], [0, 1, 2, 255])
        assert.equal(records[2]!.value, 'ünïcode')
        assert.deepEqual(
          records.map((r) => [r.topic, r.key, r.appendedAt]),
          [
            ['ingest', 'src1', clock.ms],
            ['ingest', 'src1', clock.ms],
            ['ingest', 'src2', clock.ms],
          ],
        )
      }))

    test('keeps the order of each key across concurrent appends, and topics apart', () =>
      withHarness(factory, async (open) => {
        const stream = await open()
        await Promise.all(
          range(300).map((i) =>
            stream.append(i % 2 === 0 ? 'ingest' : 'other', [{ key: `k${i % 3}`, value: String(i) }]),
          ),
        )
        const records = await stream.read('ingest', 'g', { max: 1000 })
        assert.equal(records.length, 150)
        for (const key of ['k0', 'k1', 'k2']) {
          const values = records.filter((r) => r.key === key).map((r) => Number(r.value))
          assert.deepEqual(
            values,
            [...values].sort((a, b) => a - b),
          )
        }
        assert.ok(records.every((r) => Number(r.value) % 2 === 0))
        assert.equal((await stream.read('other', 'g', { max: 1000 })).length, 150)
      }))

    test('read honours max, maxBytes (always at least one record) and after', () =>
      withHarness(factory, async (open) => {
        const stream = await open()
        const results = await stream.append(
          'ingest',
          range(10).map((i) => ({ key: 'k', value: 'x'.repeat(100 + i) })),
        )
        assert.equal((await stream.read('ingest', 'g', { max: 3 })).length, 3)
        assert.equal((await stream.read('ingest', 'g', { maxBytes: 250 })).length, 2)
        assert.equal((await stream.read('ingest', 'g', { maxBytes: 1 })).length, 1)
        const after = await stream.read('ingest', 'g', { after: results[7]!.offset })
        assert.deepEqual(
          after.map((r) => r.offset),
          [results[8]!.offset, results[9]!.offset],
        )
        assert.deepEqual(await stream.append('ingest', []), [])
      }))

    test('rejects bad names and records without writing anything', () =>
      withHarness(factory, async (open) => {
        const stream = await open()
        await assert.rejects(stream.append('in gest', [{ key: 'k', value: 'v' }]), TypeError)
        await assert.rejects(
          stream.append('ingest', [{ key: 'k', value: 5 as unknown as string }]),
          TypeError,
        )
        await assert.rejects(stream.read('ingest', 'a.b'), TypeError)
        await assert.rejects(stream.commit('ingest', 'g', -1), RangeError)
        assert.equal((await stream.stats()).appendedRecords, 0)
      }))
  })

  describe('dedupe', () => {
    test('drops a repeated dedupe id within the window, per scope, reporting the first offset', () =>
      withHarness(factory, async (open) => {
        const stream = await open()
        const [a] = await stream.append('ingest', [{ key: 's1', value: 'a', dedupeId: 'm1' }], {
          dedupeScope: 's1',
        })
        const again = await stream.append(
          'ingest',
          [
            { key: 's1', value: 'a2', dedupeId: 'm1' },
            { key: 's1', value: 'b', dedupeId: 'm2' },
            { key: 's1', value: 'b2', dedupeId: 'm2' },
            { key: 's1', value: 'no id' },
            { key: 's1', value: 'no id' },
          ],
          { dedupeScope: 's1' },
        )
        assert.deepEqual(again[0], { offset: a!.offset, duplicate: true })
        assert.equal(again[1]!.duplicate, false)
        assert.deepEqual(again[2], { offset: again[1]!.offset, duplicate: true })
        assert.equal(again[3]!.duplicate, false)
        assert.equal(again[4]!.duplicate, false)
        const otherScope = await stream.append('ingest', [{ key: 's2', value: 'a', dedupeId: 'm1' }], {
          dedupeScope: 's2',
        })
        assert.equal(otherScope[0]!.duplicate, false)
        const records = await stream.read('ingest', 'g', { max: 100 })
        assert.deepEqual(
          records.map((r) => r.value),
          ['a', 'b', 'no id', 'no id', 'a'],
        )
        const stats = await stream.stats()
        assert.equal(stats.appendedRecords, 5)
        assert.equal(stats.duplicateRecords, 2)
      }))

    test('remembers dedupe ids across a restart', () =>
      withHarness(factory, async (open) => {
        const first = await open()
        await first.append('ingest', [{ key: 's', value: 'a', dedupeId: 'm1' }], { dedupeScope: 's' })
        await first.close()
        const second = await open()
        const [result] = await second.append('ingest', [{ key: 's', value: 'a', dedupeId: 'm1' }], {
          dedupeScope: 's',
        })
        assert.equal(result!.duplicate, true)
        assert.equal((await second.read('ingest', 'g')).length, 1)
      }))

    test('forgets dedupe ids after the window, and prune removes expired entries', (t) =>
      withHarness(factory, async (open) => {
        const clock = new TestClock()
        const stream = await open({ dedupeWindowMs: 24 * HOUR_MS }, { clock })
        if (stream.capabilities.dedupeClock === 'server')
          return t.skip('the server ends the dedupe window on its own clock, which a test cannot move')
        await stream.append('ingest', [{ key: 's', value: 'a', dedupeId: 'm1' }])
        clock.advance(24 * HOUR_MS - 1)
        assert.equal(
          (await stream.append('ingest', [{ key: 's', value: 'a', dedupeId: 'm1' }]))[0]!.duplicate,
          true,
        )
        await stream.append('ingest', [{ key: 's', value: 'b', dedupeId: 'm2' }])
        clock.advance(1)
        assert.equal((await stream.prune()).deletedDedupeEntries, 1)
        assert.equal(
          (await stream.append('ingest', [{ key: 's', value: 'a', dedupeId: 'm1' }]))[0]!.duplicate,
          false,
        )
        assert.equal(
          (await stream.append('ingest', [{ key: 's', value: 'b', dedupeId: 'm2' }]))[0]!.duplicate,
          true,
        )
        assert.equal((await stream.read('ingest', 'g', { max: 10 })).length, 3)
      }))

    test('refuses a dedupe window shorter than 24 hours', () =>
      withHarness(factory, async (open) => {
        await assert.rejects(open({ dedupeWindowMs: HOUR_MS }), RangeError)
      }))
  })

  describe('group commit', () => {
    test('writes concurrent appends in far fewer transactions than appends', (t) =>
      withHarness(factory, async (open) => {
        const stream = await open()
        if (stream.capabilities.groupCommit === false) return t.skip('every record is its own write here')
        const before = (await stream.stats()).transactions
        const results = await Promise.all(
          range(500).map((i) => stream.append('ingest', [{ key: 'k', value: String(i), dedupeId: `m${i}` }])),
        )
        assert.equal(new Set(results.map(([r]) => r!.offset)).size, 500)
        const stats = await stream.stats()
        assert.equal(stats.appendedRecords, 500)
        assert.ok(
          stats.transactions - before <= 10,
          `${stats.transactions - before} transactions for 500 appends`,
        )
      }))

    test('splits groups at maxRecords but never splits one call', (t) =>
      withHarness(factory, async (open) => {
        const stream = await open({ groupCommit: { maxRecords: 10 } })
        const { groupCommit, atomicAppend } = stream.capabilities
        if (groupCommit === false || atomicAppend === false)
          return t.skip('no write transactions to split, and one call is not atomic here')
        const big = stream.append(
          'ingest',
          range(25).map((i) => ({ key: 'k', value: `big${i}` })),
        )
        const small = range(20).map((i) => stream.append('ingest', [{ key: 'k', value: `small${i}` }]))
        const [bigResult] = await Promise.all([big, ...small])
        const offsets = bigResult.map((r) => r.offset)
        assert.deepEqual(
          offsets,
          range(25).map((i) => offsets[0]! + i),
        )
        const transactions = (await stream.stats()).transactions
        assert.ok(transactions >= 3 && transactions <= 5, `${transactions} transactions`)
      }))
    test('a failing write does not fail the writes committed with it', () =>
      withHarness(factory, async (open) => {
        const stream = await open()
        const [before, bad, after] = await Promise.allSettled([
          stream.append('ingest', [{ key: 'k', value: 'a' }]),
          stream.commit('ingest', 'g', 1_000),
          stream.append('ingest', [{ key: 'k', value: 'b' }]),
        ])
        assert.equal(before.status, 'fulfilled')
        assert.equal(bad.status, 'rejected')
        assert.equal(after.status, 'fulfilled')
        assert.equal(await stream.position('ingest', 'g'), 0)
        assert.deepEqual(
          (await stream.read('ingest', 'g')).map((r) => r.value),
          ['a', 'b'],
        )
      }))
  })

  describe('close', () => {
    test('flushes pending appends before closing, then refuses new calls', () =>
      withHarness(factory, async (open) => {
        const stream = await open({ groupCommit: { windowMs: 60_000 } })
        const pending = range(20).map((i) => stream.append('ingest', [{ key: 'k', value: String(i) }]))
        await stream.close()
        const results = await Promise.all(pending)
        assert.equal(results.length, 20)
        await assert.rejects(stream.append('ingest', [{ key: 'k', value: 'late' }]), StreamClosedError)
        const reopened = await open()
        const records = await reopened.read('ingest', 'g', { max: 100 })
        assert.deepEqual(
          records.map((r) => text(r.value)),
          range(20).map(String),
        )
      }))
  })
}
