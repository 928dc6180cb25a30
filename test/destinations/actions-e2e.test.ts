import assert from 'node:assert/strict'
import { createHmac, randomUUID } from 'node:crypto'
import { after, before, describe, test } from 'node:test'
import { loadDestinationCatalog } from '../../src/destinations/index.ts'
import {
  configureActionsDestination,
  definitionOf,
  eventually,
  mappingFrom,
  requestsUnder,
  sendBatch,
  waitForRequests,
  type ActionsSetup,
  type ConfiguredDestination,
} from '../support/actions.ts'
import { startSink, type Sink, type SinkAnswer, type SunkRequest } from '../support/sink.ts'
import { startTestSwitchyard, type TestSwitchyard } from '../support/switchyard.ts'

/**
 * The acceptance test for Actions destinations: each destination is created through the Public API
 * (its presets come as disabled mappings; the test enables some and adds its own), real events go
 * through the Tracking API, and the vendor requests the definitions make (run by actions-core) are
 * captured through sandbox egress and checked field by field against the mapping.
 *
 * One Switchyard and one sink serve every destination; each destination has its own source (so that
 * each test's events reach only it) and its own egress prefix on the sink.
 */

const json = (body: unknown, status = 200): SinkAnswer => ({
  status,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
})

const basic = (user: string, password = '') =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`
const body = (request: SunkRequest | undefined) => JSON.parse(request!.body)
const unix = (iso: string) => Math.floor(Date.parse(iso) / 1000)

/** How the sink answers the lookups, token refreshes and failures the definitions meet. */
function answer(request: SunkRequest): SinkAnswer {
  const { path, method, headers } = request
  if (path === '/hubspot/events/v3/send' && headers.authorization === 'Bearer hubspot-access-1') {
    return json({ status: 'error', category: 'EXPIRED_AUTHENTICATION' }, 401)
  }
  if (path === '/hubspot/oauth/v1/token') return json({ access_token: 'hubspot-access-2', expires_in: 1800 })
  if (path === '/intercom/contacts/search')
    return json({ type: 'list', total_count: 1, data: [{ id: 'contact-42' }] })
  if (method === 'GET' && path.startsWith('/sheets/v4/spreadsheets/SHEET-1/values/')) {
    return json({ range: 'Leads!A2:A3', majorDimension: 'ROWS', values: [['row-x'], ['row-b']] })
  }
  return json({})
}

/** The destinations, as built once the catalog is loaded (mappings start from the actions' defaults). */
const setups = () =>
  ({
    webhook: {
      catalogSlug: 'actions-webhook',
      prefix: 'webhook',
      settings: { sharedSecret: 'webhook-shared-secret' },
      mappings: [
        {
          name: 'Orders to fulfilment',
          action: 'send',
          trigger: 'type = "track" and event = "Order Completed"',
          settings: {
            url: 'https://hooks.example.com/orders?team=fulfilment',
            method: 'PUT',
            headers: { 'X-Team': 'fulfilment' },
            data: {
              order: { '@path': '$.properties.order_id' },
              amount: { '@path': '$.properties.total' },
              customer: { '@path': '$.userId' },
              label: { '@template': '{{event}} #{{properties.order_id}}' },
            },
          },
        },
      ],
    },
    amplitude: {
      catalogSlug: 'actions-amplitude',
      prefix: 'amplitude',
      settings: { apiKey: 'amp-api-key', secretKey: 'amp-secret-key', endpoint: 'north_america' },
      presets: ['Track Calls', 'Order Completed Calls'],
    },
    mixpanel: {
      catalogSlug: 'actions-mixpanel',
      prefix: 'mixpanel',
      settings: { projectToken: 'mp-project-token', apiSecret: 'mp-api-secret', apiRegion: 'US 🇺🇸' },
      presets: ['Track Calls'],
    },
    ga4: {
      catalogSlug: 'actions-google-analytics-4',
      prefix: 'ga4',
      settings: { measurementId: 'G-TEST123', apiSecret: 'ga-api-secret' },
      mappings: [
        {
          name: 'Plan upgrades',
          action: 'customEvent',
          trigger: 'type = "track" and event = "Plan Upgraded"',
          settings: mappingFrom(definitionOf('actions-google-analytics-4'), 'customEvent', {
            lowercase: true,
            user_id: { '@path': '$.userId' },
            params: { plan: { '@path': '$.properties.plan' }, seats: { '@path': '$.properties.seats' } },
          }),
        },
      ],
    },
    braze: {
      catalogSlug: 'actions-braze-cloud',
      prefix: 'braze',
      settings: {
        api_key: 'braze-api-key',
        app_id: 'braze-app-id',
        endpoint: 'https://rest.iad-01.braze.com',
      },
      presets: ['Track Calls'],
    },
    hubspot: {
      catalogSlug: 'actions-hubspot-cloud',
      prefix: 'hubspot',
      settings: {
        portalId: '4242',
        oauth: {
          access_token: 'hubspot-access-1',
          refresh_token: 'hubspot-refresh',
          clientId: 'hubspot-client-id',
          clientSecret: 'hubspot-client-secret',
        },
      },
      mappings: [
        {
          name: 'Behavioral events',
          action: 'sendCustomBehavioralEvent',
          trigger: 'type = "track"',
          settings: {
            eventName: { '@template': 'pe4242_{{event}}' },
            occurredAt: { '@path': '$.timestamp' },
            email: { '@path': '$.properties.email' },
            properties: { '@path': '$.properties' },
          },
        },
      ],
    },
    customerio: {
      catalogSlug: 'actions-customerio',
      prefix: 'customerio',
      settings: { siteId: 'cio-site-id', apiKey: 'cio-api-key', accountRegion: 'US 🇺🇸' },
      presets: ['Track Event'],
    },
    intercom: {
      catalogSlug: 'actions-intercom-cloud',
      prefix: 'intercom',
      settings: { oauth: { access_token: 'intercom-access' } },
      mappings: [
        {
          name: 'Track events',
          action: 'trackEvent',
          trigger: 'type = "track"',
          settings: mappingFrom(definitionOf('actions-intercom-cloud'), 'trackEvent', {}),
        },
      ],
    },
    slack: {
      catalogSlug: 'actions-slack',
      prefix: 'slack',
      settings: {},
      mappings: [
        {
          name: 'Signups to #growth',
          action: 'postToChannel',
          trigger: 'type = "track" and event = "Signed Up"',
          settings: mappingFrom(definitionOf('actions-slack'), 'postToChannel', {
            url: 'https://hooks.slack.com/services/T000/B000/XXXX',
            text: { '@template': '{{properties.name}} signed up on the {{properties.plan}} plan' },
            channel: 'growth',
            username: 'Switchyard',
          }),
        },
      ],
    },
    zapier: {
      catalogSlug: 'actions-zapier',
      prefix: 'zapier',
      settings: {},
      mappings: [
        {
          name: 'New users to the CRM zap',
          action: 'send',
          trigger: 'type = "identify"',
          settings: {
            zapSubscriptionUrl: 'https://hooks.zapier.com/hooks/standard/123/abc/',
            data: {
              id: { '@path': '$.userId' },
              email: { '@path': '$.traits.email' },
              name: { '@path': '$.traits.name' },
            },
          },
        },
      ],
    },
    sheets: {
      catalogSlug: 'actions-google-sheets',
      prefix: 'sheets',
      settings: { oauth: { access_token: 'sheets-access' } },
      mappings: [
        {
          name: 'Leads sheet',
          action: 'postSheet',
          trigger: 'event = "new" or event = "updated"',
          settings: mappingFrom(definitionOf('actions-google-sheets'), 'postSheet', {
            record_identifier: { '@path': '$.properties.row_id' },
            spreadsheet_id: 'SHEET-1',
            spreadsheet_name: 'Leads',
            fields: { name: { '@path': '$.properties.name' }, plan: { '@path': '$.properties.plan' } },
          }),
        },
      ],
    },
    iterable: {
      catalogSlug: 'actions-iterable',
      prefix: 'iterable',
      settings: { apiKey: 'iterable-api-key', dataCenterLocation: 'united_states' },
      presets: ['Order Completed Calls'],
    },
    segment: {
      catalogSlug: 'actions-segment',
      prefix: 'segment',
      settings: { source_write_key: 'downstream-write-key' },
      mappings: [
        {
          name: 'Track calls downstream',
          action: 'sendTrack',
          trigger: 'type = "track"',
          settings: mappingFrom(definitionOf('actions-segment'), 'sendTrack', {
            user_id: { '@path': '$.userId' },
            anonymous_id: { '@path': '$.anonymousId' },
            event_name: { '@path': '$.event' },
            timestamp: { '@path': '$.timestamp' },
            properties: { '@path': '$.properties' },
          }),
        },
      ],
    },
    nomatch: {
      catalogSlug: 'actions-webhook',
      prefix: 'nomatch',
      settings: {},
      mappings: [
        {
          name: 'Identify only',
          action: 'send',
          trigger: 'type = "identify"',
          settings: {
            url: 'https://hooks.example.com/identify',
            method: 'POST',
            data: { '@path': '$.traits' },
          },
        },
      ],
    },
  }) satisfies Record<string, ActionsSetup>

type Name = keyof ReturnType<typeof setups>

describe('Actions destinations end to end: Public API → Tracking API → actions-core → sandbox egress', () => {
  let sy: TestSwitchyard
  let sink: Sink
  const destinations = {} as Record<Name, ConfiguredDestination>

  before(async () => {
    await loadDestinationCatalog()
    sink = await startSink()
    sink.answerWith(answer)
    sy = await startTestSwitchyard()
    for (const [name, setup] of Object.entries(setups()) as [Name, ActionsSetup][]) {
      destinations[name] = await configureActionsDestination(sy, sink, setup)
    }
    // Each mapping change restarts the destination's worker at the runtime's next sync (every 2 s);
    // events sent before that would meet the mappings as they were.
    await new Promise((resolve) => setTimeout(resolve, 4_000))
  })

  after(async () => {
    await sy?.stop()
    await sink?.close()
  })

  /** Sends the messages to the destination's source, each with a fresh messageId (returned). */
  async function send(name: Name, messages: Record<string, unknown>[]): Promise<string[]> {
    const ids = messages.map(() => randomUUID())
    await sendBatch(
      sy,
      destinations[name].source.writeKey,
      messages.map((m, i) => ({ type: 'track', messageId: ids[i], ...m })),
    )
    return ids
  }

  /** The messages as Switchyard stored them (with the timestamp and receivedAt it gave them). */
  async function stored(ids: string[]) {
    const all = await sy.waitForMessages(1)
    return ids.map((id) => {
      const found = all.find((m) => m.message.messageId === id)
      assert.ok(found, `message ${id} is stored`)
      return found.message
    })
  }

  test('creating an Actions destination adds its presets as disabled mappings', () => {
    const amplitude = destinations.amplitude
    assert.deepEqual(
      amplitude.presetMappings.map((m) => [m.name, m.actionSlug, m.enabled]),
      amplitude.definition.presets.map((p) => [p.name, p.partnerAction, false]),
    )
    assert.ok(amplitude.presetMappings.length >= 4)
    assert.deepEqual(destinations.webhook.presetMappings, [])
  })

  test('Webhook (Actions): URL, method, headers and data from the mapping, signed with the shared secret', async () => {
    await send('webhook', [
      {
        event: 'Order Completed',
        userId: 'user-w1',
        properties: { order_id: 'o-77', total: 99.5, coupon: 'X' },
      },
    ])
    const [request] = await waitForRequests(sink, 'webhook', 1)
    assert.equal(request!.method, 'PUT')
    assert.equal(request!.path, '/webhook/orders?team=fulfilment')
    assert.equal(
      request!.headers['x-switchyard-original-url'],
      'https://hooks.example.com/orders?team=fulfilment',
    )
    assert.equal(request!.headers['x-team'], 'fulfilment')
    assert.deepEqual(body(request), {
      order: 'o-77',
      amount: 99.5,
      customer: 'user-w1',
      label: 'Order Completed #o-77',
    })
    const signature = createHmac('sha1', 'webhook-shared-secret').update(request!.body).digest('hex')
    assert.equal(request!.headers['x-signature'], signature)
  })

  test('Amplitude: the Track Calls and Order Completed presets, each event through its own action', async () => {
    const ids = await send('amplitude', [
      {
        event: 'Song Played',
        userId: 'user-a1',
        anonymousId: 'anon-a1',
        properties: { song: 'Blue', plays: 3 },
        context: { app: { version: '4.2.0' } },
      },
      {
        event: 'Order Completed',
        userId: 'user-a1',
        properties: {
          order_id: 'o-1',
          revenue: 150,
          currency: 'USD',
          products: [{ productId: 'p-1', name: 'Shoe', price: 150, quantity: 1 }],
        },
      },
    ])
    const [played, order] = await stored(ids)
    const requests = await waitForRequests(sink, 'amplitude', 2)
    assert.equal(requests.length, 2)
    for (const r of requests) {
      assert.equal(r.path, '/amplitude/2/httpapi')
      assert.equal(r.headers['x-switchyard-original-url'], 'https://api2.amplitude.com/2/httpapi')
      assert.equal(body(r).api_key, 'amp-api-key')
    }
    const byEvent = (name: string) => requests.map(body).find((b) => b.events[0].event_type === name)
    const track = byEvent('Song Played').events
    assert.equal(track.length, 1)
    assert.equal(track[0].user_id, 'user-a1')
    assert.equal(track[0].device_id, 'anon-a1')
    assert.equal(track[0].time, Date.parse(played!.timestamp))
    assert.deepEqual(track[0].event_properties, { song: 'Blue', plays: 3 })
    assert.equal(track[0].app_version, '4.2.0')
    assert.equal(track[0].insert_id, undefined)
    assert.equal(track[0].revenue, undefined)
    // logPurchase: the order with its revenue, then one "Product Purchased" event per product.
    const purchase = byEvent('Order Completed').events
    assert.equal(purchase[0].user_id, 'user-a1')
    assert.equal(purchase[0].revenue, 150)
    assert.equal(purchase[0].time, Date.parse(order!.timestamp))
    assert.equal(purchase[1].event_type, 'Product Purchased')
    // The preset maps each product's price, quantity and productId (and drops its name).
    assert.deepEqual(purchase[1].event_properties, { price: 150, quantity: 1, productId: 'p-1' })
    assert.equal(purchase.length, 2)
  })

  test('Mixpanel: the Track Calls preset posts to /import with the API secret as Basic auth', async () => {
    const ids = await send('mixpanel', [
      {
        event: 'Video Watched',
        userId: 'user-m1',
        anonymousId: 'anon-m1',
        properties: { title: 'Intro', seconds: 42 },
        context: { ip: '203.0.113.7', os: { name: 'iOS', version: '17.2' } },
      },
    ])
    const [message] = await stored(ids)
    const [request] = await waitForRequests(sink, 'mixpanel', 1)
    assert.equal(request!.method, 'POST')
    assert.equal(request!.path, '/mixpanel/import?strict=1')
    assert.equal(request!.headers['x-switchyard-original-url'], 'https://api.mixpanel.com/import?strict=1')
    assert.equal(request!.headers.authorization, basic('mp-api-secret'))
    const events = body(request)
    assert.equal(events.length, 1)
    assert.equal(events[0].event, 'Video Watched')
    const p = events[0].properties
    assert.equal(p.distinct_id, 'user-m1')
    assert.equal(p.$user_id, 'user-m1')
    assert.equal(p.$device_id, 'anon-m1')
    assert.equal(p.$insert_id, ids[0])
    assert.equal(p.time, Date.parse(message!.timestamp))
    assert.equal(p.ip, '203.0.113.7')
    assert.equal(p.$os, 'iOS')
    assert.equal(p.$os_version, '17.2')
    assert.equal(p.title, 'Intro')
    assert.equal(p.seconds, 42)
    assert.equal(p.$source, 'segment')
  })

  test('Google Analytics 4: /mp/collect with the measurement id and secret, the event and its params', async () => {
    const ids = await send('ga4', [
      { event: 'Plan Upgraded', userId: 'user-g1', properties: { plan: 'pro', seats: 5, ignored: true } },
      { event: 'Plan Viewed', userId: 'user-g1' },
    ])
    const [message] = await stored(ids)
    const [request] = await waitForRequests(sink, 'ga4', 1)
    assert.equal(request!.path, '/ga4/mp/collect?api_secret=ga-api-secret&measurement_id=G-TEST123')
    assert.equal(
      request!.headers['x-switchyard-original-url'],
      'https://www.google-analytics.com/mp/collect?api_secret=ga-api-secret&measurement_id=G-TEST123',
    )
    const b = body(request)
    assert.equal(b.client_id, 'user-g1')
    assert.equal(b.user_id, 'user-g1')
    assert.equal(b.timestamp_micros, Date.parse(message!.timestamp) * 1000)
    assert.deepEqual(b.events, [
      { name: 'plan_upgraded', params: { engagement_time_msec: 1, plan: 'pro', seats: 5 } },
    ])
    await new Promise((resolve) => setTimeout(resolve, 300))
    assert.equal(requestsUnder(sink, 'ga4').length, 1, '"Plan Viewed" matches no mapping')
  })

  test('Braze: the batching Track Calls preset sends several events in one /users/track request', async () => {
    const ids = await send('braze', [
      { event: 'Level Up', userId: 'user-b1', properties: { level: 2 } },
      { event: 'Level Up', userId: 'user-b2', properties: { level: 7 } },
      { event: 'Badge Earned', userId: 'user-b3', properties: { badge: 'gold' } },
    ])
    const messages = await stored(ids)
    const [request] = await waitForRequests(sink, 'braze', 1)
    await new Promise((resolve) => setTimeout(resolve, 300))
    assert.equal(requestsUnder(sink, 'braze').length, 1, 'one request for the three events')
    assert.equal(request!.path, '/braze/users/track')
    assert.equal(request!.headers['x-switchyard-original-url'], 'https://rest.iad-01.braze.com/users/track')
    assert.equal(request!.headers.authorization, 'Bearer braze-api-key')
    assert.equal(request!.headers['x-braze-batch'], 'true')
    const events = body(request).events as Record<string, unknown>[]
    assert.deepEqual(
      events.map((e) => [e.external_id, e.name, e.app_id, e.time, e.properties, e._update_existing_only]),
      [
        [
          'user-b1',
          'Level Up',
          'braze-app-id',
          new Date(messages[0]!.receivedAt).toISOString(),
          { level: 2 },
          false,
        ],
        [
          'user-b2',
          'Level Up',
          'braze-app-id',
          new Date(messages[1]!.receivedAt).toISOString(),
          { level: 7 },
          false,
        ],
        [
          'user-b3',
          'Badge Earned',
          'braze-app-id',
          new Date(messages[2]!.receivedAt).toISOString(),
          { badge: 'gold' },
          false,
        ],
      ],
    )
  })

  test('HubSpot (OAuth): Bearer token from settings.oauth; a 401 refreshes it through egress and keeps the new one', async () => {
    const ids = await send('hubspot', [
      {
        event: 'Demo Booked',
        userId: 'user-h1',
        properties: { email: 'ada@example.com', seats: 3, meta: { source: 'ads' } },
      },
    ])
    const [message] = await stored(ids)
    const [first, refresh, retry] = await waitForRequests(sink, 'hubspot', 3)
    assert.equal(first!.path, '/hubspot/events/v3/send')
    assert.equal(first!.headers.authorization, 'Bearer hubspot-access-1')
    assert.equal(refresh!.method, 'POST')
    assert.equal(refresh!.path, '/hubspot/oauth/v1/token')
    assert.equal(refresh!.headers['x-switchyard-original-url'], 'https://api.hubapi.com/oauth/v1/token')
    assert.deepEqual(Object.fromEntries(new URLSearchParams(refresh!.body)), {
      refresh_token: 'hubspot-refresh',
      client_id: 'hubspot-client-id',
      client_secret: 'hubspot-client-secret',
      grant_type: 'refresh_token',
    })
    assert.equal(retry!.path, '/hubspot/events/v3/send')
    assert.equal(retry!.headers.authorization, 'Bearer hubspot-access-2')
    assert.deepEqual(body(retry), {
      eventName: 'pe4242_demo_booked',
      occurredAt: message!.timestamp,
      email: 'ada@example.com',
      properties: { email: 'ada@example.com', seats: 3, meta: '{"source":"ads"}' },
    })
    assert.equal(body(first).eventName, 'pe4242_demo_booked')

    // The new token is kept with the destination's settings, and the next event uses it at once.
    const workspaceId = sy.switchyard.bootstrap.workspace.id
    await eventually(async () => {
      const saved = await sy.switchyard.store.destinations.get(workspaceId, destinations.hubspot.id)
      const oauth = saved!.settings['oauth'] as Record<string, unknown>
      assert.equal(oauth['access_token'], 'hubspot-access-2')
      assert.equal(oauth['refresh_token'], 'hubspot-refresh')
    }, 3_000)
    await send('hubspot', [
      { event: 'Demo Attended', userId: 'user-h1', properties: { email: 'ada@example.com' } },
    ])
    const requests = await waitForRequests(sink, 'hubspot', 4)
    assert.equal(requests[3]!.path, '/hubspot/events/v3/send')
    assert.equal(requests[3]!.headers.authorization, 'Bearer hubspot-access-2')
    assert.equal(body(requests[3]).eventName, 'pe4242_demo_attended')
    await new Promise((resolve) => setTimeout(resolve, 300))
    assert.equal(requestsUnder(sink, 'hubspot').length, 4, 'no second refresh')
  })

  test('Customer.io: the Track Event preset, batched to /api/v2/batch with site id and API key', async () => {
    const ids = await send('customerio', [
      {
        event: 'Trial Started',
        userId: 'user-c1',
        properties: { plan: 'pro', trial_ends: '2026-02-01T00:00:00.000Z' },
      },
    ])
    const [message] = await stored(ids)
    const [request] = await waitForRequests(sink, 'customerio', 1)
    assert.equal(request!.path, '/customerio/api/v2/batch')
    assert.equal(request!.headers['x-switchyard-original-url'], 'https://track.customer.io/api/v2/batch')
    assert.equal(request!.headers.authorization, basic('cio-site-id', 'cio-api-key'))
    assert.deepEqual(body(request).batch, [
      {
        type: 'person',
        action: 'event',
        name: 'Trial Started',
        id: ids[0],
        attributes: { plan: 'pro', trial_ends: unix('2026-02-01T00:00:00.000Z') },
        timestamp: unix(message!.timestamp),
        identifiers: { id: 'user-c1' },
      },
    ])
  })

  test('Intercom (OAuth): a contact lookup by email, then the event for the contact found', async () => {
    const ids = await send('intercom', [
      {
        event: 'Invoice Paid',
        anonymousId: 'anon-i1',
        properties: { email: 'grace@example.com', revenue: 12.5, currency: 'EUR', plan: 'team' },
      },
    ])
    const [message] = await stored(ids)
    const [search, event] = await waitForRequests(sink, 'intercom', 2)
    for (const r of [search!, event!]) assert.equal(r.headers.authorization, 'Bearer intercom-access')
    assert.equal(search!.path, '/intercom/contacts/search')
    assert.deepEqual(body(search), { query: { field: 'email', operator: '=', value: 'grace@example.com' } })
    assert.equal(event!.path, '/intercom/events')
    assert.equal(event!.headers['x-switchyard-original-url'], 'https://api.intercom.io/events')
    assert.deepEqual(body(event), {
      event_name: 'Invoice Paid',
      created_at: unix(message!.timestamp),
      email: 'grace@example.com',
      id: 'contact-42',
      metadata: { plan: 'team', price: { amount: 1250, currency: 'EUR' } },
    })
  })

  test('Slack: the message from the mapping template, posted to the webhook URL in the mapping', async () => {
    await send('slack', [
      { event: 'Signed Up', userId: 'user-s1', properties: { name: 'Ada', plan: 'pro' } },
      { event: 'Logged In', userId: 'user-s1', properties: { name: 'Ada' } },
    ])
    const [request] = await waitForRequests(sink, 'slack', 1)
    assert.equal(request!.path, '/slack/services/T000/B000/XXXX')
    assert.equal(
      request!.headers['x-switchyard-original-url'],
      'https://hooks.slack.com/services/T000/B000/XXXX',
    )
    assert.deepEqual(body(request), {
      channel: 'growth',
      text: 'Ada signed up on the pro plan',
      username: 'Switchyard',
      icon_url: 'https://logo.clearbit.com/segment.com',
    })
    await new Promise((resolve) => setTimeout(resolve, 300))
    assert.equal(requestsUnder(sink, 'slack').length, 1, '"Logged In" matches no mapping')
  })

  test('Zapier (HTTP-style): an identify call posted to the zap URL with the mapped data', async () => {
    await send('zapier', [
      {
        type: 'identify',
        userId: 'user-z1',
        traits: { email: 'lin@example.com', name: 'Lin', plan: 'free' },
      },
    ])
    const [request] = await waitForRequests(sink, 'zapier', 1)
    assert.equal(request!.method, 'POST')
    assert.equal(request!.path, '/zapier/hooks/standard/123/abc/')
    assert.equal(
      request!.headers['x-switchyard-original-url'],
      'https://hooks.zapier.com/hooks/standard/123/abc/',
    )
    assert.deepEqual(body(request), { id: 'user-z1', email: 'lin@example.com', name: 'Lin' })
  })

  test('Google Sheets (OAuth, batch): reads the sheet, updates the known row and appends the new ones in one request', async () => {
    await send('sheets', [
      { event: 'new', userId: 'u-a', properties: { row_id: 'row-a', name: 'Ada', plan: 'pro' } },
      { event: 'updated', userId: 'u-b', properties: { row_id: 'row-b', name: 'Bob', plan: 'team' } },
      { event: 'new', userId: 'u-c', properties: { row_id: 'row-c', name: 'Cy', plan: 'free' } },
    ])
    const requests = await waitForRequests(sink, 'sheets', 3)
    await new Promise((resolve) => setTimeout(resolve, 300))
    assert.equal(requestsUnder(sink, 'sheets').length, 3, 'one lookup, one update, one append')
    for (const r of requests) assert.equal(r.headers.authorization, 'Bearer sheets-access')
    const base = '/sheets/v4/spreadsheets/SHEET-1/values'
    assert.equal(requests[0]!.method, 'GET')
    assert.equal(requests[0]!.path, `${base}/Leads!A2:A`)
    const update = requests.find((r) => r.path === `${base}:batchUpdate`)
    const append = requests.find((r) => r.path.startsWith(`${base}/Leads!A2:append`))
    assert.ok(update && append, requests.map((r) => r.path).join(', '))
    assert.equal(append.path, `${base}/Leads!A2:append?valueInputOption=RAW&insertDataOption=INSERT_ROWS`)
    assert.deepEqual(body(append), {
      values: [
        ['row-a', 'Ada', 'pro'],
        ['row-c', 'Cy', 'free'],
      ],
    })
    // row-b is the sheet's second data row (row 3), so it is updated in place (the definition's range
    // spans one column more than the values); the header row is rewritten.
    assert.deepEqual(body(update), {
      valueInputOption: 'RAW',
      data: [
        { range: 'Leads!A3:D3', values: [['row-b', 'Bob', 'team']] },
        { range: 'Leads!A1:C1', values: [['id', 'name', 'plan']] },
      ],
    })
  })

  test('Iterable: the Order Completed preset sends the purchase with its items and the API key', async () => {
    const ids = await send('iterable', [
      {
        event: 'Order Completed',
        userId: 'user-it1',
        properties: {
          order_id: 'o-9',
          total: 45,
          products: [
            { product_id: 'p-1', sku: 'SKU-1', name: 'Mug', price: 15, quantity: 1 },
            { product_id: 'p-2', sku: 'SKU-2', name: 'Tea', price: 30, quantity: 2 },
          ],
        },
      },
    ])
    const [message] = await stored(ids)
    const [request] = await waitForRequests(sink, 'iterable', 1)
    assert.equal(request!.path, '/iterable/api/commerce/trackPurchase')
    assert.equal(
      request!.headers['x-switchyard-original-url'],
      'https://api.iterable.com/api/commerce/trackPurchase',
    )
    assert.equal(request!.headers['api-key'], 'iterable-api-key')
    const b = body(request)
    assert.equal(b.id, 'o-9')
    assert.equal(b.total, 45)
    assert.equal(b.user.userId, 'user-it1')
    assert.equal(b.createdAt, unix(message!.timestamp))
    assert.deepEqual(
      b.items.map((i: Record<string, unknown>) => [i.id, i.sku, i.name, i.price, i.quantity]),
      [
        ['p-1', 'SKU-1', 'Mug', 15, 1],
        ['p-2', 'SKU-2', 'Tea', 30, 2],
      ],
    )
  })

  test("Segment (actions-segment): the calls it hands back are sent to the Tracking API with the source's write key", async () => {
    await send('segment', [{ event: 'Report Exported', userId: 'user-sg1', properties: { format: 'csv' } }])
    const [request] = await waitForRequests(sink, 'segment', 1, 3_000)
    assert.match(request!.path, /^\/segment\/v1\/(batch|track)$/)
    assert.equal(request!.headers.authorization, basic('downstream-write-key'))
    const sent = body(request)
    const track = sent.batch?.[0] ?? sent
    assert.equal(track.event, 'Report Exported')
    assert.equal(track.userId, 'user-sg1')
    assert.deepEqual(track.properties, { format: 'csv' })
  })

  test('No matching mapping: nothing is sent; Delivery Overview counts it as filtered at destination', async () => {
    const { id, source } = destinations.nomatch
    const [unmatched] = await send('nomatch', [
      { event: 'Signed Up', userId: 'user-n1' },
      { type: 'identify', userId: 'user-n1', traits: { plan: 'pro' } },
    ])
    const [request] = await waitForRequests(sink, 'nomatch', 1)
    assert.deepEqual(body(request), { plan: 'pro' })
    const now = Date.now()
    const range = `startTime=${new Date(now - 3_600_000).toISOString()}&endTime=${new Date(now + 60_000).toISOString()}`
    const filtered = await eventually(async () => {
      const r = await sy.api(
        `/delivery-overview/filtered-at-destination?sourceId=${source.id}&destinationConfigId=${id}&${range}&granularity=minute&groupBy=discardReason`,
      )
      assert.equal(r.status, 200, JSON.stringify(r.body))
      assert.equal(r.body.data.total, 1, JSON.stringify(r.body))
      return r.body.data
    })
    assert.equal(filtered.dataset[0].discardReason, 'NO_MATCHING_MAPPING')
    const lineage = (await sy.api(`/sources/${source.id}/messages/${unmatched}/lineage`)).body.data.lineage
    const state = lineage.destinations.find((d: { destinationId: string }) => d.destinationId === id)
    assert.equal(state.outcome, 'filtered')
    assert.equal(state.code, 'no_matching_mapping')
    assert.equal(requestsUnder(sink, 'nomatch').length, 1, 'only the identify was sent')
  })
})
