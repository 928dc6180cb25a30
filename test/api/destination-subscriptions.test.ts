import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { conformance, sdk } from '../support/sdk-models.ts'
import { startTestSwitchyard, type TestSwitchyard } from '../support/switchyard.ts'

const AMPLITUDE = '5f7dd6d21ad74f3842b1fc47'
const WEBHOOKS = '54521fdc25e721e32a72ef04'

/**
 * Mappings of Actions destinations (Segment's destination subscriptions) through Segment's own SDK,
 * with the raw answers checked against the SDK's response models.
 */
describe("destination mappings through Segment's SDK", () => {
  let sy: TestSwitchyard
  let apis: ReturnType<typeof sdk.configureApis>
  let sourceId: string
  let amplitude: Awaited<ReturnType<typeof createAmplitude>>

  const createAmplitude = async (name: string) =>
    (
      await sdk.unwrap(
        apis.destinations.createDestination({
          sourceId,
          metadataId: AMPLITUDE,
          name,
          settings: { apiKey: 'k', secretKey: 's', endpoint: 'north_america' },
        }),
      )
    ).destination

  before(async () => {
    sy = await startTestSwitchyard()
    apis = sdk.configureApis(sy.ownerToken)
    for (const api of Object.values(apis)) api.basePath = `${sy.controlUrl}/api`
    sourceId = (await sy.createSource('web')).id
    amplitude = await createAmplitude('Amplitude')
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

  test("creating an Actions destination adds its presets as disabled mappings (Segment's Quick Setup)", async () => {
    const { destinationMetadata } = await sdk.unwrap(apis.catalog.getDestinationMetadata(AMPLITUDE))
    assert.ok(destinationMetadata.presets.length > 0)
    const { subscriptions, pagination } = await sdk.unwrap(
      apis.destinations.listSubscriptionsFromDestination(amplitude.id, { count: 100 }),
    )
    assert.equal(pagination!.totalEntries, destinationMetadata.presets.length)
    // Mappings made in the same millisecond list in no particular order among themselves.
    const byName = (a: unknown[], b: unknown[]) => String(a[0]).localeCompare(String(b[0]))
    assert.deepEqual(
      subscriptions.map((s) => [s.name, s.actionId, s.trigger, s.enabled, s.settings]).sort(byName),
      destinationMetadata.presets.map((p) => [p.name, p.actionId, p.trigger, false, p.fields]).sort(byName),
    )
    assert.ok(subscriptions.some((s) => s.name === 'Track Calls' && s.actionSlug === 'logEventV2'))
    assert.ok(subscriptions.every((s) => s.destinationId === amplitude.id))
    assert.equal((await audit(subscriptions[0]!.id)).join(), 'Destination Subscription Created')

    const raw = await sy.api(`/destinations/${amplitude.id}/subscriptions?pagination[count]=2`)
    assert.equal(raw.status, 200)
    assert.equal(raw.body.data.subscriptions.length, 2)
    assert.ok(raw.body.data.pagination.next)
    assert.deepEqual(conformance(raw.body.data, 'ListSubscriptionsFromDestinationAlphaOutput'), [])
  })

  test('create, get, list, update and remove a mapping', async () => {
    const { destinationMetadata } = await sdk.unwrap(apis.catalog.getDestinationMetadata(AMPLITUDE))
    const logEvent = destinationMetadata.actions.find((a) => a.slug === 'logEventV2')!
    const { destinationSubscription: created } = await sdk.unwrap(
      apis.destinations.createDestinationSubscription(amplitude.id, {
        name: 'Signups',
        actionId: logEvent.id,
        trigger: 'type = "track" and event = "Signed Up"',
        enabled: false,
        settings: { user_id: { '@path': '$.userId' }, event_type: { '@path': '$.event' } },
      }),
    )
    assert.equal(created.actionSlug, 'logEventV2')
    assert.equal(created.actionId, logEvent.id)
    assert.equal(created.enabled, false)
    assert.deepEqual(created.settings, {
      user_id: { '@path': '$.userId' },
      event_type: { '@path': '$.event' },
    })

    // The slug is accepted for actionId; without settings the action's default mapping is used.
    const bySlug = await sy.api(`/destinations/${amplitude.id}/subscriptions`, {
      method: 'POST',
      body: { name: 'Identify', actionId: 'identifyUser', trigger: 'type = "identify"', enabled: true },
    })
    assert.equal(bySlug.status, 201, JSON.stringify(bySlug.body))
    assert.deepEqual(conformance(bySlug.body.data, 'CreateDestinationSubscriptionAlphaOutput'), [])
    const identify = bySlug.body.data.destinationSubscription
    assert.equal(identify.actionId, destinationMetadata.actions.find((a) => a.slug === 'identifyUser')!.id)
    assert.deepEqual(identify.settings.user_id, { '@path': '$.userId' })

    const { subscription: got } = await sdk.unwrap(
      apis.destinations.getSubscriptionFromDestination(amplitude.id, created.id),
    )
    assert.deepEqual(got, created)
    const rawGet = await sy.api(`/destinations/${amplitude.id}/subscriptions/${created.id}`)
    assert.deepEqual(conformance(rawGet.body.data, 'GetSubscriptionFromDestinationAlphaOutput'), [])
    assert.match(
      (
        await sy.api(`/destinations/${amplitude.id}/subscriptions/${created.id}`, {
          headers: { accept: 'application/vnd.segment.v1+json' },
        })
      ).headers.get('content-type')!,
      /vnd\.segment\.v1alpha\+json/,
      'an alpha-only operation answers as alpha',
    )

    const { subscription: updated } = await sdk.unwrap(
      apis.destinations.updateSubscriptionForDestination(amplitude.id, created.id, {
        input: { enabled: true, trigger: 'type = "track" and event = "Signed Up v2"' },
      }),
    )
    assert.equal(updated.enabled, true)
    assert.equal(updated.trigger, 'type = "track" and event = "Signed Up v2"')
    assert.deepEqual(updated.settings, created.settings, 'settings untouched when not sent')
    const rawUpdate = await sy.api(`/destinations/${amplitude.id}/subscriptions/${created.id}`, {
      method: 'PATCH',
      body: { input: { name: 'Signups v2', settings: { user_id: { '@path': '$.userId' } } } },
    })
    assert.equal(rawUpdate.status, 200, JSON.stringify(rawUpdate.body))
    assert.deepEqual(conformance(rawUpdate.body.data, 'UpdateSubscriptionForDestinationAlphaOutput'), [])
    assert.deepEqual(rawUpdate.body.data.subscription.settings, { user_id: { '@path': '$.userId' } })

    const page = await sdk.unwrap(
      apis.destinations.listSubscriptionsFromDestination(amplitude.id, { count: 200 }),
    )
    assert.deepEqual(
      page.subscriptions
        .map((s) => s.name)
        .filter((n) => !n.endsWith(' Calls'))
        .sort(),
      ['Identify', 'Signups v2'],
    )

    const removed = await sy.api(`/destinations/${amplitude.id}/subscriptions/${created.id}`, {
      method: 'DELETE',
    })
    assert.equal(removed.status, 200)
    assert.deepEqual(conformance(removed.body.data, 'RemoveSubscriptionFromDestinationAlphaOutput'), [])
    const removedAgain = await sdk.unwrap(
      apis.destinations.removeSubscriptionFromDestination(amplitude.id, identify.id),
    )
    assert.equal(String(removedAgain.status), 'SUCCESS')
    await assert.rejects(
      sdk.unwrap(apis.destinations.getSubscriptionFromDestination(amplitude.id, created.id)),
      {
        status: 404,
        field: 'id',
      },
    )
    assert.deepEqual((await audit(created.id)).sort(), [
      'Destination Subscription Created',
      'Destination Subscription Deleted',
      'Destination Subscription Modified',
      'Destination Subscription Modified',
    ])
  })

  test('invalid triggers, unknown actions and bad mappings are refused naming the field', async () => {
    const refused = async (path: string, method: string, body: unknown, status: number, field: string) => {
      const r = await sy.api(path, { method, body })
      assert.equal(r.status, status, JSON.stringify(r.body))
      assert.equal(r.body.errors[0].field, field, JSON.stringify(r.body))
      return r.body.errors[0] as { message: string }
    }
    const path = `/destinations/${amplitude.id}/subscriptions`
    const valid = { name: 'M', actionId: 'logEventV2', trigger: 'type = "track"', enabled: false }
    const bad = await refused(path, 'POST', { ...valid, trigger: 'nonsense' }, 400, 'trigger')
    assert.match(bad.message, /not a valid trigger/)
    await refused(path, 'POST', { ...valid, trigger: '   ' }, 400, 'trigger')
    const unknown = await refused(path, 'POST', { ...valid, actionId: 'sendToMars' }, 400, 'actionId')
    assert.match(unknown.message, /logEventV2/)
    await refused(path, 'POST', { ...valid, settings: { user_id: { '@nope': 1 } } }, 400, 'settings.user_id')
    await refused(path, 'POST', { ...valid, settings: [] }, 400, 'settings')
    await refused(path, 'POST', { ...valid, name: ' ' }, 400, 'name')
    const { enabled: _enabled, ...withoutEnabled } = valid
    await refused(path, 'POST', withoutEnabled, 400, 'enabled')

    const first = (await sy.api(`${path}?pagination[count]=1`)).body.data.subscriptions[0]
    await refused(`${path}/${first.id}`, 'PATCH', { input: { trigger: 'nonsense' } }, 400, 'input.trigger')
    await refused(`${path}/${first.id}`, 'PATCH', { enabled: true }, 400, 'input')
    await refused(`${path}/missing`, 'PATCH', { input: { enabled: true } }, 404, 'id')
    await refused(`${path}/missing`, 'DELETE', undefined, 404, 'id')
    await refused('/destinations/missing/subscriptions', 'GET', undefined, 404, 'destinationId')
    await refused('/destinations/missing/subscriptions', 'POST', valid, 404, 'destinationId')

    // The classic Webhooks destination has no mappings.
    const webhooks = await sy.api('/destinations', {
      method: 'POST',
      body: {
        sourceId,
        metadataId: WEBHOOKS,
        settings: { hooks: [{ hook: 'https://hooks.example.com/in' }] },
      },
    })
    assert.equal(webhooks.status, 201)
    const classic = `/destinations/${webhooks.body.data.destination.id}/subscriptions`
    const noMappings = await refused(classic, 'POST', valid, 400, 'destinationId')
    assert.match(noMappings.message, /only Actions destinations/)
    await refused(classic, 'GET', undefined, 400, 'destinationId')
    assert.equal(
      (
        await sy.switchyard.store.destinationSubscriptions.list(
          sy.switchyard.bootstrap.workspace.id,
          webhooks.body.data.destination.id,
        )
      ).length,
      0,
    )
  })

  test('a Workspace Member may not read or change mappings', async () => {
    const { secret } = await sy.switchyard.store.tokens.create({
      workspaceId: sy.switchyard.bootstrap.workspace.id,
      description: 'member',
      role: 'Workspace Member',
    })
    const read = await sy.api(`/destinations/${amplitude.id}/subscriptions`, { token: secret })
    assert.equal(read.status, 403)
    assert.match(read.body.errors[0].message, /destination:read/)
    const write = await sy.api(`/destinations/${amplitude.id}/subscriptions`, {
      method: 'POST',
      token: secret,
      body: { name: 'M', actionId: 'logEventV2', trigger: 'type = "track"', enabled: false },
    })
    assert.match(write.body.errors[0].message, /destination:write.*createDestinationSubscription/)
  })
})
