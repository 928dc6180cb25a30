import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, describe, test } from 'node:test'
import { connect } from 'nats'
import { WEBHOOK_DESTINATION } from '../../src/destinations/index.ts'
import { deliveryQueue } from '../../src/pipeline/index.ts'
import {
  createNatsNamespace,
  NATS_TEST_URL,
  natsUnavailable,
  type TestNatsNamespace,
} from '../support/services.ts'
import { startSink, type Sink } from '../support/sink.ts'
import { startTestSwitchyard, type TestSwitchyard } from '../support/switchyard.ts'

const unavailable = await natsUnavailable()

/**
 * The pipeline end to end with the event stream on NATS JetStream (`SWITCHYARD_STREAM_URL`): the
 * ingest topic, the process stage and the destination's work queue all live on the server, in a
 * namespace of this test's own.
 */
describe('pipeline on JetStream: ingest to a Webhook destination', { skip: unavailable }, () => {
  let namespace: TestNatsNamespace
  let sy: TestSwitchyard
  let sink: Sink
  let source: { id: string; writeKey: string }
  let destinationId: string

  before(async () => {
    namespace = createNatsNamespace()
    sink = await startSink({ status: 200 })
    sy = await startTestSwitchyard({ env: { SWITCHYARD_STREAM_URL: namespace.url } })
    source = await sy.createSource('web')
    const destination = await sy.switchyard.store.destinations.create({
      workspaceId: sy.switchyard.bootstrap.workspace.id,
      sourceId: source.id,
      metadataId: WEBHOOK_DESTINATION.metadataId,
      name: 'sink',
      enabled: true,
      settings: { hooks: [{ hook: `${sink.url}/collect` }] },
    })
    destinationId = destination.id
  })

  after(async () => {
    await sy?.stop()
    await sink?.close()
    await namespace?.drop()
  })

  test('a track call reaches the sink once, through a work queue on the NATS server', async () => {
    assert.equal(sy.switchyard.stream?.capabilities.adapter, 'jetstream')
    const messageId = randomUUID()
    const response = await fetch(`${sy.ingestUrl}/v1/track`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${source.writeKey}:`).toString('base64')}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ type: 'track', event: 'Order Completed', userId: 'u1', messageId }),
    })
    assert.equal(response.status, 200)
    const [request] = await sink.waitFor(1, 15_000)
    assert.equal(request!.path, '/collect')
    assert.equal(JSON.parse(request!.body).messageId, messageId)

    // Delivered and acked: the queue on the server is empty, and nothing else arrives.
    const queue = deliveryQueue(destinationId)
    const nc = await connect({ servers: NATS_TEST_URL })
    try {
      const jsm = await nc.jetstreamManager()
      const deadline = Date.now() + 5_000
      for (;;) {
        const stats = await sy.switchyard.stream!.queues.stats(queue)
        if (stats.ready + stats.waiting === 0) break
        assert.ok(Date.now() < deadline, `the item stays in the queue: ${JSON.stringify(stats)}`)
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
      const info = await jsm.streams.info(`${namespace.namespace}_q_${queue}`)
      assert.equal(info.state.messages, 0)
      assert.equal(info.state.last_seq, 1, 'the one item went through the stream on the server')
    } finally {
      await nc.close()
    }
    assert.equal(sink.requests.length, 1)
  })
})
