import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { dirname } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { WEBHOOK_DESTINATION } from '../../src/destinations/index.ts'
import { runCli } from '../support/process.ts'
import { dialects, tempDir, type TestDatabase } from '../support/services.ts'
import { startSink, type Sink } from '../support/sink.ts'
import { startTestSwitchyard, type TestSwitchyard } from '../support/switchyard.ts'

interface ServerSentEvent {
  event: string
  id?: string
  data: string
}

/** Reads Server-Sent Events from a streaming fetch response, as an EventSource would. */
function readEvents(response: Response) {
  const events: ServerSentEvent[] = []
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader()
  let buffer = ''
  const done = (async () => {
    for (;;) {
      const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }))
      if (done) return
      buffer += value
      let end: number
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end)
        buffer = buffer.slice(end + 2)
        const event: ServerSentEvent = { event: 'message', data: '' }
        let hasData = false
        for (const line of block.split('\n')) {
          const [field, ...rest] = line.split(':')
          const value = rest.join(':').replace(/^ /, '')
          if (field === 'event') event.event = value
          else if (field === 'id') event.id = value
          else if (field === 'data') {
            event.data += value
            hasData = true
          }
        }
        if (hasData) events.push(event)
      }
    }
  })()
  return {
    events,
    async waitFor(predicate: (e: ServerSentEvent) => boolean, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs
      for (;;) {
        const found = events.find(predicate)
        if (found) return found
        if (Date.now() > deadline) throw new Error(`no such event; got ${JSON.stringify(events)}`)
        await new Promise((r) => setTimeout(r, 20))
      }
    },
    done,
  }
}

async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await check()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((r) => setTimeout(r, 50))
  }
}

const SECRET_KEY = 'archive-test-secret-key-0123456789abcdef'

/**
 * The archive end to end: Tracking API → stream → archive (messages, schema) → Public API;
 * blocking in the process stage; the debugger's live stream; replay to a sink.
 */
for (const dialect of await dialects())
  describe(`archive on ${dialect.name}: debugger, schema, blocking, replay`, { skip: dialect.skip }, () => {
    let database: TestDatabase
    let sy: TestSwitchyard
    let live: Sink
    let replayed: Sink
    let source: { id: string; writeKey: string }
    let workspaceId: string
    const started = new Date(Date.now() - 1000).toISOString()
    const ids = { signup: randomUUID(), identify: randomUUID(), spam: randomUUID() }

    const send = async (batch: Record<string, unknown>[]) => {
      const response = await fetch(`${sy.ingestUrl}/v1/batch`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`${source.writeKey}:`).toString('base64')}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({ batch }),
      })
      assert.equal(response.status, 200)
    }
    const webhook = (name: string, url: string) =>
      sy.switchyard.store.destinations.create({
        workspaceId,
        sourceId: source.id,
        metadataId: WEBHOOK_DESTINATION.metadataId,
        name,
        enabled: true,
        settings: { hooks: [{ hook: url }] },
      })
    const sunk = (sink: Sink) => sink.requests.map((r) => JSON.parse(r.body) as Record<string, unknown>)

    before(async () => {
      ;[live, replayed] = await Promise.all([startSink(), startSink()])
      database = await dialect.create()
      sy = await startTestSwitchyard({ database, env: { SWITCHYARD_SECRET_KEY: SECRET_KEY } })
      source = await sy.createSource('web')
      workspaceId = sy.switchyard.bootstrap.workspace.id
      await webhook('live', live.url)
      await send([
        {
          type: 'track',
          event: 'Signed Up',
          userId: 'u1',
          messageId: ids.signup,
          properties: { plan: 'pro', items: [{ sku: 'a' }] },
        },
        { type: 'identify', userId: 'u2', messageId: ids.identify, traits: { email: 'u2@example.com' } },
        { type: 'track', event: 'Spam', anonymousId: 'a1', messageId: ids.spam },
      ])
      await live.waitFor(3)
    })

    after(async () => {
      await sy?.stop()
      await database?.drop()
      await Promise.all([live?.close(), replayed?.close()])
    })

    test('archived messages are listed newest first and found by messageId, userId, event and type', async () => {
      const list = await eventually(async () => {
        const r = await sy.api(`/sources/${source.id}/archive/messages`)
        return r.body.data.messages.length === 3 ? r : undefined
      })
      assert.deepEqual(
        list.body.data.messages.map((m: { message: { messageId: string } }) => m.message.messageId),
        [ids.spam, ids.identify, ids.signup],
      )
      const first = list.body.data.messages[2]
      assert.equal(first.blocked, false)
      assert.equal(first.sourceId, source.id)
      assert.deepEqual(
        first.message,
        (await sy.storedMessages()).find((s) => s.message.messageId === ids.signup)!.message,
      )

      const found = async (query: string) =>
        (await sy.api(`/sources/${source.id}/archive/messages?${query}`)).body.data.messages.map(
          (m: { message: { messageId: string } }) => m.message.messageId,
        )
      assert.deepEqual(await found(`messageId=${ids.identify}`), [ids.identify])
      assert.deepEqual(await found('userId=u1'), [ids.signup])
      assert.deepEqual(await found('event=Spam'), [ids.spam])
      assert.deepEqual(await found('type=identify'), [ids.identify])
      assert.deepEqual(await found(`startTime=${started}&endTime=${started}`), [])
      assert.deepEqual(await found(`userId=${'x'.repeat(600)}`), [])

      const page1 = await sy.api(`/sources/${source.id}/archive/messages?pagination[count]=2`)
      assert.equal(page1.body.data.messages.length, 2)
      const next = page1.body.data.pagination.next
      assert.equal(typeof next, 'string')
      const page2 = await sy.api(
        `/sources/${source.id}/archive/messages?pagination[count]=2&pagination[cursor]=${next}`,
      )
      assert.deepEqual(
        page2.body.data.messages.map((m: { message: { messageId: string } }) => m.message.messageId),
        [ids.signup],
      )
      assert.equal(page2.body.data.pagination.next, null)

      assert.equal((await sy.api(`/sources/${source.id}/archive/messages?type=nope`)).status, 400)
      assert.equal((await sy.api('/sources/unknown/archive/messages')).status, 404)
      assert.equal((await sy.api(`/sources/${source.id}/archive/messages`, { token: null })).status, 401)
    })

    test('the source schema lists events, properties and traits with counts', async () => {
      const events = (await sy.api(`/sources/${source.id}/schema/events`)).body.data.events
      assert.deepEqual(
        events.map((e: { type: string; name: string; counts: { total: number } }) => [
          e.type,
          e.name,
          e.counts.total,
        ]),
        [
          ['identify', '', 1],
          ['track', 'Signed Up', 1],
          ['track', 'Spam', 1],
        ],
      )
      assert.equal(events[1].blocked, false)
      assert.ok(events[1].firstSeenAt >= started)
      const properties = await sy.api(`/sources/${source.id}/schema/properties?event=Signed%20Up`)
      assert.deepEqual(
        properties.body.data.properties.map((p: { path: string }) => p.path),
        ['items', 'items.$', 'items.$.sku', 'plan'],
      )
      const traits = await sy.api(`/sources/${source.id}/schema/traits?type=identify`)
      assert.deepEqual(
        traits.body.data.traits.map((t: { path: string; count: number }) => [t.path, t.count]),
        [['email', 1]],
      )
    })

    test('a blocked event is archived, flagged and counted, but delivered nowhere; others still are', async () => {
      const blocked = await sy.api(`/sources/${source.id}/schema/events`, {
        method: 'PATCH',
        body: { events: [{ name: 'Spam', blocked: true }] },
      })
      assert.equal(blocked.status, 200)
      assert.deepEqual(
        blocked.body.data.events.map((e: { name: string; blocked: boolean }) => [e.name, e.blocked]),
        [['Spam', true]],
      )
      const spam = randomUUID()
      const wanted = randomUUID()
      await send([
        { type: 'track', event: 'Spam', userId: 'u3', messageId: spam },
        { type: 'track', event: 'Signed Up', userId: 'u3', messageId: wanted },
      ])
      await eventually(async () => (sunk(live).some((m) => m.messageId === wanted) ? true : undefined))
      // The archive has the blocked message too, flagged; by then the process stage had its batch.
      const archived = await eventually(async () => {
        const r = await sy.api(`/sources/${source.id}/archive/messages?messageId=${spam}`)
        return r.body.data.messages[0]
      })
      assert.equal(archived.blocked, true)
      assert.ok(!sunk(live).some((m) => m.messageId === spam), 'the blocked event was not delivered')

      const events = (await sy.api(`/sources/${source.id}/schema/events?type=track`)).body.data.events
      const spamRow = events.find((e: { name: string }) => e.name === 'Spam')
      assert.deepEqual(spamRow.counts, { total: 2, allowed: 1, blocked: 1 })
      const metrics = await (await fetch(`${sy.controlUrl}/metrics`)).text()
      assert.match(metrics, /switchyard_process_blocked_messages_total 1\b/)
      // Delivery Overview counts it as filtered at source, with its reason, and its lineage says so.
      const overview = await eventually(async () => {
        const now = new Date()
        const query = new URLSearchParams({
          sourceId: source.id,
          startTime: new Date(now.getTime() - 3_600_000).toISOString(),
          endTime: new Date(now.getTime() + 60_000).toISOString(),
          granularity: 'MINUTE',
        })
        const r = await sy.api(`/delivery-overview/filtered-at-source?${query}`, {
          headers: { accept: 'application/vnd.segment.v1beta+json' },
        })
        return r.body.data?.total > 0 ? r.body.data : undefined
      })
      assert.equal(overview.total, 1)
      // A message the Tracking API refuses counts as failed on ingest, with Segment's reason.
      const refused = await fetch(`${sy.ingestUrl}/v1/track`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`${source.writeKey}:`).toString('base64')}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({ event: 'No One' }),
      })
      assert.equal(refused.status, 400)
      const failed = await eventually(async () => {
        const now = new Date()
        const query = new URLSearchParams({
          sourceId: source.id,
          startTime: new Date(now.getTime() - 3_600_000).toISOString(),
          endTime: new Date(now.getTime() + 60_000).toISOString(),
          granularity: 'MINUTE',
          groupBy: 'discardReason',
        })
        const r = await sy.api(`/delivery-overview/failed-on-ingest?${query}`, {
          headers: { accept: 'application/vnd.segment.v1beta+json' },
        })
        return r.body.data?.total > 0 ? r.body.data : undefined
      })
      assert.equal(failed.total, 1)
      assert.match(JSON.stringify(failed.dataset), /no_user_anon_id/)
      const lineage = await eventually(async () => {
        const r = await sy.api(`/sources/${source.id}/messages/${spam}/lineage`)
        return r.status === 200 && JSON.stringify(r.body).includes('blocked_event') ? r.body : undefined
      })
      assert.ok(lineage)
      assert.match(metrics, /switchyard_archive_messages_total 5\b/)
    })

    test('the debugger stream sends the newest messages, then each new one as it is archived', async () => {
      const controller = new AbortController()
      // As a browser's EventSource would: no Authorization header, the token in the query.
      const response = await fetch(
        `${sy.controlUrl}/api/sources/${source.id}/debugger/stream?token=${sy.ownerToken}&userId=u1`,
        { headers: { accept: 'text/event-stream' }, signal: controller.signal },
      )
      assert.equal(response.status, 200)
      assert.match(response.headers.get('content-type')!, /^text\/event-stream/)
      const stream = readEvents(response)
      await stream.waitFor((e) => e.event === 'ready')
      assert.deepEqual(
        stream.events.filter((e) => e.event === 'message').map((e) => JSON.parse(e.data).message.messageId),
        [ids.signup],
      )
      const fresh = randomUUID()
      await send([
        { type: 'track', event: 'Other User', userId: 'u9', messageId: randomUUID() },
        { type: 'track', event: 'Clicked', userId: 'u1', messageId: fresh },
      ])
      const arrived = await stream.waitFor(
        (e) => e.event === 'message' && JSON.parse(e.data).message.messageId === fresh,
      )
      assert.equal(JSON.parse(arrived.data).message.event, 'Clicked')
      assert.ok(Number(arrived.id) > 0)
      assert.equal(
        stream.events.filter((e) => e.event === 'message').length,
        2,
        'only messages of the filtered user',
      )
      controller.abort()
      await stream.done

      const refused = await fetch(`${sy.controlUrl}/api/sources/${source.id}/debugger/stream?token=wrong`)
      assert.equal(refused.status, 401)
    })

    test('a replay re-sends a time range to a destination and reports progress to completion', async () => {
      const destination = await webhook('replayed', replayed.url)
      const end = new Date(
        Date.parse(
          (await sy.api(`/sources/${source.id}/archive/messages?messageId=${ids.spam}`)).body.data.messages[0]
            .receivedAt,
        ) + 1,
      ).toISOString()
      const created = await sy.api(`/sources/${source.id}/replays`, {
        method: 'POST',
        body: { startTime: started, endTime: end, destinationIds: [destination.id] },
      })
      assert.equal(created.status, 201, JSON.stringify(created.body))
      const replayId = created.body.data.replay.id
      assert.equal(created.body.data.replay.status, 'QUEUED')
      const done = await eventually(async () => {
        const r = await sy.api(`/sources/${source.id}/replays/${replayId}`)
        return r.body.data.replay.status === 'SUCCEEDED' ? r.body.data.replay : undefined
      })
      // The first batch: Spam is blocked now, so it is not replayed.
      assert.deepEqual(done.progress, { total: 3, processed: 3, enqueued: 2, percent: 100 })
      const received = await replayed.waitFor(2)
      assert.deepEqual(
        new Set(received.map((r) => JSON.parse(r.body).messageId)),
        new Set([ids.signup, ids.identify]),
      )
      const listed = await sy.api(`/sources/${source.id}/replays`)
      assert.deepEqual(
        listed.body.data.replays.map((r: { id: string }) => r.id),
        [replayId],
      )
      const cancel = await sy.api(`/sources/${source.id}/replays/${replayId}/cancel`, { method: 'POST' })
      assert.equal(cancel.status, 409)
      assert.equal(cancel.body.errors[0].code, 'SY_RESOURCE_WRONG_STATE')
      const invalid = await sy.api(`/sources/${source.id}/replays`, {
        method: 'POST',
        body: { startTime: end, endTime: started },
      })
      assert.equal(invalid.status, 400)
    })

    test('switchyard replay queues a replay and shows its progress until it is done', async () => {
      // The CLI opens the same database as the server, with the same secret key.
      const env: Record<string, string> =
        database.target.kind === 'sqlite'
          ? { SWITCHYARD_DATA_DIR: dirname(database.target.path) }
          : { SWITCHYARD_DATA_DIR: tempDir(), SWITCHYARD_DATABASE_URL: database.url! }
      const before = replayed.requests.length
      const result = await runCli(
        [
          'replay',
          '--source',
          source.id,
          '--from',
          started,
          '--to',
          new Date().toISOString(),
          '--event',
          'Signed Up',
        ],
        { ...env, SWITCHYARD_SECRET_KEY: SECRET_KEY },
      )
      assert.equal(result.code, 0, result.stderr)
      assert.match(result.stderr, /Replay \S+ queued/)
      assert.match(result.stderr, /\[#+\] 100% {2}2\/2 messages, \d+ queued {2}succeeded/)
      await replayed.waitFor(before + 2)
    })
  })

describe('archive: shutting down with a debugger stream open', () => {
  test('stop() ends open streams instead of waiting for them', async () => {
    const sy = await startTestSwitchyard()
    const source = await sy.createSource('web')
    const response = await fetch(`${sy.controlUrl}/api/sources/${source.id}/debugger/stream`, {
      headers: { authorization: `Bearer ${sy.ownerToken}` },
    })
    const stream = readEvents(response)
    await stream.waitFor((e) => e.event === 'ready')
    const stopping = Date.now()
    await sy.stop()
    await stream.done
    assert.ok(Date.now() - stopping < 5_000, `stopped after ${Date.now() - stopping} ms`)
  })
})
