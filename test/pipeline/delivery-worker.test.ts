import assert from 'node:assert/strict'
import { rmSync } from 'node:fs'
import { after, before, describe, test } from 'node:test'
import pino from 'pino'
import type { DestinationDriver } from '../../src/destinations/index.ts'
import { DeliveryWorker, deliveryQueue } from '../../src/pipeline/index.ts'
import { MESSAGE_TYPES, type IngestEnvelope, type StoredMessage } from '../../src/spec/index.ts'
import { openStream, type EventStream } from '../../src/stream/index.ts'
import { tempDir } from '../support/services.ts'

/** A batching driver's flush interval: the worker waits for a full batch, but no longer than that. */
describe('delivery worker: batch size, flush interval, stopping', () => {
  let dir: string
  let stream: EventStream
  before(async () => {
    dir = tempDir()
    stream = await openStream({ kind: 'sqlite', dataDir: dir })
  })
  after(async () => {
    await stream?.close()
    rmSync(dir, { recursive: true, force: true })
  })

  const envelope = (i: number): IngestEnvelope =>
    ({
      workspaceId: 'w',
      sourceId: 's',
      message: {
        type: 'track',
        event: 'E',
        userId: 'u',
        messageId: `m-${i}`,
        receivedAt: new Date().toISOString(),
        timestamp: new Date().toISOString(),
      } as StoredMessage,
    }) as IngestEnvelope

  const run = async (destinationId: string, flushIntervalMs: number, sends: number[][]) => {
    const batches: { size: number; at: number }[] = []
    const driver: DestinationDriver = {
      target: { name: 'Test', supportedTypes: MESSAGE_TYPES, consentCategories: [] },
      batchSize: 10,
      flushIntervalMs,
      async deliver(messages) {
        batches.push({ size: messages.length, at: performance.now() })
        return { outcome: { kind: 'delivered', code: '200', status: 200 }, exchanges: [] }
      },
    }
    const worker = new DeliveryWorker({
      destinationId,
      driver,
      queues: stream.queues,
      recorder: { record: () => {} },
      logger: pino({ level: 'silent' }),
    })
    worker.start()
    const started = performance.now()
    for (const [delayMs, count] of sends) {
      await new Promise((r) => setTimeout(r, delayMs))
      await stream.queues.enqueue(
        deliveryQueue(destinationId),
        Array.from({ length: count! }, (_, i) => ({ value: JSON.stringify(envelope(i)) })),
      )
    }
    const deadline = Date.now() + 5_000
    const total = sends.reduce((n, [, count]) => n + count!, 0)
    while (batches.reduce((n, b) => n + b.size, 0) < total && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20))
    await worker.stop()
    return { batches, started }
  }

  test('with a flush interval, messages arriving apart are sent together once the batch fills', async () => {
    const { batches } = await run('flush-fill', 2_000, [
      [0, 4],
      [150, 3],
      [150, 3],
    ])
    assert.deepEqual(
      batches.map((b) => b.size),
      [10],
    )
  })

  test('a batch that does not fill is sent when its oldest message has waited the interval', async () => {
    const { batches, started } = await run('flush-timeout', 600, [[0, 3]])
    assert.deepEqual(
      batches.map((b) => b.size),
      [3],
    )
    const waited = batches[0]!.at - started
    assert.ok(waited >= 550 && waited < 2_000, `sent after ${Math.round(waited)} ms`)
  })

  test('without a flush interval, what is there is sent at once', async () => {
    const { batches, started } = await run('no-flush', 0, [[0, 3]])
    assert.equal(batches[0]!.size, 3)
    assert.ok(batches[0]!.at - started < 500)
  })

  test('stopping lets a delivery in flight finish and acks it (a mapping change cuts nothing off)', async () => {
    let started!: () => void
    const inFlight = new Promise<void>((resolve) => (started = resolve))
    let finished = false
    const driver: DestinationDriver = {
      target: { name: 'Test', supportedTypes: MESSAGE_TYPES, consentCategories: [] },
      batchSize: 1,
      async deliver() {
        started()
        await new Promise((r) => setTimeout(r, 400))
        finished = true
        return { outcome: { kind: 'delivered', code: '200', status: 200 }, exchanges: [] }
      },
    }
    const worker = new DeliveryWorker({
      destinationId: 'drain',
      driver,
      queues: stream.queues,
      recorder: { record: () => {} },
      logger: pino({ level: 'silent' }),
    })
    worker.start()
    await stream.queues.enqueue(deliveryQueue('drain'), [{ value: JSON.stringify(envelope(1)) }])
    await inFlight
    await worker.stop()
    assert.ok(finished, 'the delivery was not aborted')
    const stats = await stream.queues.stats(deliveryQueue('drain'))
    assert.equal(stats.ready + stats.waiting, 0, 'and its item was acked')
  })
})
