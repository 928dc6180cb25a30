import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { archiveRow } from '../../src/archive/index.ts'
import type { IngestEnvelope } from '../../src/spec/index.ts'
import { openStore, type Source, type Store, type Workspace } from '../../src/store/index.ts'
import { dialects, type TestDatabase } from '../support/services.ts'

const SECRET_KEY = 'test-secret-key-test-secret-key-123'

/** An archive row as the archive consumer makes it. */
function row(source: Source, receivedAt: string, message: Record<string, unknown>, blocked = false) {
  const envelope = {
    sourceId: source.id,
    workspaceId: source.workspaceId,
    message: { messageId: `m-${Math.random()}`, receivedAt, timestamp: receivedAt, ...message },
  } as IngestEnvelope
  return archiveRow(envelope, blocked, 0)
}

const at = (minute: number) => new Date(Date.UTC(2026, 10, 1, 10, minute)).toISOString()

for (const dialect of await dialects()) {
  describe(`archive store on ${dialect.name}`, { skip: dialect.skip }, () => {
    let database: TestDatabase
    let store: Store
    let workspace: Workspace
    let web: Source
    let server: Source
    let clock = new Date('2026-11-01T12:00:00.000Z')

    before(async () => {
      database = await dialect.create()
      store = openStore({
        target: database.target,
        secretKey: SECRET_KEY,
        now: () => clock,
        guardTransactions: true,
      })
      await store.migrate()
      workspace = await store.workspaces.create({ slug: 'acme', name: 'Acme' })
      const source = (slug: string) =>
        store.sources.create({ workspaceId: workspace.id, slug, name: slug, enabled: true, metadataId: 'm' })
      web = await source('web')
      server = await source('server')
    })
    after(async () => {
      await store?.close()
      await database?.drop()
    })

    test('archived messages: newest first, filters, ids that grow, a live tail by id', async () => {
      assert.equal(await store.archive.latestId(web.id), 0)
      await store.archive.append([
        row(web, at(1), { type: 'track', event: 'Signed Up', userId: 'u1' }),
        row(server, at(1), { type: 'track', event: 'Signed Up', userId: 'u1' }),
        row(web, at(2), { type: 'identify', userId: 'u2', messageId: 'known-id' }),
        row(web, at(3), { type: 'track', event: 'Order Completed', userId: 'u1' }, true),
      ])
      const all = await store.archive.newest(web.id, {}, { limit: 10 })
      assert.deepEqual(
        all.map((m) => JSON.parse(m.message).type),
        ['track', 'identify', 'track'],
      )
      assert.ok(all[0]!.id > all[1]!.id && all[1]!.id > all[2]!.id)
      assert.equal(all[0]!.blocked, true)
      assert.equal(all[0]!.receivedAt, at(3))
      assert.equal(await store.archive.latestId(web.id), all[0]!.id)

      const ids = (m: { message: string }[]) => m.map((x) => JSON.parse(x.message).event ?? x.message.length)
      assert.deepEqual(ids(await store.archive.newest(web.id, { userId: 'u1' }, { limit: 10 })), [
        'Order Completed',
        'Signed Up',
      ])
      assert.deepEqual(ids(await store.archive.newest(web.id, { event: 'Signed Up' }, { limit: 10 })), [
        'Signed Up',
      ])
      assert.equal((await store.archive.newest(web.id, { messageId: 'known-id' }, { limit: 10 })).length, 1)
      assert.equal((await store.archive.newest(web.id, { type: 'identify' }, { limit: 10 })).length, 1)
      assert.equal((await store.archive.newest(web.id, { from: at(2), to: at(3) }, { limit: 10 })).length, 1)
      const page2 = await store.archive.newest(web.id, {}, { before: all[0]!.id, limit: 1 })
      assert.deepEqual(
        page2.map((m) => m.id),
        [all[1]!.id],
      )

      const tail = await store.archive.after(web.id, {}, { after: all[2]!.id, limit: 10 })
      assert.deepEqual(
        tail.map((m) => m.id),
        [all[1]!.id, all[0]!.id],
      )
      const bounded = await store.archive.after(
        web.id,
        {},
        { after: all[2]!.id, upTo: all[1]!.id, limit: 10 },
      )
      assert.deepEqual(
        bounded.map((m) => m.id),
        [all[1]!.id],
      )
    })

    test('replay pages: a time range in (receivedAt, id) order, without blocked messages, by type or name', async () => {
      await store.archive.append([
        row(web, at(12), { type: 'track', event: 'B' }),
        row(web, at(10), { type: 'track', event: 'A' }),
        row(web, at(11), { type: 'page', name: 'Home' }),
        row(web, at(11), { type: 'track', event: 'Blocked' }, true),
        row(web, at(13), { type: 'identify', userId: 'u' }),
        row(web, at(20), { type: 'track', event: 'Later' }),
      ])
      const selection = { sourceId: web.id, from: at(10), to: at(20) }
      assert.equal(await store.archive.countReplay(selection), 4)
      const first = await store.archive.replayPage(selection, undefined, 2)
      const second = await store.archive.replayPage(selection, first.at(-1), 2)
      const third = await store.archive.replayPage(selection, second.at(-1), 2)
      const names = (page: { message: string }[]) =>
        page.map((m) => {
          const message = JSON.parse(m.message)
          return message.event ?? message.name ?? message.type
        })
      assert.deepEqual([...names(first), ...names(second), ...names(third)], ['A', 'Home', 'B', 'identify'])
      assert.equal(third.length, 0)

      const chosen = { ...selection, types: ['identify'], events: ['A'] }
      assert.deepEqual(names(await store.archive.replayPage(chosen, undefined, 10)), ['A', 'identify'])
      assert.equal(await store.archive.countReplay(chosen), 2)
    })

    test('retention deletes the oldest messages received before the cutoff, in batches', async () => {
      const before = (await store.archive.newest(web.id, {}, { limit: 1000 })).length
      const deleted = await store.archive.pruneOldest(at(3), 2)
      assert.equal(deleted, 2)
      const next = await store.archive.pruneOldest(at(3), 100)
      // Stops at the first message (in archive order) received after the cutoff.
      assert.equal(next, 1)
      assert.equal(await store.archive.pruneOldest(at(3), 100), 0)
      const left = await store.archive.newest(web.id, {}, { limit: 1000 })
      assert.equal(left.length, before - 2, 'two of web, one of server')
      assert.equal((await store.archive.newest(server.id, {}, { limit: 10 })).length, 0)
    })

    test('consumer positions move by compare-and-set', async () => {
      assert.equal(await store.positions.get('archive-test'), 0)
      assert.equal(await store.positions.advance('archive-test', 0, 10), true)
      assert.equal(await store.positions.advance('archive-test', 0, 20), false)
      assert.equal(await store.positions.get('archive-test'), 10)
    })

    test('source schema: counts add up, limits hold, first and last seen', async () => {
      const event = (name: string, total: number, lastSeen: string) => ({
        workspaceId: workspace.id,
        sourceId: server.id,
        type: 'track',
        name,
        total,
        blocked: 0,
        firstSeen: lastSeen,
        lastSeen,
      })
      const field = (name: string, path: string) => ({
        workspaceId: workspace.id,
        sourceId: server.id,
        type: 'track',
        name,
        path,
        total: 1,
        firstSeen: at(1),
        lastSeen: at(1),
      })
      const limits = { eventsPerSource: 2, fieldsPerEvent: 2 }
      await store.sourceSchema.apply(
        { events: [event('A', 2, at(1))], fields: [field('A', 'x'), field('A', 'y'), field('A', 'z')] },
        limits,
      )
      await store.sourceSchema.apply(
        {
          events: [event('A', 1, at(5)), event('B', 1, at(5)), event('C', 1, at(5))],
          fields: [field('A', 'x'), field('A', 'w'), field('C', 'x')],
        },
        limits,
      )
      const events = await store.sourceSchema.listEvents(server.id, {}, { offset: 0, limit: 10 })
      assert.equal(events.total, 2, 'the third event name is over the limit')
      assert.deepEqual(
        events.items.map((e) => [e.name, e.total, e.blocked, e.firstSeen, e.lastSeen]),
        [
          ['A', 3, false, at(1), at(5)],
          ['B', 1, false, at(5), at(5)],
        ],
      )
      const fields = await store.sourceSchema.listFields(
        server.id,
        { type: 'track', name: 'A' },
        { offset: 0, limit: 10 },
      )
      assert.deepEqual(
        fields.items.map((f) => [f.path, f.total]),
        [
          ['x', 2],
          ['y', 1],
        ],
      )
    })

    test('blocking: per source and name, listed in the schema even before it is seen, with a change stamp', async () => {
      const stamp = await store.sourceSchema.blockedChangeStamp()
      assert.deepEqual(await store.sourceSchema.setBlocked(workspace.id, server.id, ['A', 'Unseen'], true), [
        'A',
        'Unseen',
      ])
      assert.deepEqual(
        await store.sourceSchema.setBlocked(workspace.id, server.id, ['A'], true),
        [],
        'no change',
      )
      const blockedStamp = await store.sourceSchema.blockedChangeStamp()
      assert.notEqual(blockedStamp, stamp)
      assert.deepEqual(await store.sourceSchema.listBlocked(), [
        { sourceId: server.id, event: 'A' },
        { sourceId: server.id, event: 'Unseen' },
      ])
      const events = await store.sourceSchema.listEvents(
        server.id,
        { type: 'track' },
        { offset: 0, limit: 10 },
      )
      assert.deepEqual(
        events.items.map((e) => [e.name, e.blocked, e.total, e.firstSeen]),
        [
          ['A', true, 3, at(1)],
          ['B', false, 1, at(5)],
          ['Unseen', true, 0, null],
        ],
      )
      clock = new Date(clock.getTime() + 1000)
      assert.deepEqual(await store.sourceSchema.setBlocked(workspace.id, server.id, ['A'], false), ['A'])
      assert.notEqual(await store.sourceSchema.blockedChangeStamp(), blockedStamp)
      assert.deepEqual(await store.sourceSchema.listBlocked(), [{ sourceId: server.id, event: 'Unseen' }])
    })

    test('replay jobs: one runner per job, progress, cancel, finish, resume after the lease', async () => {
      const job = await store.replayJobs.create({
        workspaceId: workspace.id,
        sourceId: web.id,
        startTime: at(0),
        endTime: at(30),
        destinationIds: ['d1'],
        eventNames: ['A'],
        createdBy: 'tester',
      })
      assert.equal(job.status, 'queued')
      assert.deepEqual(await store.replayJobs.get(workspace.id, job.id), job)
      assert.equal(await store.replayJobs.get('other', job.id), undefined)

      const claimed = await store.replayJobs.claim('runner-1', 30_000)
      assert.equal(claimed?.id, job.id)
      assert.equal(claimed?.status, 'running')
      assert.equal(await store.replayJobs.claim('runner-2', 30_000), undefined, 'the lease is held')
      assert.equal(await store.replayJobs.setTotal(job.id, 'runner-1', 10, 30_000), true)
      const cursor = { receivedAt: at(10), id: 7 }
      assert.equal(
        await store.replayJobs.progress(job.id, 'runner-1', { cursor, processed: 4, enqueued: 4 }, 30_000),
        true,
      )
      assert.equal(
        await store.replayJobs.progress(job.id, 'runner-2', { cursor, processed: 4, enqueued: 4 }, 30_000),
        false,
      )

      // The runner dies: once its lease is over, another runner resumes from the stored cursor.
      clock = new Date(clock.getTime() + 31_000)
      const resumed = await store.replayJobs.claim('runner-2', 30_000)
      assert.deepEqual(
        [resumed?.id, resumed?.total, resumed?.processed, resumed?.enqueued, resumed?.cursor],
        [job.id, 10, 4, 4, cursor],
      )
      assert.equal(
        await store.replayJobs.progress(job.id, 'runner-1', { cursor, processed: 1, enqueued: 1 }, 30_000),
        false,
      )
      await store.replayJobs.release(job.id, 'runner-2')
      assert.equal(
        (await store.replayJobs.claim('runner-3', 30_000))?.id,
        job.id,
        'a released job is taken at once',
      )
      assert.equal(await store.replayJobs.finish(job.id, 'runner-3', { status: 'succeeded' }), true)
      const done = await store.replayJobs.get(workspace.id, job.id)
      assert.equal(done?.status, 'succeeded')
      assert.ok(done?.finishedAt)
      assert.equal(await store.replayJobs.cancel(workspace.id, job.id), false, 'finished jobs stay finished')

      const other = await store.replayJobs.create({
        workspaceId: workspace.id,
        sourceId: web.id,
        startTime: at(0),
        endTime: at(30),
        destinationIds: ['d1'],
        createdBy: 'tester',
      })
      await store.replayJobs.claim('runner-1', 30_000)
      assert.equal(await store.replayJobs.cancel(workspace.id, other.id), true)
      assert.equal(
        await store.replayJobs.progress(other.id, 'runner-1', { cursor, processed: 1, enqueued: 1 }, 30_000),
        false,
        'a cancelled job stops its runner at the next page',
      )
      const listed = await store.replayJobs.list(workspace.id, { sourceId: web.id }, { offset: 0, limit: 10 })
      assert.deepEqual(
        listed.items.map((j) => [j.id, j.status]),
        [
          [other.id, 'cancelled'],
          [job.id, 'succeeded'],
        ],
      )
      assert.equal(await store.replayJobs.workspaceOfSource(web.id), workspace.id)
    })

    test('deleting a source deletes its blocked events and replay jobs', async () => {
      await store.sources.delete(workspace.id, web.id)
      assert.equal((await store.replayJobs.list(workspace.id, {}, { offset: 0, limit: 10 })).total, 0)
      await store.sources.delete(workspace.id, server.id)
      assert.deepEqual(await store.sourceSchema.listBlocked(), [])
    })
  })
}
