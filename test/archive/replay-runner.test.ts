import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { archiveRow, createReplay, replayDedupeScope, ReplayRunner } from '../../src/archive/index.ts'
import { deliveryQueue } from '../../src/pipeline/index.ts'
import { createLogger } from '../../src/server/index.ts'
import type { IngestEnvelope } from '../../src/spec/index.ts'
import { openStore, SYSTEM_ACTOR, type Destination, type Source, type Store } from '../../src/store/index.ts'
import { openStream, type EventStream } from '../../src/stream/index.ts'
import { createSqliteDatabase } from '../support/services.ts'

const at = (second: number) => new Date(Date.UTC(2026, 10, 1, 10, 0, second)).toISOString()

describe('replay runner', () => {
  const database = createSqliteDatabase()
  let clock = Date.parse('2026-11-02T00:00:00.000Z')
  let store: Store
  let stream: EventStream
  let source: Source
  let destination: Destination

  before(async () => {
    store = openStore({ target: database.target, secretKey: 'x'.repeat(32), now: () => new Date(clock) })
    await store.migrate()
    stream = await openStream({ kind: 'sqlite', dataDir: database.dir })
    const workspace = await store.workspaces.create({ slug: 'w', name: 'W' })
    source = await store.sources.create({
      workspaceId: workspace.id,
      slug: 'web',
      name: 'Web',
      enabled: true,
      metadataId: 'm',
    })
    destination = await store.destinations.create({
      workspaceId: workspace.id,
      sourceId: source.id,
      metadataId: 'webhook',
      name: 'hook',
      enabled: true,
      settings: {},
    })
    await store.archive.append(
      [1, 2, 3, 4, 5].map((second) =>
        archiveRow(
          {
            sourceId: source.id,
            workspaceId: workspace.id,
            message: {
              type: 'track',
              event: 'E',
              messageId: `m${second}`,
              receivedAt: at(second),
              timestamp: at(second),
            },
          } as IngestEnvelope,
          false,
          0,
        ),
      ),
    )
  })
  after(async () => {
    await stream?.close()
    await store?.close()
    await database.drop()
  })

  const runner = () =>
    new ReplayRunner({
      store,
      queues: stream.queues,
      logger: createLogger('silent'),
      pageSize: 2,
      pollMs: 10,
    })
  const replay = (destinationIds: string[]) =>
    store.transaction((tx) =>
      createReplay(
        tx,
        {
          workspaceId: source.workspaceId,
          sourceId: source.id,
          startTime: at(0),
          endTime: at(10),
          destinationIds,
        },
        SYSTEM_ACTOR,
      ),
    )

  test('a job whose runner died resumes from its stored cursor, sending nothing twice', async () => {
    const job = await replay([destination.id])
    // A runner claims the job, enqueues two pages, records only the first, and dies.
    await store.replayJobs.claim('dead-runner', 30_000)
    await store.replayJobs.setTotal(job.id, 'dead-runner', 5, 30_000)
    const page = await store.archive.replayPage(
      { sourceId: source.id, from: at(0), to: at(10) },
      undefined,
      4,
    )
    await stream.queues.enqueue(
      deliveryQueue(destination.id),
      page.map((m) => ({ value: m.message, dedupeId: String(m.id) })),
      { dedupeScope: replayDedupeScope(job.id) },
    )
    const cursor = { receivedAt: page[1]!.receivedAt, id: page[1]!.id }
    await store.replayJobs.progress(job.id, 'dead-runner', { cursor, processed: 2, enqueued: 4 }, 30_000)

    assert.equal(await runner().runOnce(), false, 'the lease still holds the job')
    clock += 31_000
    assert.equal(await runner().runOnce(), true)
    const done = await store.replayJobs.get(source.workspaceId, job.id)
    assert.deepEqual([done?.status, done?.total, done?.processed, done?.enqueued], ['succeeded', 5, 5, 5])
    const items = await stream.queues.claim(deliveryQueue(destination.id), { max: 100, leaseMs: 1000 })
    assert.equal(items.length, 5, 'each archived message once')
    await stream.queues.ack(
      deliveryQueue(destination.id),
      items.map((i) => i.id),
    )
  })

  test('a job fails when every destination is gone; a runner stops at a cancelled job', async () => {
    const gone = await store.destinations.create({
      workspaceId: source.workspaceId,
      sourceId: source.id,
      metadataId: 'webhook',
      name: 'gone',
      enabled: false,
      settings: {},
    })
    const job = await replay([gone.id])
    await store.destinations.delete(source.workspaceId, gone.id)
    assert.equal(await runner().runOnce(), true)
    const failed = await store.replayJobs.get(source.workspaceId, job.id)
    assert.equal(failed?.status, 'failed')
    assert.match(failed?.error ?? '', /deleted/)

    const cancelled = await replay([destination.id])
    await store.replayJobs.cancel(source.workspaceId, cancelled.id)
    assert.equal(await runner().runOnce(), false, 'nothing to run')
  })

  test('a replay waits while an enabled destination has a full queue', async () => {
    const job = await replay([destination.id])
    const r = new ReplayRunner({
      store,
      queues: stream.queues,
      logger: createLogger('silent'),
      pageSize: 2,
      maxQueued: 1,
    })
    await stream.queues.enqueue(deliveryQueue(destination.id), [{ value: 'x' }])
    r.start()
    await new Promise((resolve) => setTimeout(resolve, 300))
    const waiting = await store.replayJobs.get(source.workspaceId, job.id)
    assert.deepEqual([waiting?.status, waiting?.processed], ['running', 0])
    await r.stop()
    const released = await store.replayJobs.get(source.workspaceId, job.id)
    assert.equal(released?.status, 'running')
    assert.equal((await store.replayJobs.claim('next', 1000))?.id, job.id, 'stopping released the job')
  })
})
