import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, describe, test } from 'node:test'
import { ORIGINAL_URL_HEADER, WEBHOOK_DESTINATION } from '../../src/destinations/index.ts'
import { startSink, type Sink } from '../support/sink.ts'
import { startTestSwitchyard, type TestSwitchyard } from '../support/switchyard.ts'

/** Per-instance sandbox egress and consent categories, set through the Public API. */
describe('destination egress and consent categories', () => {
  let sy: TestSwitchyard
  let capture: Sink
  let source: { id: string; writeKey: string }
  before(async () => {
    capture = await startSink({ status: 200 })
    sy = await startTestSwitchyard()
    source = await sy.createSource('web')
  })
  after(async () => {
    await sy?.stop()
    await capture?.close()
  })

  const send = (message: Record<string, unknown>) =>
    fetch(`${sy.ingestUrl}/v1/track`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${source.writeKey}:`).toString('base64')}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ userId: 'u', event: 'Signed Up', messageId: randomUUID(), ...message }),
    })

  test('an egress URL sends every request to the capture server, naming the original URL', async () => {
    const refused = await sy.api('/destinations', {
      method: 'POST',
      body: {
        sourceId: source.id,
        metadataId: WEBHOOK_DESTINATION.metadataId,
        settings: { hooks: [{ hook: 'https://hooks.example.com/in' }] },
        egressUrl: 'http://capture.test/?x=1',
      },
    })
    assert.equal(refused.status, 400)
    assert.equal(refused.body.errors[0].field, 'egressUrl')

    const created = await sy.api('/destinations', {
      method: 'POST',
      body: {
        sourceId: source.id,
        metadataId: WEBHOOK_DESTINATION.metadataId,
        name: 'vendor',
        enabled: true,
        settings: { hooks: [{ hook: 'https://hooks.example.com/in/v1?team=growth' }] },
        egressUrl: `${capture.url}/sandbox`,
        consentCategories: ['C0002'],
      },
    })
    assert.equal(created.status, 201, JSON.stringify(created.body))
    assert.equal(created.body.data.destination.egressUrl, `${capture.url}/sandbox`)
    assert.deepEqual(created.body.data.destination.consentCategories, ['C0002'])

    const consented = { consent: { categoryPreferences: { C0002: true } } }
    const refusedConsent = { consent: { categoryPreferences: { C0002: false } } }
    assert.equal((await send({ event: 'Refused', context: refusedConsent })).status, 200)
    assert.equal((await send({ event: 'Granted', context: consented })).status, 200)
    const [request] = await capture.waitFor(1)
    assert.equal(request!.method, 'POST')
    assert.equal(request!.path, '/sandbox/in/v1?team=growth')
    assert.equal(
      request!.headers[ORIGINAL_URL_HEADER.toLowerCase()],
      'https://hooks.example.com/in/v1?team=growth',
    )
    assert.equal(JSON.parse(request!.body).event, 'Granted')

    // The refused one was filtered for consent, not sent.
    await new Promise((r) => setTimeout(r, 300))
    assert.equal(capture.requests.length, 1)
    const metrics = await (await fetch(`${sy.controlUrl}/metrics`)).text()
    assert.match(metrics, /outcome="filtered",reason="filtered_by_end_user_consent"\} 1/)

    // Turning egress off is a setting change like any other.
    const updated = await sy.api(`/destinations/${created.body.data.destination.id}`, {
      method: 'PATCH',
      body: { egressUrl: null, consentCategories: [] },
    })
    assert.equal(updated.status, 200)
    assert.equal(updated.body.data.destination.egressUrl, null)
  })
})
