import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { deliveryQueue } from '../../src/pipeline/index.ts'
import { conformance, sdk } from '../support/sdk-models.ts'
import { startTestSwitchyard, type TestSwitchyard } from '../support/switchyard.ts'

const WEBHOOKS = '54521fdc25e721e32a72ef04'

/**
 * The destinations and Delivery Overview operations through Segment's own SDK (`basePath` pointed at
 * Switchyard), and their answers checked against the SDK's response models field for field.
 */
describe("destinations and Delivery Overview through Segment's SDK", () => {
  let sy: TestSwitchyard
  let apis: ReturnType<typeof sdk.configureApis>
  let overview: InstanceType<typeof sdk.DeliveryOverviewApi>
  let sourceId: string

  before(async () => {
    sy = await startTestSwitchyard()
    apis = sdk.configureApis(sy.ownerToken)
    for (const api of Object.values(apis)) api.basePath = `${sy.controlUrl}/api`
    overview = new sdk.DeliveryOverviewApi(`${sy.controlUrl}/api`)
    overview.accessToken = sy.ownerToken
    sourceId = (await sy.createSource('web')).id
  })
  after(async () => sy?.stop())

  const settings = (url = 'https://hooks.example.com/in') => ({
    hooks: [{ hook: url, headers: [{ key: 'Authorization', value: 'Bearer token-for-the-hook-0042' }] }],
    sharedSecret: 'a-shared-secret-long-enough',
  })

  test('getDestinationsCatalog and getDestinationMetadata list the classic Webhooks destination', async () => {
    const { destinationsCatalog, pagination } = await sdk.unwrap(
      apis.catalog.getDestinationsCatalog({ count: 10 }),
    )
    assert.equal(pagination.totalEntries, 215, 'Webhooks and the 214 Actions definitions')
    const [webhooks] = destinationsCatalog
    assert.equal(webhooks!.id, WEBHOOKS)
    assert.equal(webhooks!.slug, 'webhooks')
    assert.ok(webhooks!.options.some((o) => o.name === 'sharedSecret'))
    const { destinationMetadata } = await sdk.unwrap(apis.catalog.getDestinationMetadata(WEBHOOKS))
    assert.deepEqual(destinationMetadata, webhooks)
    const logo = await fetch(destinationMetadata.logos.default)
    assert.equal(logo.headers.get('content-type'), 'image/svg+xml')
    await assert.rejects(sdk.unwrap(apis.catalog.getDestinationMetadata('nope')), {
      status: 404,
      field: 'destinationMetadataId',
    })
  })

  test('the destination operations end to end, secrets masked and kept', async () => {
    const { destination } = await sdk.unwrap(
      apis.destinations.createDestination({ sourceId, metadataId: WEBHOOKS, settings: settings() }),
    )
    assert.equal(destination.name, 'Webhooks', 'named after the catalog entry')
    assert.equal(destination.enabled, false, 'created disabled unless asked')
    assert.equal(destination.metadata.id, WEBHOOKS)
    assert.equal(destination.settings.sharedSecret, '••••••••ough')
    assert.equal(destination.settings.hooks[0].headers[0].value, '••••••••0042')
    assert.doesNotMatch(JSON.stringify(destination), /a-shared-secret|token-for-the-hook/)

    const second = await sdk.unwrap(
      apis.destinations.createDestination({
        sourceId,
        metadataId: WEBHOOKS,
        settings: settings(),
        enabled: true,
      }),
    )
    assert.equal(second.destination.name, 'Webhooks 2')

    // Read, change one field, write everything back: the masked secrets keep their stored values.
    const got = (await sdk.unwrap(apis.destinations.getDestination(destination.id))).destination
    const updated = await sdk.unwrap(
      apis.destinations.updateDestination(destination.id, {
        name: 'Orders hook',
        enabled: true,
        settings: { ...got.settings, enableBatching: true },
      }),
    )
    assert.equal(updated.destination.name, 'Orders hook')
    assert.equal(updated.destination.settings.enableBatching, true)
    const stored = await sy.switchyard.store.destinations.get(
      sy.switchyard.bootstrap.workspace.id,
      destination.id,
    )
    assert.equal(stored!.settings.sharedSecret, 'a-shared-secret-long-enough')
    assert.deepEqual((stored!.settings.hooks as unknown[])[0], settings().hooks[0])

    const page = await sdk.unwrap(apis.destinations.listDestinations({ count: 1 }))
    assert.equal(page.pagination.totalEntries, 2)
    assert.equal(page.destinations.length, 1)

    const audit = await sy.switchyard.store.audit.list(
      sy.switchyard.bootstrap.workspace.id,
      { offset: 0, limit: 50 },
      { resourceId: destination.id },
    )
    assert.deepEqual(audit.items.map((e) => e.type).sort(), [
      'Integration Created',
      'Integration Enabled',
      'Integration Modified',
      'Integration Settings Modified',
    ])
    assert.doesNotMatch(JSON.stringify(audit.items), /a-shared-secret|token-for-the-hook/)

    // Deleting purges the destination's queue.
    await sy.switchyard.stream!.queues.enqueue(deliveryQueue(destination.id), [{ value: '{}' }])
    const deleted = await sdk.unwrap(apis.destinations.deleteDestination(destination.id))
    assert.equal(String(deleted.status), 'SUCCESS')
    const stats = await sy.switchyard.stream!.queues.stats(deliveryQueue(destination.id))
    assert.equal(stats.ready + stats.waiting + stats.parked, 0)
    await assert.rejects(sdk.unwrap(apis.destinations.getDestination(destination.id)), {
      status: 404,
      field: 'destinationId',
    })
    await sdk.unwrap(apis.destinations.deleteDestination(second.destination.id))
  })

  test('invalid settings, unknown types and sources, duplicate names are refused naming the field', async () => {
    const refused = async (body: Record<string, unknown>, status: number, field: string) => {
      const r = await sy.api('/destinations', { method: 'POST', body })
      assert.equal(r.status, status, JSON.stringify(r.body))
      assert.equal(r.body.errors[0].field, field)
      return r.body.errors[0]
    }
    const bad = await refused(
      { sourceId, metadataId: WEBHOOKS, settings: { hooks: [{ hook: 'ftp://x' }] } },
      400,
      'settings.hooks.0.hook',
    )
    assert.match(bad.message, /http or https/)
    await refused({ sourceId, metadataId: WEBHOOKS, settings: { nope: 1, hooks: [] } }, 400, 'settings.nope')
    await refused({ sourceId, metadataId: 'unknown', settings: settings() }, 400, 'metadataId')
    await refused({ sourceId: 'missing', metadataId: WEBHOOKS, settings: settings() }, 404, 'sourceId')
    await refused(
      { sourceId, metadataId: WEBHOOKS, settings: { ...settings(), sharedSecret: '••••••••' } },
      400,
      'settings.sharedSecret',
    )
    const first = await sy.api('/destinations', {
      method: 'POST',
      body: { sourceId, metadataId: WEBHOOKS, name: 'Same', settings: settings() },
    })
    assert.equal(first.status, 201)
    await refused({ sourceId, metadataId: WEBHOOKS, name: 'same', settings: settings() }, 409, 'name')
    await sy.api(`/destinations/${first.body.data.destination.id}`, { method: 'DELETE' })
  })

  test('a Workspace Member may read the catalog but not destinations', async () => {
    const { secret } = await sy.switchyard.store.tokens.create({
      workspaceId: sy.switchyard.bootstrap.workspace.id,
      description: 'member',
      role: 'Workspace Member',
    })
    assert.equal((await sy.api('/catalog/destinations', { token: secret })).status, 200)
    const r = await sy.api('/destinations', { token: secret })
    assert.equal(r.status, 403)
    assert.match(r.body.errors[0].message, /destination:read/)
    const w = await sy.api('/destinations', {
      method: 'POST',
      token: secret,
      body: { sourceId, metadataId: WEBHOOKS, settings: settings() },
    })
    assert.match(w.body.errors[0].message, /destination:write.*createDestination/)
  })

  test('Delivery Overview and the metrics summary answer in the SDK’s shapes', async () => {
    const { destination } = await sdk.unwrap(
      apis.destinations.createDestination({
        sourceId,
        metadataId: WEBHOOKS,
        settings: settings(),
        name: 'Metrics',
      }),
    )
    const start = new Date(Date.now() - 3_600_000).toISOString()
    const end = new Date().toISOString()
    const summary = await sdk.unwrap(
      apis.destinations.listDeliveryMetricsSummaryFromDestination(
        destination.id,
        sourceId,
        start,
        end,
        'HOUR',
      ),
    )
    assert.equal(summary.deliveryMetricsSummary.destinationMetadataId, WEBHOOKS)
    assert.deepEqual(
      summary.deliveryMetricsSummary.metrics.map((m) => m.metricName),
      ['successes', 'discarded', 'expired', 'retried', 'filtered', 'latency'],
    )
    const failed = await sdk.unwrap(
      overview.getEgressFailedMetricsFromDeliveryOverview(
        sourceId,
        destination.id,
        start,
        end,
        'hour',
        { count: 10 },
        ['discardReason', 'eventName'],
        { discardReason: ['400'] },
      ),
    )
    assert.equal(failed.total, 0)
    const received = await sdk.unwrap(
      overview.getIngressSuccessMetricsFromDeliveryOverview(sourceId, start, end, 'minute', { count: 10 }),
    )
    assert.equal(received.dataset.length, 1)
    assert.equal(received.dataset[0]!.series.length, 61)
    // The other four steps, through the SDK too: every Delivery Overview operation answers its model.
    for (const answer of await Promise.all([
      sdk.unwrap(
        overview.getEgressSuccessMetricsFromDeliveryOverview(sourceId, destination.id, start, end, 'hour', {
          count: 10,
        }),
      ),
      sdk.unwrap(
        overview.getFilteredAtDestinationMetricsFromDeliveryOverview(
          sourceId,
          destination.id,
          start,
          end,
          'hour',
          { count: 10 },
        ),
      ),
      sdk.unwrap(
        overview.getFilteredAtSourceMetricsFromDeliveryOverview(sourceId, start, end, 'hour', { count: 10 }),
      ),
      sdk.unwrap(
        overview.getIngressFailedMetricsFromDeliveryOverview(sourceId, start, end, 'hour', { count: 10 }),
      ),
    ]))
      assert.deepEqual(
        conformance(JSON.parse(JSON.stringify(answer)), 'GetDeliveryOverviewMetricsBetaOutput'),
        [],
      )

    const query = `sourceId=${sourceId}&startTime=${start}&endTime=${end}&granularity=hour&pagination[count]=5`
    const cases: [string, string][] = [
      ['/catalog/destinations?pagination[count]=5', 'GetDestinationsCatalogV1Output'],
      [`/catalog/destinations/${WEBHOOKS}`, 'GetDestinationMetadataV1Output'],
      ['/destinations?pagination[count]=5', 'ListDestinationsV1Output'],
      [`/destinations/${destination.id}`, 'GetDestinationV1Output'],
      [
        `/destinations/${destination.id}/delivery-metrics?sourceId=${sourceId}`,
        'ListDeliveryMetricsSummaryFromDestinationBetaOutput',
      ],
      ...[
        'failed-delivery',
        'successful-delivery',
        'filtered-at-destination',
        'successfully-received',
        'failed-on-ingest',
        'filtered-at-source',
      ].map((step): [string, string] => [
        `/delivery-overview/${step}?${query}&destinationConfigId=${destination.id}&groupBy=eventType`,
        'GetDeliveryOverviewMetricsBetaOutput',
      ]),
    ]
    for (const [path, model] of cases) {
      const r = await sy.api(path)
      assert.equal(r.status, 200, `${path}: ${JSON.stringify(r.body)}`)
      assert.deepEqual(conformance(r.body.data, model), [], `${path} as ${model}`)
    }
    const updated = await sy.api(`/destinations/${destination.id}`, {
      method: 'PATCH',
      body: { enabled: true },
    })
    assert.deepEqual(conformance(updated.body.data, 'UpdateDestinationV1Output'), [])
    const deleted = await sy.api(`/destinations/${destination.id}`, { method: 'DELETE' })
    assert.deepEqual(conformance(deleted.body.data, 'DeleteDestinationV1Output'), [])
  })

  test('Delivery Overview refuses what Segment refuses, naming the parameter', async () => {
    const now = Date.now()
    const start = new Date(now - 5 * 3_600_000).toISOString()
    const end = new Date(now).toISOString()
    const r = await sy.api(
      `/delivery-overview/successfully-received?sourceId=${sourceId}&startTime=${start}&endTime=${end}&granularity=minute`,
    )
    assert.equal(r.status, 400)
    assert.equal(r.body.errors[0].field, 'startTime')
    const missing = await sy.api(
      `/delivery-overview/failed-delivery?sourceId=${sourceId}&startTime=${start}&endTime=${end}&granularity=hour`,
    )
    assert.equal(missing.body.errors[0].field, 'destinationConfigId')
    const badGroup = await sy.api(
      `/delivery-overview/successfully-received?sourceId=${sourceId}&startTime=${start}&endTime=${end}&granularity=hour&groupBy=userId`,
    )
    assert.equal(badGroup.body.errors[0].field, 'groupBy')
  })
})

describe('destination instances per source', () => {
  let sy: TestSwitchyard
  before(async () => (sy = await startTestSwitchyard()))
  after(async () => sy?.stop())

  test('a source holds up to 25 instances of one destination; other destinations still fit', async () => {
    const sourceId = (await sy.createSource('many')).id
    const create = (metadataId: string, settings: Record<string, unknown>) =>
      sy.api('/destinations', { method: 'POST', body: { sourceId, metadataId, settings } })
    const hooks = { hooks: [{ hook: 'https://hooks.example.com/in' }] }
    for (let i = 0; i < 25; i++) assert.equal((await create(WEBHOOKS, hooks)).status, 201)
    const refused = await create(WEBHOOKS, hooks)
    assert.equal(refused.status, 400)
    assert.equal(refused.body.errors[0].field, 'sourceId')
    assert.match(refused.body.errors[0].message, /at most 25 instances of one destination/)
    const slack = await create('5f7dd8e302173ff732db5cc4', {})
    assert.equal(slack.status, 201, JSON.stringify(slack.body))
  })

  test('Actions settings are checked by the definition, each error naming its setting', async () => {
    const sourceId = (await sy.createSource('checked')).id
    const r = await sy.api('/destinations', {
      method: 'POST',
      body: { sourceId, metadataId: '5f7dd6d21ad74f3842b1fc47', settings: { apiKey: 'k', endpoint: 'mars' } },
    })
    assert.equal(r.status, 400)
    const fields = r.body.errors[0].data.errors.map((e: { field: string }) => e.field).sort()
    assert.deepEqual(fields, ['settings.endpoint', 'settings.secretKey'])
    assert.match(r.body.errors[0].message, /secretKey/)
  })
})

describe("the Actions catalog in Segment's shapes", () => {
  let sy: TestSwitchyard
  before(async () => (sy = await startTestSwitchyard()))
  after(async () => sy?.stop())

  test('every definition, paged; Amplitude with its settings, actions, fields and presets', async () => {
    const first = await sy.api('/catalog/destinations?pagination.count=200')
    assert.equal(first.status, 200)
    assert.deepEqual(conformance(first.body.data, 'GetDestinationsCatalogV1Output'), [])
    assert.equal(
      first.body.data.pagination.totalEntries,
      215,
      'the classic Webhooks and 214 Actions definitions',
    )
    const rest = await sy.api(
      `/catalog/destinations?pagination.count=200&pagination.cursor=${first.body.data.pagination.next}`,
    )
    const all = [...first.body.data.destinationsCatalog, ...rest.body.data.destinationsCatalog]
    assert.equal(new Set(all.map((d: { id: string }) => d.id)).size, 215)

    const r = await sy.api('/catalog/destinations/5f7dd6d21ad74f3842b1fc47')
    assert.equal(r.status, 200)
    assert.deepEqual(conformance(r.body.data, 'GetDestinationMetadataV1Output'), [])
    const amplitude = r.body.data.destinationMetadata
    assert.equal(amplitude.name, 'Actions Amplitude')
    assert.equal(amplitude.slug, 'actions-amplitude')
    assert.deepEqual(
      amplitude.options.filter((o: { required: boolean }) => o.required).map((o: { name: string }) => o.name),
      ['apiKey', 'secretKey'],
    )
    const logEvent = amplitude.actions.find((a: { slug: string }) => a.slug === 'logEventV2')
    assert.equal(logEvent.platform, 'CLOUD')
    const userId = logEvent.fields.find((f: { fieldKey: string }) => f.fieldKey === 'user_id')
    assert.deepEqual(userId.defaultValue, { '@path': '$.userId' })
    const trackCalls = amplitude.presets.find((p: { name: string }) => p.name === 'Track Calls')
    assert.equal(trackCalls.actionId, logEvent.id)
    assert.equal(trackCalls.trigger, 'type = "track" and event != "Order Completed"')
  })
})
