import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, describe, test } from 'node:test'
import { WEBHOOK_DESTINATION } from '../../src/destinations/index.ts'
import { deliveryQueue } from '../../src/pipeline/index.ts'
import { startSink, type Sink } from '../support/sink.ts'
import { startTestSwitchyard, type ApiResponse, type TestSwitchyard } from '../support/switchyard.ts'

/**
 * Delivery Overview, samples, lineage and dead letters end to end: Tracking API → process → Webhook
 * destinations created through the Public API → real sinks, then read back through the Public API.
 * The retry window is 6 s so that a failing destination dead-letters within the test.
 */
describe('Delivery Overview, lineage and dead letters', () => {
  let sy: TestSwitchyard
  let healthy: Sink
  let refusing: Sink
  let flaky: Sink
  let source: { id: string; writeKey: string }
  const ids: Record<'healthy' | 'refusing' | 'flaky', string> = { healthy: '', refusing: '', flaky: '' }
  const delivered = randomUUID()
  const filtered = randomUUID()

  before(async () => {
    ;[healthy, refusing, flaky] = await Promise.all([
      startSink({ status: 200 }),
      startSink({ status: 400, body: '{"error":"bad payload"}' }),
      startSink({ status: 500, body: 'down' }),
    ])
    sy = await startTestSwitchyard({
      env: { SWITCHYARD_DELIVERY_RETRY_WINDOW_MINUTES: '0.1', SWITCHYARD_DELIVERY_RETRY_BASE_MS: '100' },
    })
    source = await sy.createSource('web')
    for (const [name, sink] of [
      ['healthy', healthy],
      ['refusing', refusing],
      ['flaky', flaky],
    ] as const) {
      const r = await sy.api('/destinations', {
        method: 'POST',
        body: {
          sourceId: source.id,
          metadataId: WEBHOOK_DESTINATION.metadataId,
          name,
          enabled: true,
          settings: {
            hooks: [
              {
                hook: `${sink.url}/in`,
                headers: [{ key: 'Authorization', value: 'Bearer sink-token-123456' }],
              },
            ],
            sharedSecret: 'a-long-shared-secret-value',
          },
        },
      })
      assert.equal(r.status, 201, JSON.stringify(r.body))
      ids[name] = r.body.data.destination.id
    }
    const response = await fetch(`${sy.ingestUrl}/v1/batch`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${source.writeKey}:`).toString('base64')}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({
        batch: [
          {
            type: 'track',
            event: 'Order Completed',
            userId: 'u1',
            messageId: delivered,
            context: { app: { version: '2.1' } },
          },
          {
            type: 'track',
            event: 'Signed Up',
            userId: 'u2',
            messageId: filtered,
            integrations: { Webhooks: false },
          },
        ],
      }),
    })
    assert.equal(response.status, 200)
  })

  after(async () => {
    await sy?.stop()
    await Promise.all([healthy, refusing, flaky].map((s) => s?.close()))
  })

  /** Asks until `check` passes (the recorder writes about every second). */
  async function eventually<T>(
    ask: () => Promise<ApiResponse>,
    check: (r: ApiResponse) => T,
    timeoutMs = 15_000,
  ) {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const r = await ask()
      try {
        return check(r)
      } catch (error) {
        if (Date.now() > deadline) throw error
        await new Promise((resolve) => setTimeout(resolve, 200))
      }
    }
  }

  const range = () => {
    const now = Date.now()
    return `startTime=${new Date(now - 3_600_000).toISOString()}&endTime=${new Date(now + 60_000).toISOString()}`
  }
  const overview = (step: string, destination: string, extra = '') =>
    sy.api(
      `/delivery-overview/${step}?sourceId=${source.id}&destinationConfigId=${ids[destination as keyof typeof ids]}&${range()}&granularity=minute${extra}`,
    )

  test('a delivered message: lineage shows each stage and status 200, Delivery Overview counts it', async () => {
    const lineage = await eventually(
      () => sy.api(`/sources/${source.id}/messages/${delivered}/lineage`),
      (r) => {
        assert.equal(r.status, 200, JSON.stringify(r.body))
        const healthyState = r.body.data.lineage.destinations.find(
          (d: { destinationId: string }) => d.destinationId === ids.healthy,
        )
        assert.equal(healthyState?.outcome, 'delivered')
        return r.body.data.lineage
      },
    )
    assert.equal(lineage.messageId, delivered)
    assert.deepEqual(
      lineage.events.slice(0, 2).map((e: { stage: string; outcome: string }) => `${e.stage}/${e.outcome}`),
      ['ingest/received', 'process/routed'],
    )
    assert.deepEqual(new Set(lineage.events[1].destinationIds), new Set(Object.values(ids)))
    const deliveredEvent = lineage.events.find(
      (e: { destinationId?: string; outcome: string }) =>
        e.destinationId === ids.healthy && e.outcome === 'delivered',
    )
    assert.equal(deliveredEvent.status, 200)
    assert.equal(deliveredEvent.code, '200')
    assert.equal(deliveredEvent.destinationName, 'healthy')

    const success = await eventually(
      () => overview('successful-delivery', 'healthy', '&groupBy=eventName'),
      (r) => {
        assert.equal(r.status, 200, JSON.stringify(r.body))
        assert.equal(r.body.data.total, 1)
        return r.body.data
      },
    )
    assert.equal(success.dataset[0].eventName, 'Order Completed')
    assert.equal(
      success.dataset[0].series.reduce((n: number, p: { count: number }) => n + p.count, 0),
      1,
    )

    const received = await sy.api(
      `/delivery-overview/successfully-received?sourceId=${source.id}&${range()}&granularity=hour&groupBy[0]=appVersion`,
    )
    assert.equal(received.body.data.total, 2)
    assert.deepEqual(
      received.body.data.dataset
        .map((d: { appVersion: string; total: number }) => [d.appVersion, d.total])
        .sort(),
      [
        ['', 1],
        ['2.1', 1],
      ],
    )
  })

  test('a filtered message shows as filtered with its reason in Delivery Overview and lineage', async () => {
    const data = await eventually(
      () => overview('filtered-at-destination', 'healthy', '&groupBy=discardReason'),
      (r) => {
        assert.equal(r.body.data?.total, 1, JSON.stringify(r.body))
        return r.body.data
      },
    )
    assert.equal(data.dataset[0].discardReason, 'FILTERED_BY_INTEGRATIONS_OBJECT')
    const lineage = (await sy.api(`/sources/${source.id}/messages/${filtered}/lineage`)).body.data.lineage
    for (const state of lineage.destinations) {
      assert.equal(state.outcome, 'filtered')
      assert.equal(state.code, 'filtered_by_integrations_object')
      assert.match(state.detail, /Webhooks/)
    }
    assert.equal(lineage.destinations.length, 3)
  })

  test('a destination answering 400 shows the message dropped, with a sample of the exchange', async () => {
    const failed = await eventually(
      () => overview('failed-delivery', 'refusing', '&groupBy=discardReason'),
      (r) => {
        assert.equal(r.body.data?.total, 1, JSON.stringify(r.body))
        return r.body.data
      },
    )
    assert.equal(failed.dataset[0].discardReason, '400')
    const samples = (
      await sy.api(`/destinations/${ids.refusing}/delivery-samples?outcome=dropped&reason=400`)
    ).body.data.samples
    assert.equal(samples.length, 1)
    const [sample] = samples
    assert.equal(sample.messageId, delivered)
    assert.equal(JSON.parse(sample.payload).messageId, delivered)
    assert.equal(sample.response.status, 400)
    assert.equal(sample.response.body, '{"error":"bad payload"}')
    assert.equal(sample.request.method, 'POST')
    assert.equal(sample.request.headers.Authorization, '••••••••3456')
    assert.equal(
      sample.request.headers['X-Signature'],
      '••••••••' + sample.request.headers['X-Signature'].slice(-4),
    )
    assert.doesNotMatch(JSON.stringify(sample), /sink-token-123456/)

    const summary = await sy.api(`/destinations/${ids.refusing}/delivery-metrics?sourceId=${source.id}`)
    const discarded = summary.body.data.deliveryMetricsSummary.metrics.find(
      (m: { metricName: string }) => m.metricName === 'discarded',
    )
    assert.deepEqual(discarded, {
      metricName: 'discarded',
      total: 1,
      breakdown: [{ metricName: 'errors.discarded.400', value: 1 }],
    })
  })

  test('a failing destination dead-letters the message; after it recovers, a retry through the API delivers it', async () => {
    const listed = await eventually(
      () => sy.api(`/destinations/${ids.flaky}/dead-letters`),
      (r) => {
        assert.equal(r.body.data?.deadLetters.length, 1, JSON.stringify(r.body))
        return r.body.data
      },
    )
    const [letter] = listed.deadLetters
    assert.equal(letter.messageId, delivered)
    assert.equal(letter.message.event, 'Order Completed')
    assert.match(letter.lastError, /500/)
    assert.equal(listed.pagination.totalEntries, 1)
    const tries = flaky.requests.length
    assert.ok(tries >= 2, `retried before giving up (${tries} attempts)`)

    // The dead letter is listed as soon as it is parked; its lineage arrives with the next flush.
    const lineage = await eventually(
      () => sy.api(`/sources/${source.id}/messages/${delivered}/lineage`),
      (r) => {
        const state = r.body.data.lineage.destinations.find(
          (d: { destinationId: string }) => d.destinationId === ids.flaky,
        )
        assert.equal(state.outcome, 'dead_lettered')
        return r.body.data.lineage
      },
    )
    const outcomes = lineage.events
      .filter((e: { destinationId?: string }) => e.destinationId === ids.flaky)
      .map((e: { outcome: string }) => e.outcome)
    assert.ok(outcomes.includes('retrying'))
    const retrying = lineage.events.find((e: { outcome: string }) => e.outcome === 'retrying')
    assert.equal(retrying.code, '500')
    assert.ok(Date.parse(retrying.nextAttemptAt) > Date.parse(retrying.at))

    flaky.answerWith({ status: 200 })
    const retried = await sy.api(`/destinations/${ids.flaky}/dead-letters/retry`, {
      method: 'POST',
      body: { all: true },
    })
    assert.deepEqual(retried.body, { data: { retried: 1 } })
    await flaky.waitFor(tries + 1)
    await eventually(
      () => sy.api(`/sources/${source.id}/messages/${delivered}/lineage`),
      (r) => {
        const state = r.body.data.lineage.destinations.find(
          (d: { destinationId: string }) => d.destinationId === ids.flaky,
        )
        assert.equal(state.outcome, 'delivered')
      },
    )
    assert.equal((await sy.api(`/destinations/${ids.flaky}/dead-letters`)).body.data.deadLetters.length, 0)
    const summary = await sy.api(
      `/destinations/${ids.flaky}/delivery-metrics?sourceId=${source.id}&granularity=HOUR`,
    )
    const metrics = Object.fromEntries(
      summary.body.data.deliveryMetricsSummary.metrics.map((m: { metricName: string; total: number }) => [
        m.metricName,
        m.total,
      ]),
    )
    assert.equal(metrics.successes, 1)
    assert.equal(metrics.expired, 1)
    assert.ok(metrics.retried >= 1)
  })

  test('the dead-letter operations refuse a request naming neither ids nor all, and discard only dead letters', async () => {
    const r = await sy.api(`/destinations/${ids.flaky}/dead-letters/discard`, { method: 'POST', body: {} })
    assert.equal(r.status, 400)
    assert.equal(r.body.errors[0].code, 'SY_API_VALIDATION')
    const none = await sy.api(`/destinations/${ids.flaky}/dead-letters/discard`, {
      method: 'POST',
      body: { ids: [1, 2, 3] },
    })
    assert.deepEqual(none.body, { data: { discarded: 0 } })
  })

  test('dead letters page by id, and retry or discard exactly the ones named', async () => {
    const created = await sy.api('/destinations', {
      method: 'POST',
      body: {
        sourceId: source.id,
        metadataId: WEBHOOK_DESTINATION.metadataId,
        name: 'parked',
        settings: { hooks: [{ hook: `${healthy.url}/parked` }] },
      },
    })
    const id = created.body.data.destination.id
    const queues = sy.switchyard.stream!.queues
    const queue = deliveryQueue(id)
    await queues.enqueue(
      queue,
      ['a', 'b', 'c'].map((m) => ({
        value: JSON.stringify({
          sourceId: source.id,
          workspaceId: 'w',
          message: { messageId: m, type: 'track' },
        }),
      })),
    )
    const claimed = await queues.claim(queue, { max: 10, leaseMs: 60_000 })
    await queues.park(
      queue,
      claimed.map((i) => i.id),
      'gave up',
    )
    const first = await sy.api(`/destinations/${id}/dead-letters?pagination[count]=2`)
    assert.deepEqual(
      first.body.data.deadLetters.map((d: { messageId: string }) => d.messageId),
      ['a', 'b'],
    )
    assert.equal(first.body.data.pagination.totalEntries, 3)
    const second = await sy.api(
      `/destinations/${id}/dead-letters?pagination[count]=2&pagination[cursor]=${encodeURIComponent(first.body.data.pagination.next)}`,
    )
    assert.deepEqual(
      second.body.data.deadLetters.map((d: { messageId: string }) => d.messageId),
      ['c'],
    )
    assert.equal(second.body.data.pagination.next, null)
    const discarded = await sy.api(`/destinations/${id}/dead-letters/discard`, {
      method: 'POST',
      body: { ids: [first.body.data.deadLetters[0].id, 999_999] },
    })
    assert.deepEqual(discarded.body, { data: { discarded: 1 } })
    const retried = await sy.api(`/destinations/${id}/dead-letters/retry`, {
      method: 'POST',
      body: { all: true },
    })
    assert.deepEqual(retried.body, { data: { retried: 2 } })
    const stats = await queues.stats(queue)
    assert.deepEqual([stats.ready, stats.parked], [2, 0])
    await sy.api(`/destinations/${id}`, { method: 'DELETE' })
    const gone = await queues.stats(queue)
    assert.equal(gone.ready + gone.waiting + gone.parked, 0, 'deleting the destination emptied its queue')
  })
})
