import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { enrichMessage, validateMessage, type MessageType, type StoredMessage } from '../../spec/index.ts'
import { rowsForMessage, type TableRow } from './tables.ts'

/** A client payload through ingest's validation and enrichment, as the warehouse sync reads it. */
function stored(raw: Record<string, unknown>, type: MessageType, sentAt: string): StoredMessage {
  const result = validateMessage(raw, type)
  if (!result.ok) throw new Error(`invalid fixture: ${result.reason}`)
  return enrichMessage(result.message, {
    receivedAt: new Date(RECEIVED_AT),
    sentAt,
    newMessageId: () => 'generated-id',
  })
}

const RECEIVED_AT = '2026-03-02T10:15:31.000Z'
const UUID_TS = '2026-03-02T11:00:00.000Z'
const rows = (message: StoredMessage): TableRow[] => rowsForMessage(message, { uuidTs: new Date(UUID_TS) })

// analytics.js (analytics-next 1.84) in a browser: context.page, userAgentData, campaign, _metadata.
const ajsContext = {
  page: {
    path: '/pricing',
    referrer: 'https://www.google.com/',
    search: '?plan=pro',
    title: 'Pricing | Acme',
    url: 'https://acme.example/pricing?plan=pro',
  },
  userAgent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 Chrome/124.0 Safari/537.36',
  userAgentData: { brands: [{ brand: 'Chromium', version: '124' }], mobile: false, platform: 'macOS' },
  locale: 'en-US',
  library: { name: 'analytics.js', version: 'next-1.84.3' },
  timezone: 'Europe/Berlin',
  campaign: { name: 'spring_sale', source: 'google', medium: 'cpc' },
}
const ajsEnvelope = {
  context: ajsContext,
  anonymousId: '5f8c2b1e-3d4a-4c6b-9e7f-1a2b3c4d5e6f',
  userId: null,
  integrations: {},
  timestamp: '2026-03-02T10:15:30.120Z',
  writeKey: 'not-stored',
  _metadata: { bundled: ['Segment.io'], unbundled: [], bundledIds: [] },
}
const AJS_SENT_AT = '2026-03-02T10:15:30.135Z'
// receivedAt − (sentAt − timestamp): the client's clock is 865 ms behind.
const AJS_TIMESTAMP = '2026-03-02T10:15:30.985Z'

/** What every analytics.js row of these fixtures has: §2.3's system columns and the flattened context. */
const ajsSystem = (messageId: string) => ({
  id: messageId,
  anonymous_id: '5f8c2b1e-3d4a-4c6b-9e7f-1a2b3c4d5e6f',
  context_page_path: '/pricing',
  context_page_referrer: 'https://www.google.com/',
  context_page_search: '?plan=pro',
  context_page_title: 'Pricing | Acme',
  context_page_url: 'https://acme.example/pricing?plan=pro',
  context_user_agent: ajsContext.userAgent,
  context_user_agent_data_brands: '[{"brand":"Chromium","version":"124"}]',
  context_user_agent_data_mobile: false,
  context_user_agent_data_platform: 'macOS',
  context_locale: 'en-US',
  context_library_name: 'analytics.js',
  context_library_version: 'next-1.84.3',
  context_timezone: 'Europe/Berlin',
  context_campaign_name: 'spring_sale',
  context_campaign_source: 'google',
  context_campaign_medium: 'cpc',
  received_at: RECEIVED_AT,
  sent_at: AJS_SENT_AT,
  original_timestamp: '2026-03-02T10:15:30.120Z',
  timestamp: AJS_TIMESTAMP,
  uuid_ts: UUID_TS,
})

// @segment/analytics-node 3.1 on a server: a small context, an explicit timestamp, userId only.
const nodeEnvelope = {
  userId: 'user-42',
  context: { library: { name: '@segment/analytics-node', version: '3.1.0' } },
  _metadata: { nodeVersion: '20.11.0', jsRuntime: 'node' },
  integrations: {},
  timestamp: '2026-03-01T23:59:00.000Z',
}
const NODE_SENT_AT = '2026-03-02T10:15:30.500Z'
const NODE_TIMESTAMP = '2026-03-01T23:59:00.500Z'
const nodeSystem = (messageId: string) => ({
  id: messageId,
  user_id: 'user-42',
  context_library_name: '@segment/analytics-node',
  context_library_version: '3.1.0',
  received_at: RECEIVED_AT,
  sent_at: NODE_SENT_AT,
  original_timestamp: '2026-03-01T23:59:00.000Z',
  timestamp: NODE_TIMESTAMP,
  uuid_ts: UUID_TS,
})

describe('§2.2/§2.3 rows per message type', () => {
  test('track from analytics.js: tracks has no properties, the event table has them', () => {
    const message = stored(
      {
        ...ajsEnvelope,
        messageId: 'ajs-next-1709374530120-order',
        event: 'Order Completed',
        properties: {
          order_id: '50314b8e9bcf000000000000',
          total: 27.5,
          revenue: 25,
          coupon: 'hasbros',
          currency: 'USD',
          products: [{ product_id: '507f1f77bcf86cd799439011', sku: '45790-32', price: 19, quantity: 1 }],
          shipping: { method: 'ground', address: { city: 'Berlin' } },
          gift: false,
        },
      },
      'track',
      AJS_SENT_AT,
    )
    const system = {
      ...ajsSystem('ajs-next-1709374530120-order'),
      event: 'order_completed',
      event_text: 'Order Completed',
    }
    assert.deepEqual(rows(message), [
      { table: 'tracks', row: system },
      {
        table: 'order_completed',
        row: {
          ...system,
          order_id: '50314b8e9bcf000000000000',
          total: 27.5,
          revenue: 25,
          coupon: 'hasbros',
          currency: 'USD',
          products: '[{"product_id":"507f1f77bcf86cd799439011","sku":"45790-32","price":19,"quantity":1}]',
          shipping_method: 'ground',
          shipping_address_city: 'Berlin',
          gift: false,
        },
      },
    ])
  })

  test('track from analytics-node: the schema page example (plan, account_type)', () => {
    const message = stored(
      {
        ...nodeEnvelope,
        messageId: 'node-next-1709374530500-register',
        event: 'Register',
        properties: { plan: 'Pro Annual', accountType: 'Facebook' },
      },
      'track',
      NODE_SENT_AT,
    )
    const system = {
      ...nodeSystem('node-next-1709374530500-register'),
      event: 'register',
      event_text: 'Register',
    }
    assert.deepEqual(rows(message), [
      { table: 'tracks', row: system },
      { table: 'register', row: { ...system, plan: 'Pro Annual', account_type: 'Facebook' } },
    ])
  })

  test('identify from analytics.js: identifies has the traits, users the latest state', () => {
    const message = stored(
      {
        ...ajsEnvelope,
        userId: 'user-42',
        messageId: 'ajs-next-1709374530120-identify',
        traits: {
          email: 'ada@acme.example',
          firstName: 'Ada',
          createdAt: '2025-11-03T08:00:00Z',
          logins: 5,
          address: { street: '6th Street', city: 'San Francisco' },
          roles: ['admin', 'billing'],
          phone: null,
        },
      },
      'identify',
      AJS_SENT_AT,
    )
    const traits = {
      email: 'ada@acme.example',
      first_name: 'Ada',
      created_at: '2025-11-03T08:00:00Z',
      logins: 5,
      address_street: '6th Street',
      address_city: 'San Francisco',
      roles: '["admin","billing"]',
    }
    assert.deepEqual(rows(message), [
      {
        table: 'identifies',
        row: { ...ajsSystem('ajs-next-1709374530120-identify'), user_id: 'user-42', ...traits },
      },
      { table: 'users', row: { id: 'user-42', received_at: RECEIVED_AT, uuid_ts: UUID_TS, ...traits } },
    ])
  })

  test('an anonymous identify has no users row', () => {
    const message = stored(
      { ...ajsEnvelope, messageId: 'anon-identify', traits: { plan: 'free' } },
      'identify',
      AJS_SENT_AT,
    )
    assert.deepEqual(
      rows(message).map((r) => r.table),
      ['identifies'],
    )
  })

  test('page from analytics.js: name and properties as columns', () => {
    const message = stored(
      {
        ...ajsEnvelope,
        messageId: 'ajs-next-1709374530120-page',
        name: 'Pricing',
        properties: { ...ajsContext.page, name: 'Pricing' },
      },
      'page',
      AJS_SENT_AT,
    )
    assert.deepEqual(rows(message), [
      {
        table: 'pages',
        row: {
          ...ajsSystem('ajs-next-1709374530120-page'),
          name: 'Pricing',
          path: '/pricing',
          referrer: 'https://www.google.com/',
          search: '?plan=pro',
          title: 'Pricing | Acme',
          url: 'https://acme.example/pricing?plan=pro',
        },
      },
    ])
  })

  test('page: the top-level name and category win over properties of the same name', () => {
    const message = stored(
      {
        ...ajsEnvelope,
        messageId: 'page-2',
        name: 'Docs',
        category: 'Help',
        properties: { name: 'Other', category: 'Other' },
      },
      'page',
      AJS_SENT_AT,
    )
    const [page] = rows(message)
    assert.equal(page?.row.name, 'Docs')
    assert.equal(page?.row.category, 'Help')
  })

  test('screen from analytics-node', () => {
    const message = stored(
      {
        ...nodeEnvelope,
        messageId: 'node-next-screen',
        name: 'Home',
        category: 'Main',
        properties: { variation: 'blue', loadTimeMs: 120 },
      },
      'screen',
      NODE_SENT_AT,
    )
    assert.deepEqual(rows(message), [
      {
        table: 'screens',
        row: {
          ...nodeSystem('node-next-screen'),
          name: 'Home',
          category: 'Main',
          variation: 'blue',
          load_time_ms: 120,
        },
      },
    ])
  })

  test('group from analytics-node: groups has group_id and traits, accounts the latest state', () => {
    const message = stored(
      {
        ...nodeEnvelope,
        messageId: 'node-next-group',
        groupId: 'acme-inc',
        traits: { name: 'Acme Inc', employees: 120, industry: 'Technology', id: 'dropped' },
      },
      'group',
      NODE_SENT_AT,
    )
    const traits = { name: 'Acme Inc', employees: 120, industry: 'Technology' }
    assert.deepEqual(rows(message), [
      { table: 'groups', row: { ...nodeSystem('node-next-group'), group_id: 'acme-inc', ...traits } },
      { table: 'accounts', row: { id: 'acme-inc', received_at: RECEIVED_AT, uuid_ts: UUID_TS, ...traits } },
    ])
  })

  test('alias from analytics-node', () => {
    const message = stored(
      { ...nodeEnvelope, messageId: 'node-next-alias', previousId: '5f8c2b1e-3d4a-4c6b-9e7f-1a2b3c4d5e6f' },
      'alias',
      NODE_SENT_AT,
    )
    assert.deepEqual(rows(message), [
      {
        table: 'aliases',
        row: { ...nodeSystem('node-next-alias'), previous_id: '5f8c2b1e-3d4a-4c6b-9e7f-1a2b3c4d5e6f' },
      },
    ])
  })

  test('system columns come first, in a fixed order', () => {
    const message = stored(
      { ...nodeEnvelope, messageId: 'order', event: 'Signed Up', properties: { a: 1 } },
      'track',
      NODE_SENT_AT,
    )
    assert.deepEqual(Object.keys(rows(message)[1]!.row), [
      'id',
      'user_id',
      'event',
      'event_text',
      'context_library_name',
      'context_library_version',
      'received_at',
      'sent_at',
      'original_timestamp',
      'timestamp',
      'uuid_ts',
      'a',
    ])
  })

  test('without client times there is no sent_at or original_timestamp', () => {
    const message = stored(
      { userId: 'u1', messageId: 'bare', event: 'Ping', timestamp: undefined },
      'track',
      'not a time',
    )
    const [tracks] = rows(message)
    assert.deepEqual(tracks?.row, {
      id: 'bare',
      user_id: 'u1',
      event: 'ping',
      event_text: 'Ping',
      received_at: RECEIVED_AT,
      timestamp: RECEIVED_AT,
      uuid_ts: UUID_TS,
    })
  })
})
