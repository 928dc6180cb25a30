import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { range, withHarness, type StreamHarnessFactory } from './contract-support.ts'

/** Backlog figures and the limits behind ingest's 503. */
export function limitsContract(factory: StreamHarnessFactory): void {
  describe('backlog and limits', () => {
    test('backlog is everything retained without groups, and the slowest group lag with them', () =>
      withHarness(factory, async (open) => {
        const stream = await open()
        assert.equal((await stream.health()).backlogRecords, 0)
        const results = await stream.append(
          'ingest',
          range(10).map(() => ({ key: 'k', value: '12345' })),
        )
        let health = await stream.health()
        assert.equal(health.backlogRecords, 10)
        assert.equal(health.backlogBytes, 50)

        await stream.commit('ingest', 'fast', results[8]!.offset)
        await stream.commit('ingest', 'slow', results[3]!.offset)
        health = await stream.health()
        assert.equal(health.backlogRecords, 6)
        assert.equal(health.backlogBytes, 30)

        const stats = await stream.stats()
        const topic = stats.topics.find((t) => t.topic === 'ingest')!
        assert.equal(topic.retainedRecords, 10)
        assert.deepEqual(topic.groups.map((g) => [g.group, g.lagRecords, g.lagBytes]).sort(), [
          ['fast', 1, 5],
          ['slow', 6, 30],
        ])
        await stream.prune()
        assert.equal((await stream.health()).backlogRecords, 6)
      }))

    test('stops accepting over the backlog limits and accepts again once consumed', () =>
      withHarness(factory, async (open) => {
        const stream = await open({
          limits: { maxBacklogRecords: 5, maxBacklogBytes: 1000, retryAfterSeconds: 7 },
        })
        const results = await stream.append(
          'ingest',
          range(6).map(() => ({ key: 'k', value: 'x' })),
        )
        let health = await stream.health()
        assert.equal(health.accepting, false)
        assert.deepEqual(health.overLimits, ['backlog_records'])
        assert.equal(health.retryAfterSeconds, 7)

        await stream.commit('ingest', 'process', results[5]!.offset)
        health = await stream.health()
        assert.equal(health.accepting, true)
        assert.deepEqual(health.overLimits, [])

        await stream.append('ingest', [{ key: 'k', value: 'y'.repeat(1001) }])
        assert.deepEqual((await stream.health()).overLimits, ['backlog_bytes'])
      }))

    test('topics left out of the backlog (warehouse staging) fill up without refusing events', () =>
      withHarness(factory, async (open) => {
        const stream = await open({
          limits: { maxBacklogRecords: 5, countsTowardBacklog: (topic) => !topic.startsWith('warehouse-') },
        })
        await stream.commit('warehouse-w1', 'warehouse-sync', 0)
        await stream.append(
          'warehouse-w1',
          range(8).map(() => ({ key: 'k', value: 'x' })),
        )
        await stream.append('ingest', [{ key: 'k', value: 'x' }])
        const health = await stream.health()
        assert.equal(health.accepting, true)
        assert.equal(health.backlogRecords, 1, 'only the ingest topic counts')
        const staging = (await stream.stats()).topics.find((t) => t.topic === 'warehouse-w1')!
        assert.equal(staging.backlogRecords, 8, 'stats still show the staging backlog')
      }))

    test('stops accepting when the disk is nearly full', async (t) => {
      await withHarness(factory, async (open) => {
        const stream = await open({ limits: { minFreeDiskBytes: Number.MAX_SAFE_INTEGER } })
        const health = await stream.health()
        if (health.freeDiskBytes === undefined) return t.skip('this adapter does not measure a local disk')
        assert.equal(health.accepting, false)
        assert.deepEqual(health.overLimits, ['free_disk'])
      })
    })
  })
}
