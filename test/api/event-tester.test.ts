import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { WEBHOOK_DESTINATION, findDestinationEntryBySlug } from '../../src/destinations/index.ts'
import { NO_MATCHING_SUBSCRIPTION } from '../../src/pipeline/index.ts'
import { startSink, type Sink } from '../support/sink.ts'
import { startTestSwitchyard, type TestSwitchyard } from '../support/switchyard.ts'

const message = {
  type: 'track',
  event: 'Order Completed',
  userId: 'user-0042',
  properties: { revenue: 99.5, currency: 'EUR' },
  timestamp: '2026-01-01T00:00:00.000Z',
}

describe('event tester: POST /destinations/{id}/event-tests', () => {
  let sy: TestSwitchyard
  let sink: Sink
  let sourceId: string
  before(async () => {
    sink = await startSink({
      status: 200,
      body: '{"ok":true}',
      headers: { 'content-type': 'application/json' },
    })
    sy = await startTestSwitchyard()
    sourceId = (await sy.createSource('web')).id
  })
  after(async () => {
    await sy?.stop()
    await sink?.close()
  })

  const create = async (body: Record<string, unknown>) => {
    const r = await sy.api('/destinations', { method: 'POST', body: { sourceId, ...body } })
    assert.equal(r.status, 201, JSON.stringify(r.body))
    return r.body.data.destination.id as string
  }
  const run = (id: string, body: Record<string, unknown>) =>
    sy.api(`/destinations/${id}/event-tests`, { method: 'POST', body })

  test('classic Webhooks: the exact request and answer, the signature masked', async () => {
    const id = await create({
      metadataId: WEBHOOK_DESTINATION.metadataId,
      settings: { hooks: [{ hook: `${sink.url}/hook` }], sharedSecret: 'a-shared-secret-of-some-length' },
    })
    sink.requests.length = 0
    const r = await run(id, { message })
    assert.equal(r.status, 200, JSON.stringify(r.body))
    const [result] = r.body.data.results
    assert.equal(result.mappingId, null)
    assert.equal(result.outcome.kind, 'delivered')
    const [exchange] = result.requests
    assert.equal(exchange.request.url, `${sink.url}/hook`)
    assert.equal(exchange.response.status, 200)
    assert.equal(exchange.response.body, '{"ok":true}')
    assert.match(exchange.request.headers['X-Signature'], /^••••••••/)
    const sent = JSON.parse(exchange.request.body)
    assert.equal(sent.event, 'Order Completed')
    assert.ok(sent.messageId, 'the tester stamps the message as ingest would')
    assert.equal(sink.requests.length, 1, 'sent for real, once')
    assert.deepEqual(JSON.parse(sink.requests[0]!.body), sent)
  })

  test('an Actions destination: no enabled mapping matches, then one mapping tested as edited', async () => {
    const amplitude = findDestinationEntryBySlug('actions-amplitude')!
    const id = await create({
      metadataId: amplitude.metadata.id,
      settings: {
        apiKey: 'amplitude-api-key-123456',
        secretKey: 'amplitude-secret-key',
        endpoint: 'north_america',
      },
      egressUrl: `${sink.url}/egress`,
    })
    const none = await run(id, { message })
    assert.equal(none.status, 200)
    assert.deepEqual(none.body.data.results, [])
    assert.equal(none.body.data.error, NO_MATCHING_SUBSCRIPTION)

    const preset = amplitude.definition!.presets.find((p) => p.partnerAction === 'logPurchase')!
    sink.requests.length = 0
    const tested = await run(id, { message, mapping: { actionId: 'logPurchase', settings: preset.mapping } })
    assert.equal(tested.status, 200, JSON.stringify(tested.body))
    const [result] = tested.body.data.results
    assert.equal(result.outcome.kind, 'delivered')
    const [exchange] = result.requests
    assert.equal(exchange.request.url, `${sink.url}/egress/2/httpapi`)
    assert.equal(
      exchange.request.headers['X-Switchyard-Original-Url'],
      'https://api2.amplitude.com/2/httpapi',
    )
    const body = JSON.parse(exchange.request.body)
    assert.equal(body.api_key, '••••••••3456', 'the API key is masked in what the tester shows')
    assert.equal(body.events[0].event_type, 'Order Completed')
    assert.equal(body.events[0].user_id, 'user-0042')
    assert.equal(body.events[0].revenue, 99.5)
    assert.equal(
      JSON.parse(sink.requests[0]!.body).api_key,
      'amplitude-api-key-123456',
      'sent with the real key',
    )
  })

  test('bad input names the field', async () => {
    const id = await create({
      metadataId: WEBHOOK_DESTINATION.metadataId,
      settings: { hooks: [{ hook: `${sink.url}/hook` }] },
    })
    const r = await run(id, { message: { type: 'track', userId: 'u' } })
    assert.equal(r.status, 400)
    assert.equal(r.body.errors[0].field, 'message.event')
    const unknown = await run('nope', { message })
    assert.equal(unknown.status, 404)
    const amplitude = await create({
      metadataId: findDestinationEntryBySlug('actions-amplitude')!.metadata.id,
      settings: { apiKey: 'k', secretKey: 's', endpoint: 'north_america' },
    })
    const badAction = await run(amplitude, { message, mapping: { actionId: 'nope', settings: {} } })
    assert.equal(badAction.status, 400)
    assert.equal(badAction.body.errors[0].field, 'mapping.actionId')
  })
})
