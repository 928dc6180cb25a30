import assert from 'node:assert/strict'
import { createHmac, randomUUID } from 'node:crypto'
import { after, before, describe, test } from 'node:test'
import { WEBHOOK_DESTINATION } from '../../src/destinations/index.ts'
import { startSink, type Sink } from '../support/sink.ts'
import { startTestSwitchyard, type TestSwitchyard } from '../support/switchyard.ts'

/**
 * The pipeline end to end in one process: Tracking API → stream → process stage → one queue per
 * destination → Webhook deliveries to real HTTP sinks.
 */
describe('pipeline: ingest to Webhook destinations', () => {
  let sy: TestSwitchyard
  let healthy: Sink
  let failing: Sink
  let hanging: Sink
  let source: { id: string; writeKey: string }

  before(async () => {
    ;[healthy, failing, hanging] = await Promise.all([
      startSink({ status: 200 }),
      startSink({ status: 500, body: 'boom' }),
      startSink('hang'),
    ])
    sy = await startTestSwitchyard()
    source = await sy.createSource('web')
    const workspaceId = sy.switchyard.bootstrap.workspace.id
    const webhook = (name: string, url: string, extra: Record<string, unknown> = {}) =>
      sy.switchyard.store.destinations.create({
        workspaceId,
        sourceId: source.id,
        metadataId: WEBHOOK_DESTINATION.metadataId,
        name,
        enabled: true,
        settings: { hooks: [{ hook: url, headers: [{ key: 'X-Team', value: 'growth' }] }], ...extra },
      })
    await webhook('healthy', `${healthy.url}/collect`, { sharedSecret: 's3cret' })
    await webhook('failing', `${failing.url}/collect`)
    await webhook('hanging', `${hanging.url}/collect`)
    await sy.switchyard.store.destinations.create({
      workspaceId,
      sourceId: source.id,
      metadataId: WEBHOOK_DESTINATION.metadataId,
      name: 'disabled',
      enabled: false,
      settings: { hooks: [{ hook: `${healthy.url}/disabled` }] },
    })
  })

  after(async () => {
    await sy?.stop()
    await Promise.all([healthy, failing, hanging].map((s) => s?.close()))
  })

  test('every message reaches the healthy sink on time, signed, while the others fail or hang', async () => {
    const ids = Array.from({ length: 60 }, () => randomUUID())
    const started = Date.now()
    const response = await fetch(`${sy.ingestUrl}/v1/batch`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${source.writeKey}:`).toString('base64')}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({
        batch: ids.map((messageId, i) => ({
          type: 'track',
          event: 'Order Completed',
          userId: `u${i}`,
          properties: { total: i },
          messageId,
        })),
      }),
    })
    assert.equal(response.status, 200)
    const received = await healthy.waitFor(60, 15_000)
    const elapsed = Date.now() - started
    // The hanging sink holds its requests for the 5 s timeout; the healthy one must not wait for it.
    assert.ok(elapsed < 4_000, `the healthy sink had everything after ${elapsed} ms`)
    assert.deepEqual(new Set(received.map((r) => JSON.parse(r.body).messageId)), new Set(ids))
    assert.ok(
      received.every((r) => r.path === '/collect'),
      'the disabled destination got nothing',
    )

    const stored = new Map((await sy.storedMessages()).map((s) => [s.message.messageId, s.message]))
    for (const request of received) {
      assert.equal(request.method, 'POST')
      assert.equal(request.headers['content-type'], 'application/json')
      assert.equal(request.headers['x-team'], 'growth')
      const expected = createHmac('sha1', 's3cret').update(request.body).digest('hex')
      assert.equal(request.headers['x-signature'], expected)
      const message = JSON.parse(request.body)
      assert.deepEqual(message, stored.get(message.messageId), 'the message as stored, field for field')
    }

    // The failing sink was tried (and will be retried after its back-off); the hanging one was reached.
    await failing.waitFor(1)
    await hanging.waitFor(1)
    const metrics = await (await fetch(`${sy.controlUrl}/metrics`)).text()
    assert.match(metrics, /switchyard_delivery_messages_total\{[^}]*outcome="delivered",reason="200"\} 60/)
    assert.match(metrics, /switchyard_delivery_messages_total\{[^}]*outcome="retrying",reason="500"\} \d+/)
  })
})
