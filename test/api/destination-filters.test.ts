import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { conformance, sdk } from '../support/sdk-models.ts'
import { startTestSwitchyard, type TestSwitchyard } from '../support/switchyard.ts'

const WEBHOOKS = '54521fdc25e721e32a72ef04'
const { TypeEnum } = sdk.DestinationFilterActionV1

/**
 * Destination filters through Segment's own SDK (`DestinationFiltersApi`, singular
 * `/destination/{destinationId}/filters` paths), with the raw answers checked against its models.
 */
describe("destination filters through Segment's SDK", () => {
  let sy: TestSwitchyard
  let apis: ReturnType<typeof sdk.configureApis>
  let sourceId: string
  let destinationId: string

  const createWebhooks = async (name: string) =>
    (
      await sdk.unwrap(
        apis.destinations.createDestination({
          sourceId,
          metadataId: WEBHOOKS,
          name,
          settings: { hooks: [{ hook: 'https://hooks.example.com/in' }] },
        }),
      )
    ).destination.id

  before(async () => {
    sy = await startTestSwitchyard()
    apis = sdk.configureApis(sy.ownerToken)
    for (const api of Object.values(apis)) api.basePath = `${sy.controlUrl}/api`
    sourceId = (await sy.createSource('web')).id
    destinationId = await createWebhooks('Hooks')
  })
  after(async () => sy?.stop())

  const audit = async (resourceId: string) =>
    (
      await sy.switchyard.store.audit.list(
        sy.switchyard.bootstrap.workspace.id,
        { offset: 0, limit: 50 },
        { resourceId },
      )
    ).items.map((e) => e.type)

  const refused = async (path: string, method: string, body: unknown, status: number, field: string) => {
    const r = await sy.api(path, { method, body })
    assert.equal(r.status, status, JSON.stringify(r.body))
    assert.equal(r.body.errors[0].field, field, JSON.stringify(r.body))
    return r.body.errors[0] as { message: string; data?: Record<string, unknown> }
  }

  test('create, get, list, update and remove a filter', async () => {
    const { filter: created } = await sdk.unwrap(
      apis.destinationFilters.createFilterForDestination(destinationId, {
        sourceId,
        title: 'Only users',
        description: 'Drop anonymous traffic',
        if: 'length( userId ) < 1',
        actions: [{ type: TypeEnum.DROP }],
        enabled: true,
      }),
    )
    assert.equal(created.sourceId, sourceId)
    assert.equal(created.destinationId, destinationId)
    assert.equal(created.if, 'length( userId ) < 1')
    assert.deepEqual(JSON.parse(JSON.stringify(created.actions)), [{ type: 'DROP' }])
    assert.equal(created.description, 'Drop anonymous traffic')

    // Action types are accepted in any case and stored as Segment spells them.
    const raw = await sy.api(`/destination/${destinationId}/filters`, {
      method: 'POST',
      body: {
        sourceId,
        title: 'No emails',
        if: 'all',
        actions: [
          { type: 'drop_properties', fields: { properties: ['email'], 'context.traits': ['email'] } },
        ],
        enabled: false,
      },
    })
    assert.equal(raw.status, 201, JSON.stringify(raw.body))
    assert.deepEqual(conformance(raw.body.data, 'CreateFilterForDestinationV1Output'), [])
    const noEmails = raw.body.data.filter
    assert.equal(noEmails.actions[0].type, 'DROP_PROPERTIES')
    assert.equal('description' in noEmails, false)

    const { filter: got } = await sdk.unwrap(
      apis.destinationFilters.getFilterInDestination(destinationId, created.id),
    )
    assert.deepEqual(got, created)
    const rawGet = await sy.api(`/destination/${destinationId}/filters/${created.id}`)
    assert.deepEqual(conformance(rawGet.body.data, 'GetFilterInDestinationV1Output'), [])

    const { filters, pagination } = await sdk.unwrap(
      apis.destinationFilters.listFiltersFromDestination(destinationId, { count: 10 }),
    )
    assert.deepEqual(
      filters.map((f) => f.title),
      ['Only users', 'No emails'],
    )
    assert.equal(pagination.totalEntries, 2)
    const rawPage = await sy.api(`/destination/${destinationId}/filters?pagination[count]=1`)
    assert.deepEqual(conformance(rawPage.body.data, 'ListFiltersFromDestinationV1Output'), [])
    assert.equal(rawPage.body.data.filters.length, 1)
    assert.ok(rawPage.body.data.pagination.next)

    // A patch is merged into the stored filter; what is not sent stays.
    const { filter: updated } = await sdk.unwrap(
      apis.destinationFilters.updateFilterForDestination(destinationId, created.id, {
        if: "type = 'track' and length( userId ) < 1",
        enabled: false,
      }),
    )
    assert.equal(updated.if, "type = 'track' and length( userId ) < 1")
    assert.equal(updated.enabled, false)
    assert.equal(updated.title, 'Only users')
    assert.deepEqual(JSON.parse(JSON.stringify(updated.actions)), [{ type: 'DROP' }])
    assert.equal(updated.createdAt, created.createdAt)
    const rawUpdate = await sy.api(`/destination/${destinationId}/filters/${created.id}`, {
      method: 'PATCH',
      body: { description: null, actions: [{ type: 'SAMPLE', percent: 0.25, path: 'userId' }] },
    })
    assert.equal(rawUpdate.status, 200, JSON.stringify(rawUpdate.body))
    assert.deepEqual(conformance(rawUpdate.body.data, 'UpdateFilterForDestinationV1Output'), [])
    assert.equal('description' in rawUpdate.body.data.filter, false, 'null clears the description')
    assert.deepEqual(rawUpdate.body.data.filter.actions, [{ type: 'SAMPLE', percent: 0.25, path: 'userId' }])
    // Sending the same values again changes nothing and records nothing.
    const same = await sdk.unwrap(
      apis.destinationFilters.updateFilterForDestination(destinationId, created.id, { enabled: false }),
    )
    assert.equal(same.filter.updatedAt, rawUpdate.body.data.filter.updatedAt)

    const removed = await sy.api(`/destination/${destinationId}/filters/${created.id}`, { method: 'DELETE' })
    assert.equal(removed.status, 200)
    assert.deepEqual(conformance(removed.body.data, 'RemoveFilterFromDestinationV1Output'), [])
    const removedAgain = await sdk.unwrap(
      apis.destinationFilters.removeFilterFromDestination(destinationId, noEmails.id),
    )
    assert.equal(String(removedAgain.status), 'SUCCESS')
    await assert.rejects(
      sdk.unwrap(apis.destinationFilters.getFilterInDestination(destinationId, created.id)),
      { status: 404, field: 'filterId' },
    )
    assert.deepEqual((await audit(created.id)).sort(), [
      'Destination Filter Created',
      'Destination Filter Deleted',
      'Destination Filter Disabled',
      'Destination Filter Modified',
      'Destination Filter Modified',
    ])
  })

  test('invalid FQL is refused with its position', async () => {
    const path = `/destination/${destinationId}/filters`
    const valid = { sourceId, title: 'F', if: 'all', actions: [{ type: TypeEnum.DROP }], enabled: true }
    const error = await refused(path, 'POST', { ...valid, if: "type = 'track' and" }, 400, 'if')
    assert.match(error.message, /^if is not valid FQL: .*at position 18/)
    assert.equal(error.data!.position, 18)
    await refused(path, 'POST', { ...valid, if: '' }, 400, 'if')
    await refused(path, 'POST', { ...valid, if: 'x = 1 '.repeat(1000) }, 400, 'if')

    const { filter } = await sdk.unwrap(
      apis.destinationFilters.createFilterForDestination(destinationId, valid),
    )
    const onUpdate = await refused(`${path}/${filter.id}`, 'PATCH', { if: 'userId = ' }, 400, 'if')
    assert.equal(onUpdate.data!.position, 9)
    const stored = await sdk.unwrap(apis.destinationFilters.getFilterInDestination(destinationId, filter.id))
    assert.equal(stored.filter.if, 'all', 'a refused update changes nothing')
    await sdk.unwrap(apis.destinationFilters.removeFilterFromDestination(destinationId, filter.id))
  })

  test('invalid actions and fields are refused naming the field', async () => {
    const checked = await createWebhooks('Checked')
    const path = `/destination/${checked}/filters`
    const valid = { sourceId, title: 'F', if: 'all', actions: [{ type: TypeEnum.DROP }], enabled: true }
    const percent = await refused(
      path,
      'POST',
      { ...valid, actions: [{ type: 'DROP' }, { type: 'SAMPLE', percent: 1.5 }] },
      400,
      'actions.1.percent',
    )
    assert.match(percent.message, /from 0 to 1/)
    await refused(path, 'POST', { ...valid, actions: [{ type: 'SAMPLE' }] }, 400, 'actions.0.percent')
    await refused(
      path,
      'POST',
      { ...valid, actions: [{ type: 'SAMPLE', percent: 0.5, path: 'a..b' }] },
      400,
      'actions.0.path',
    )
    await refused(path, 'POST', { ...valid, actions: [{ type: 'DROP_PROPERTIES' }] }, 400, 'actions.0.fields')
    await refused(
      path,
      'POST',
      { ...valid, actions: [{ type: 'DROP_PROPERTIES', fields: { properties: [] } }] },
      400,
      'actions.0.fields.properties',
    )
    await refused(
      path,
      'POST',
      { ...valid, actions: [{ type: 'DROP_PROPERTIES', fields: { properties: 'email' } }] },
      400,
      'actions.0.fields.properties',
    )
    await refused(
      path,
      'POST',
      { ...valid, actions: [{ type: 'DROP', percent: 0.5 }] },
      400,
      'actions.0.percent',
    )
    await refused(path, 'POST', { ...valid, actions: [{ type: 'BLOCK' }] }, 400, 'actions.0.type')
    await refused(path, 'POST', { ...valid, actions: [] }, 400, 'actions')
    await refused(path, 'POST', { ...valid, title: ' ' }, 400, 'title')
    await refused(path, 'POST', { ...valid, title: 'x'.repeat(65) }, 400, 'title')
    await refused(path, 'POST', { ...valid, enabled: 'true' }, 400, 'enabled')
    const { sourceId: _sourceId, ...withoutSource } = valid
    await refused(path, 'POST', withoutSource, 400, 'sourceId')
    const other = await sy.createSource('other')
    const wrongSource = await refused(path, 'POST', { ...valid, sourceId: other.id }, 400, 'sourceId')
    assert.match(wrongSource.message, /not the source of destination/)
    // Every problem is listed.
    const many = await refused(path, 'POST', { ...valid, title: '', if: 'a =', actions: [{}] }, 400, 'title')
    assert.deepEqual(
      (many.data!.errors as { field: string }[]).map((e) => e.field),
      ['title', 'if', 'actions.0.type'],
    )
    const { filters } = await sdk.unwrap(
      apis.destinationFilters.listFiltersFromDestination(checked, { count: 10 }),
    )
    assert.equal(filters.length, 0, 'nothing refused was stored')
  })

  test('a destination holds at most 10 filters', async () => {
    const full = await createWebhooks('Full')
    const filter = (n: number) => ({
      sourceId,
      title: `Filter ${n}`,
      if: `event = 'E${n}'`,
      actions: [{ type: TypeEnum.DROP }],
      enabled: true,
    })
    for (let n = 1; n <= 10; n++) {
      await sdk.unwrap(apis.destinationFilters.createFilterForDestination(full, filter(n)))
    }
    const eleventh = await refused(`/destination/${full}/filters`, 'POST', filter(11), 400, 'filters')
    assert.match(eleventh.message, /at most 10 filters/)
    const { pagination } = await sdk.unwrap(
      apis.destinationFilters.listFiltersFromDestination(full, { count: 100 }),
    )
    assert.equal(pagination.totalEntries, 10)
  })

  test('unknown destinations and filters, and filters of another destination, are 404s', async () => {
    const valid = { sourceId, title: 'F', if: 'all', actions: [{ type: TypeEnum.DROP }], enabled: true }
    await refused('/destination/missing/filters', 'GET', undefined, 404, 'destinationId')
    await refused('/destination/missing/filters', 'POST', valid, 404, 'destinationId')
    await refused('/destination/missing/filters/x', 'GET', undefined, 404, 'destinationId')
    await refused(`/destination/${destinationId}/filters/missing`, 'GET', undefined, 404, 'filterId')
    await refused(
      `/destination/${destinationId}/filters/missing`,
      'PATCH',
      { enabled: true },
      404,
      'filterId',
    )
    await refused(`/destination/${destinationId}/filters/missing`, 'DELETE', undefined, 404, 'filterId')

    const elsewhere = await createWebhooks('Elsewhere')
    const { filter } = await sdk.unwrap(apis.destinationFilters.createFilterForDestination(elsewhere, valid))
    await refused(`/destination/${destinationId}/filters/${filter.id}`, 'GET', undefined, 404, 'filterId')
    await refused(`/destination/${destinationId}/filters/${filter.id}`, 'DELETE', undefined, 404, 'filterId')
    // The plural path is the destinations API's, which has no filters.
    assert.equal((await sy.api(`/destinations/${elsewhere}/filters`)).status, 404)
  })

  test('preview applies a filter to a sample payload without a destination', async () => {
    const payload = {
      type: 'track',
      event: 'Order Completed',
      userId: 'u1',
      properties: { total: 30, email: 'a@example.com', products: [{ sku: 'p1', price: 10 }] },
    }
    const dropped = await sdk.unwrap(
      apis.destinationFilters.previewDestinationFilter({
        filter: { if: "event = 'Order Completed'", actions: [{ type: TypeEnum.DROP }] },
        payload,
      }),
    )
    assert.deepEqual(dropped.inputPayload, payload)
    assert.equal(dropped.result, null)

    const raw = await sy.api('/destination/filters/preview', {
      method: 'POST',
      body: {
        filter: {
          if: 'all',
          actions: [
            { type: 'DROP_PROPERTIES', fields: { properties: ['email'], 'properties.products': ['price'] } },
          ],
        },
        payload,
      },
    })
    assert.equal(raw.status, 200, JSON.stringify(raw.body))
    assert.deepEqual(conformance(raw.body.data, 'PreviewDestinationFilterV1Output'), [])
    assert.deepEqual(raw.body.data.inputPayload, payload)
    assert.deepEqual(raw.body.data.result, {
      ...payload,
      properties: { total: 30, products: [{ sku: 'p1' }] },
    })

    const notMatched = await sdk.unwrap(
      apis.destinationFilters.previewDestinationFilter({
        filter: { if: "event = 'Signed Up'", actions: [{ type: TypeEnum.DROP }] },
        payload,
      }),
    )
    assert.deepEqual(notMatched.result, payload)

    const bad = await refused(
      '/destination/filters/preview',
      'POST',
      { filter: { if: 'event =', actions: [{ type: 'DROP' }] }, payload },
      400,
      'filter.if',
    )
    assert.equal(bad.data!.position, 7)
    await refused(
      '/destination/filters/preview',
      'POST',
      { filter: { if: 'all', actions: [{ type: 'SAMPLE', percent: -1 }] }, payload },
      400,
      'filter.actions.0.percent',
    )
    await refused(
      '/destination/filters/preview',
      'POST',
      { filter: { if: 'all', actions: [] } },
      400,
      'payload',
    )
  })

  test('a Workspace Member may not read, change or preview filters', async () => {
    const { secret } = await sy.switchyard.store.tokens.create({
      workspaceId: sy.switchyard.bootstrap.workspace.id,
      description: 'member',
      role: 'Workspace Member',
    })
    const read = await sy.api(`/destination/${destinationId}/filters`, { token: secret })
    assert.equal(read.status, 403)
    assert.match(read.body.errors[0].message, /destination:read/)
    const write = await sy.api(`/destination/${destinationId}/filters`, {
      method: 'POST',
      token: secret,
      body: { sourceId, title: 'F', if: 'all', actions: [{ type: 'DROP' }], enabled: true },
    })
    assert.equal(write.status, 403)
    assert.match(write.body.errors[0].message, /destination:write.*createFilterForDestination/)
    const preview = await sy.api('/destination/filters/preview', {
      method: 'POST',
      token: secret,
      body: { filter: { if: 'all', actions: [{ type: 'DROP' }] }, payload: {} },
    })
    assert.equal(preview.status, 403)
  })
})
