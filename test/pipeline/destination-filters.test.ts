import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, describe, test } from 'node:test'
import { WEBHOOK_DESTINATION } from '../../src/destinations/index.ts'
import { startSink, type Sink } from '../support/sink.ts'
import { startTestSwitchyard, type TestSwitchyard } from '../support/switchyard.ts'

/** Destination filters as delivery applies them: after the checks, before the send, counted when they drop. */
describe('destination filters in delivery', () => {
  let sy: TestSwitchyard
  let sink: Sink
  let source: { id: string; writeKey: string }
  let destinationId: string
  before(async () => {
    sink = await startSink({ status: 200 })
    sy = await startTestSwitchyard()
    source = await sy.createSource('web')
    const created = await sy.api('/destinations', {
      method: 'POST',
      body: {
        sourceId: source.id,
        metadataId: WEBHOOK_DESTINATION.metadataId,
        enabled: true,
        settings: { hooks: [{ hook: `${sink.url}/hook` }] },
      },
    })
    destinationId = created.body.data.destination.id
    const filter = (body: Record<string, unknown>) =>
      sy.api(`/destination/${destinationId}/filters`, {
        method: 'POST',
        body: { sourceId: source.id, enabled: true, ...body },
      })
    assert.equal(
      (
        await filter({
          title: 'No internal traffic',
          if: 'properties.internal = true',
          actions: [{ type: 'DROP' }],
        })
      ).status,
      201,
    )
    const strip = await filter({
      title: 'No emails',
      if: "type = 'track'",
      actions: [{ type: 'DROP_PROPERTIES', fields: { properties: ['email'], 'context.traits': ['email'] } }],
    })
    assert.equal(strip.status, 201, JSON.stringify(strip.body))
    // The worker picks up the change at its next sync (every 2 s).
    await new Promise((r) => setTimeout(r, 2_500))
  })
  after(async () => {
    await sy?.stop()
    await sink?.close()
  })

  const send = (message: Record<string, unknown>) =>
    fetch(`${sy.ingestUrl}/v1/track`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${source.writeKey}:`).toString('base64')}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ userId: 'u-1', messageId: randomUUID(), ...message }),
    })

  test('DROP keeps a matching message from the destination; DROP_PROPERTIES strips fields before the send', async () => {
    const dropped = randomUUID()
    assert.equal(
      (await send({ event: 'Internal', messageId: dropped, properties: { internal: true } })).status,
      200,
    )
    assert.equal(
      (
        await send({
          event: 'Signed Up',
          properties: { email: 'a@example.com', plan: 'pro' },
          context: { traits: { email: 'a@example.com', name: 'Ada' } },
        })
      ).status,
      200,
    )
    const [request] = await sink.waitFor(1)
    const sent = JSON.parse(request!.body)
    assert.equal(sent.event, 'Signed Up')
    assert.deepEqual(sent.properties, { plan: 'pro' })
    assert.deepEqual(sent.context.traits, { name: 'Ada' })
    await new Promise((r) => setTimeout(r, 300))
    assert.equal(sink.requests.length, 1, 'the internal event was not sent')

    const now = Date.now()
    const range = `startTime=${new Date(now - 3_600_000).toISOString()}&endTime=${new Date(now + 60_000).toISOString()}`
    const deadline = Date.now() + 10_000
    for (;;) {
      const r = await sy.api(
        `/delivery-overview/filtered-at-destination?sourceId=${source.id}&destinationConfigId=${destinationId}&${range}&granularity=minute&groupBy=discardReason`,
      )
      if (r.body.data?.total === 1) {
        assert.equal(r.body.data.dataset[0].discardReason, 'FILTERED_BY_DESTINATION_FILTER')
        break
      }
      if (Date.now() > deadline) assert.fail(`not counted: ${JSON.stringify(r.body)}`)
      await new Promise((r) => setTimeout(r, 200))
    }
    const lineage = (await sy.api(`/sources/${source.id}/messages/${dropped}/lineage`)).body.data.lineage
    assert.equal(lineage.destinations[0].outcome, 'filtered')
    assert.equal(lineage.destinations[0].code, 'filtered_by_destination_filter')
    assert.match(lineage.destinations[0].detail, /^filter /)
  })
})
