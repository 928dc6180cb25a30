import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, test } from 'node:test'
import { WEBHOOK_DESTINATION } from '../../src/destinations/index.ts'
import { startSink, type Sink } from '../support/sink.ts'
import { startTestSwitchyard, type TestSwitchyard } from '../support/switchyard.ts'

/**
 * A destination that is down for a while and comes back within the retry window gets everything:
 * failed attempts are retried with back-off (here from 200 ms), none is given up.
 */
let sy: TestSwitchyard | undefined
let sink: Sink | undefined
after(async () => {
  await sy?.stop()
  await sink?.close()
})

test('a destination down for a while, then back, receives every message once it recovers', async () => {
  sink = await startSink({ status: 503, headers: { 'retry-after': '0' } })
  sy = await startTestSwitchyard({ env: { SWITCHYARD_DELIVERY_RETRY_BASE_MS: '200' } })
  const source = await sy.createSource('outage')
  await sy.switchyard.store.destinations.create({
    workspaceId: sy.switchyard.bootstrap.workspace.id,
    sourceId: source.id,
    metadataId: WEBHOOK_DESTINATION.metadataId,
    name: 'flaky',
    enabled: true,
    settings: { hooks: [{ hook: `${sink.url}/hook` }] },
  })
  const ids = Array.from({ length: 20 }, () => randomUUID())
  const response = await fetch(`${sy.ingestUrl}/v1/batch`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${source.writeKey}:`).toString('base64')}`,
      'content-type': 'application/json',
    },
    body: JSON.stringify({
      batch: ids.map((messageId) => ({ type: 'track', event: 'E', userId: 'u', messageId })),
    }),
  })
  assert.equal(response.status, 200)

  // Down: every message is tried and refused, some more than once.
  await sink.waitFor(40, 15_000)
  sink.answerWith({ status: 200 })
  const recoveredAt = Date.now()
  const deadline = recoveredAt + 20_000
  const accepted = () =>
    new Set(
      sink!.requests
        .filter((r) => r.at >= recoveredAt)
        .map((r) => (JSON.parse(r.body) as { messageId: string }).messageId),
    )
  while (accepted().size < ids.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
  assert.deepEqual([...accepted()].sort(), [...ids].sort(), 'every message delivered after the recovery')

  const metrics = await (await fetch(`${sy.controlUrl}/metrics`)).text()
  assert.match(metrics, /switchyard_delivery_messages_total\{[^}]*outcome="retrying",reason="503"\} \d+/)
  assert.match(metrics, /switchyard_delivery_messages_total\{[^}]*outcome="delivered",reason="200"\} 20/)
  assert.doesNotMatch(metrics, /outcome="dead_lettered"/)
})
