import assert from 'node:assert/strict'
import { after, describe, test } from 'node:test'
import { Analytics } from '@segment/analytics-node'
import { INGEST_CONSUMERS, INGEST_TOPIC } from '../../src/spec/index.ts'
import { startTestSwitchyard, type StoredMessage, type TestSwitchyard } from '../support/switchyard.ts'

/** Segment's Node.js library, pointed at Switchyard's ingest port with `host`, and nothing else changed. */
describe('analytics-node against the Tracking API', () => {
  const running: TestSwitchyard[] = []
  after(async () => Promise.all(running.map((s) => s.stop())))

  test('every call type, batched, arrives with every field; close flushes what is pending', async () => {
    const sy = await startTestSwitchyard()
    running.push(sy)
    const { writeKey, id: sourceId } = await sy.createSource('node-app', 'U9mT0bPcI6')
    const analytics = new Analytics({
      writeKey,
      host: sy.ingestUrl,
      flushAt: 4,
      flushInterval: 60_000,
      maxRetries: 2,
    })
    const requests: string[] = []
    analytics.on('http_request', (r) => requests.push(r.url))
    const timestamp = new Date('2026-01-02T03:04:05.678Z')
    analytics.identify({ userId: 'u1', traits: { email: 'ada@example.com', plan: 'pro' } })
    analytics.track({
      userId: 'u1',
      event: 'Order Completed',
      properties: { total: 150 },
      messageId: 'order-1',
      timestamp,
    })
    analytics.page({
      anonymousId: 'anon-1',
      name: 'Home',
      category: 'Marketing',
      properties: { url: 'https://x.example/' },
    })
    analytics.screen({ userId: 'u1', name: 'Checkout' })
    analytics.group({ userId: 'u1', groupId: 'acme', traits: { name: 'Acme' } })
    analytics.alias({ userId: 'u1', previousId: 'anon-1' })
    await analytics.closeAndFlush({ timeout: 10_000 })

    assert.ok(requests.length >= 2, 'flushAt 4 made a batch, close flushed the rest')
    assert.ok(requests.every((u) => u === `${sy.ingestUrl}/v1/batch`))
    const stored = await sy.waitForMessages(6)
    assert.ok(stored.every((s) => s.sourceId === sourceId))
    const byType: Record<string, StoredMessage['message']> = Object.fromEntries(
      stored.map((s) => [s.message.type, s.message]),
    )
    assert.deepEqual(Object.keys(byType).sort(), ['alias', 'group', 'identify', 'page', 'screen', 'track'])
    for (const m of Object.values(byType)) {
      assert.equal(m.context.library.name, '@segment/analytics-node')
      assert.match(m.messageId, /.+/)
      assert.match(m.receivedAt, /Z$/)
      assert.match(m.sentAt, /Z$/)
      assert.equal(m.context.ip, undefined, 'Segment fills context.ip for client-side libraries only')
      assert.equal(m._metadata?.jsRuntime, 'node')
    }
    assert.deepEqual(byType.identify!.traits, { email: 'ada@example.com', plan: 'pro' })
    assert.equal(byType.track!.messageId, 'order-1')
    assert.equal(byType.track!.originalTimestamp, timestamp.toISOString())
    assert.deepEqual(byType.track!.properties, { total: 150 })
    assert.equal(byType.page!.name, 'Home')
    assert.equal(byType.page!.category, 'Marketing')
    assert.equal(byType.screen!.name, 'Checkout')
    assert.equal(byType.group!.groupId, 'acme')
    assert.equal(byType.alias!.previousId, 'anon-1')
  })

  test('over the backlog limit: 503 with Retry-After, the library retries with X-Retry-Count, stored once', async () => {
    // No worker role: nothing consumes the stream until the test commits for its consumers.
    const sy = await startTestSwitchyard({
      env: { SWITCHYARD_STREAM_MAX_BACKLOG: '2', SWITCHYARD_ROLES: 'ingest,control' },
    })
    running.push(sy)
    const { writeKey } = await sy.createSource('busy')
    const stream = sy.switchyard.stream!
    const filler = new Analytics({ writeKey, host: sy.ingestUrl, flushAt: 1 })
    filler.track({ userId: 'u', event: 'Fill 1' })
    filler.track({ userId: 'u', event: 'Fill 2' })
    filler.track({ userId: 'u', event: 'Fill 3' }) // three waiting: above the limit of two
    await filler.closeAndFlush()
    await new Promise((r) => setTimeout(r, 1100)) // the stream re-measures its backlog every second

    const analytics = new Analytics({ writeKey, host: sy.ingestUrl, flushAt: 1, maxRetries: 3 })
    const attempts: { retry: string | undefined; status?: number }[] = []
    analytics.on('http_request', (r) =>
      attempts.push({
        retry:
          (r.headers as Record<string, string>)['X-Retry-Count'] ??
          (r.headers as Record<string, string>)['x-retry-count'],
      }),
    )
    analytics.on('http_response', (r) => (attempts.at(-1)!.status = r.status))
    analytics.track({ userId: 'u', event: 'Waited For Room', messageId: 'waited-1' })
    // Let the first attempt meet the full stream, then let a consumer catch up.
    while (attempts.length === 0 || attempts[0]!.status === undefined)
      await new Promise((r) => setTimeout(r, 20))
    assert.equal(attempts[0]!.status, 503)
    // The consumers catch up.
    const head = (await stream.stats()).topics.find((t) => t.topic === INGEST_TOPIC)!.headOffset
    for (const group of [...INGEST_CONSUMERS, 'test-reader']) await stream.commit(INGEST_TOPIC, group, head)
    await analytics.closeAndFlush({ timeout: 20_000 })

    assert.ok(attempts.length >= 2, JSON.stringify(attempts))
    assert.equal(attempts.at(-1)!.status, 200)
    assert.ok(Number(attempts.at(-1)!.retry) >= 1, 'the retry carried X-Retry-Count')
    const waited = (await sy.storedMessages()).filter((m) => m.message.messageId === 'waited-1')
    assert.equal(waited.length, 1)
  })
})
