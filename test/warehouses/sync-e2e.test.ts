import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { openWarehouseLoader, type WarehouseLoader } from '../../src/warehouses/index.ts'
import { warehouseTopic } from '../../src/pipeline/index.ts'
import { conformance, sdk } from '../support/sdk-models.ts'
import {
  createPostgresDatabase,
  createSqliteDatabase,
  postgresUnavailable,
  type TestDatabase,
} from '../support/services.ts'
import { startTestSwitchyard, type TestSwitchyard } from '../support/switchyard.ts'

const DUCKDB = 'switchyard-duckdb'
const POSTGRES = '55d3d3aea3c'

/** The system columns Segment documents for every event table (warehouse spec §2.3). */
const EVENT_COLUMNS = [
  'id',
  'anonymous_id',
  'user_id',
  'received_at',
  'sent_at',
  'original_timestamp',
  'timestamp',
  'uuid_ts',
  'context_library_name',
  'context_library_version',
]

const t0 = '2026-11-20T10:00:00.000Z'

/** Every call type, with nested traits, arrays and ecommerce events (warehouse spec §2.2–2.4). */
function firstBatch() {
  const base = {
    sentAt: t0,
    timestamp: t0,
    context: { library: { name: 'analytics-node', version: '2.1.0' } },
  }
  return [
    {
      ...base,
      type: 'identify',
      messageId: 'id-1',
      userId: 'u1',
      anonymousId: 'anon-1',
      traits: { email: 'ann@example.com', plan: 'pro', address: { city: 'Paris', zip: '75001' }, logins: 3 },
    },
    {
      ...base,
      type: 'track',
      messageId: 'tr-1',
      userId: 'u1',
      event: 'Order Completed',
      properties: {
        order_id: 'o-1',
        total: 99.5,
        revenue: 90,
        currency: 'EUR',
        products: [{ product_id: 'p1', sku: 'G-32', price: 45, quantity: 2 }],
        shipping: { method: 'express' },
      },
    },
    {
      ...base,
      type: 'track',
      messageId: 'tr-2',
      userId: 'u1',
      event: 'Product Viewed',
      properties: { product_id: 'p1', name: 'Monopoly', price: 45, id: 'dropped: collides with id' },
    },
    {
      ...base,
      type: 'track',
      messageId: 'tr-6',
      userId: 'u1',
      event: 'Product Added',
      properties: { cart_id: 'c1', product_id: 'p1', sku: 'G-32', quantity: 1, price: 45 },
    },
    {
      ...base,
      type: 'track',
      messageId: 'tr-7',
      userId: 'u1',
      event: 'Checkout Started',
      properties: { order_id: 'o-1', value: 90, revenue: 90, products: [{ product_id: 'p1' }] },
    },
    {
      ...base,
      type: 'page',
      messageId: 'pg-1',
      anonymousId: 'anon-1',
      name: 'Pricing',
      category: 'Docs',
      properties: { path: '/pricing', referrer: 'https://google.com' },
    },
    { ...base, type: 'screen', messageId: 'sc-1', userId: 'u1', name: 'Home', properties: { variant: 'b' } },
    {
      ...base,
      type: 'group',
      messageId: 'gr-1',
      userId: 'u1',
      groupId: 'g1',
      traits: { name: 'Acme', employees: 42 },
    },
    { ...base, type: 'alias', messageId: 'al-1', userId: 'u1', previousId: 'anon-1' },
  ]
}

function secondBatch() {
  const base = { sentAt: t0, timestamp: t0, userId: 'u1' }
  return [
    {
      ...base,
      type: 'track',
      messageId: 'tr-3',
      event: 'Order Completed',
      properties: { order_id: 'o-2', total: 12, coupon: 'WINTER' },
    },
    { ...base, type: 'track', messageId: 'tr-4', event: 'Cart Viewed', properties: { cart_id: 'c1' } },
    { ...base, type: 'identify', messageId: 'id-2', traits: { plan: 'enterprise' } },
    { ...base, type: 'page', messageId: 'pg-2', name: 'Blog', context: { ip: '10.0.0.9' } },
  ]
}

interface EngineCase {
  name: string
  skip?: string | undefined
  /** Creates the warehouse under test; the default DuckDB one needs nothing. */
  warehouse(
    sy: TestSwitchyard,
    dataDir: string,
  ): Promise<{ id: string; open(): WarehouseLoader; drop(): Promise<void> }>
}

const cases: EngineCase[] = [
  {
    name: 'DuckDB (the fresh install’s default warehouse)',
    async warehouse(sy, dataDir) {
      const listed = await sy.api('/warehouses')
      const duckdb = listed.body.data.warehouses.filter(
        (w: { metadata: { id: string } }) => w.metadata.id === DUCKDB,
      )
      assert.equal(duckdb.length, 1, 'a fresh install has one DuckDB warehouse')
      const id = duckdb[0].id as string
      const file = join(dataDir, 'warehouse.duckdb')
      return { id, open: () => openWarehouseLoader({ engine: 'duckdb', path: file }), drop: async () => {} }
    },
  },
  {
    name: 'PostgreSQL',
    skip: await postgresUnavailable(),
    async warehouse(sy) {
      const database = await createPostgresDatabase()
      const url = new URL(database.url!)
      const created = await sy.api('/warehouses', {
        method: 'POST',
        body: {
          metadataId: POSTGRES,
          name: 'Analytics',
          settings: {
            hostname: url.hostname,
            port: url.port || '5432',
            database: url.pathname.slice(1),
            username: decodeURIComponent(url.username),
            syncIntervalMinutes: 10080,
          },
        },
      })
      assert.equal(created.status, 201, JSON.stringify(created.body))
      return {
        id: created.body.data.warehouse.id,
        open: () => openWarehouseLoader({ engine: 'postgres', url: database.url! }),
        drop: () => database.drop(),
      }
    },
  },
]

for (const engine of cases) {
  describe(`warehouse syncs end to end: ${engine.name}`, { skip: engine.skip }, () => {
    let database: TestDatabase & { dir: string }
    let sy: TestSwitchyard
    let warehouse: Awaited<ReturnType<EngineCase['warehouse']>>
    let source: { id: string; writeKey: string }
    let apis: ReturnType<typeof sdk.configureApis>
    let staged = 0

    before(async () => {
      database = createSqliteDatabase()
      sy = await startTestSwitchyard({ database })
      apis = sdk.configureApis(sy.ownerToken)
      for (const api of Object.values(apis)) api.basePath = `${sy.controlUrl}/api`
      warehouse = await engine.warehouse(sy, database.dir)
      // Weekly slots: no scheduled sync starts while the test reads the warehouse.
      const current = await sy.api(`/warehouses/${warehouse.id}`)
      const patched = await sy.api(`/warehouses/${warehouse.id}`, {
        method: 'PATCH',
        body: {
          settings: { ...current.body.data.warehouse.settings, name: undefined, syncIntervalMinutes: 10080 },
        },
      })
      assert.equal(patched.status, 200, JSON.stringify(patched.body))
      source = await sy.createSource('web-shop')
    })
    after(async () => {
      await sy?.stop()
      await warehouse?.drop()
      await database?.drop()
    })

    /** Sends a batch and waits until the process stage has staged it for the warehouse. */
    async function send(batch: object[]) {
      const response = await fetch(`${sy.ingestUrl}/v1/batch`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Basic ${Buffer.from(`${source.writeKey}:`).toString('base64')}`,
        },
        body: JSON.stringify({ batch }),
      })
      assert.equal(response.status, 200, await response.text())
      staged += batch.length
      const deadline = Date.now() + 15_000
      for (;;) {
        const topic = (await sy.switchyard.stream!.stats()).topics.find(
          (t) => t.topic === warehouseTopic(warehouse.id),
        )
        if ((topic?.headOffset ?? 0) >= staged) return
        if (Date.now() > deadline)
          throw new Error(`staging has ${topic?.headOffset ?? 0} of ${staged} messages`)
        await new Promise((r) => setTimeout(r, 50))
      }
    }

    /** Asks for a sync through the API and waits for it to end; answers the finished sync. */
    async function syncNow() {
      const requested = await sy.api(`/warehouses/${warehouse.id}/syncs`, { method: 'POST' })
      assert.equal(requested.status, 201, JSON.stringify(requested.body))
      const syncId = requested.body.data.sync.id as string
      const deadline = Date.now() + 30_000
      for (;;) {
        const got = await sy.api(`/warehouses/${warehouse.id}/syncs/${syncId}`)
        if (['success', 'partial', 'failure'].includes(got.body.data.sync.status)) return got.body.data
        if (Date.now() > deadline) throw new Error(`sync still ${got.body.data.sync.status}`)
        await new Promise((r) => setTimeout(r, 100))
      }
    }

    async function withWarehouse<T>(work: (loader: WarehouseLoader) => Promise<T>): Promise<T> {
      const loader = warehouse.open()
      try {
        return await work(loader)
      } finally {
        await loader.close()
      }
    }

    const rows = (loader: WarehouseLoader, sql: string) => loader.query(sql)

    test('a new source is connected to every warehouse', async () => {
      const { sources } = await sdk.unwrap(
        apis.warehouses.listConnectedSourcesFromWarehouse(warehouse.id, { count: 10 }),
      )
      assert.deepEqual(
        sources.map((s: { id: string }) => s.id),
        [source.id],
      )
    })

    test("every call type lands in Segment's tables, column for column, values as sent", async () => {
      await send(firstBatch())
      const result = await syncNow()
      assert.equal(result.sync.status, 'success', JSON.stringify(result))
      const [report] = result.reports
      assert.equal(report.sourceId, source.id)
      assert.equal(report.status, 'success')
      assert.deepEqual(report.tables, {
        identifies: 1,
        users: 1,
        tracks: 4,
        order_completed: 1,
        product_viewed: 1,
        product_added: 1,
        checkout_started: 1,
        pages: 1,
        screens: 1,
        groups: 1,
        accounts: 1,
        aliases: 1,
      })
      assert.equal(report.count, 15)

      await withWarehouse(async (loader) => {
        const schema = await loader.describe('web_shop')
        assert.deepEqual([...schema.keys()].sort(), [
          'accounts',
          'aliases',
          'checkout_started',
          'groups',
          'identifies',
          'order_completed',
          'pages',
          'product_added',
          'product_viewed',
          'screens',
          'tracks',
          'users',
        ])
        for (const table of [
          'tracks',
          'order_completed',
          'identifies',
          'pages',
          'screens',
          'groups',
          'aliases',
        ]) {
          const columns = [...schema.get(table)!.keys()]
          for (const column of EVENT_COLUMNS) {
            if (column === 'anonymous_id' && !['identifies', 'pages'].includes(table)) continue
            if (column === 'user_id' && table === 'pages') continue
            assert.ok(columns.includes(column), `${table}.${column} in ${columns.join(', ')}`)
          }
        }
        const types = (table: string) => Object.fromEntries(schema.get(table)!)
        assert.equal(types('tracks').received_at, 'timestamp')
        assert.deepEqual(
          [...schema.get('tracks')!.keys()].filter((c) => !EVENT_COLUMNS.includes(c)).sort(),
          ['event', 'event_text'],
          'tracks holds no properties',
        )
        assert.equal(types('order_completed').total, 'double')
        assert.equal(types('order_completed').revenue, 'bigint')
        assert.equal(types('order_completed').products, 'varchar')
        assert.equal(types('order_completed').shipping_method, 'varchar')
        assert.equal(types('identifies').address_city, 'varchar')
        assert.equal(types('identifies').logins, 'bigint')
        assert.deepEqual([...schema.get('users')!.keys()].sort(), [
          'address_city',
          'address_zip',
          'email',
          'id',
          'logins',
          'plan',
          'received_at',
          'uuid_ts',
        ])
        assert.ok(schema.get('accounts')!.has('employees'))
        assert.ok(schema.get('aliases')!.has('previous_id'))

        const [order] = await rows(loader, 'SELECT * FROM web_shop.order_completed')
        assert.equal(order!.id, 'tr-1')
        assert.equal(order!.event, 'order_completed')
        assert.equal(order!.event_text, 'Order Completed')
        assert.equal(order!.order_id, 'o-1')
        assert.equal(order!.total, 99.5)
        assert.equal(order!.revenue, 90n)
        assert.deepEqual(JSON.parse(order!.products as string), [
          { product_id: 'p1', sku: 'G-32', price: 45, quantity: 2 },
        ])
        assert.equal((order!.original_timestamp as Date).toISOString(), t0)
        assert.equal(order!.context_library_name, 'analytics-node')
        const [viewed] = await rows(loader, 'SELECT id, name, price FROM web_shop.product_viewed')
        assert.deepEqual(
          viewed,
          { id: 'tr-2', name: 'Monopoly', price: 45n },
          'the colliding `id` property is dropped',
        )
        const [user] = await rows(loader, 'SELECT id, email, plan, address_city FROM web_shop.users')
        assert.deepEqual(user, { id: 'u1', email: 'ann@example.com', plan: 'pro', address_city: 'Paris' })
        const [page] = await rows(loader, 'SELECT name, category, path FROM web_shop.pages')
        assert.deepEqual(page, { name: 'Pricing', category: 'Docs', path: '/pricing' })
        const [account] = await rows(loader, 'SELECT id, name, employees FROM web_shop.accounts')
        assert.deepEqual(account, { id: 'g1', name: 'Acme', employees: 42n })
      })
    })

    test('the next sync evolves the schema: a new property adds a column, a new event a table; users upserted', async () => {
      await send(secondBatch())
      const result = await syncNow()
      assert.equal(result.sync.status, 'success', JSON.stringify(result))
      assert.equal(result.reports[0].tables.cart_viewed, 1)
      await withWarehouse(async (loader) => {
        const schema = await loader.describe('web_shop')
        assert.ok(schema.get('order_completed')!.has('coupon'))
        assert.ok(schema.has('cart_viewed'))
        const orders = await rows(
          loader,
          'SELECT id, coupon, total FROM web_shop.order_completed ORDER BY id',
        )
        assert.deepEqual(orders, [
          { id: 'tr-1', coupon: null, total: 99.5 },
          { id: 'tr-3', coupon: 'WINTER', total: 12 },
        ])
        const users = await rows(loader, 'SELECT id, plan, email FROM web_shop.users')
        assert.deepEqual(
          users,
          [{ id: 'u1', plan: 'enterprise', email: 'ann@example.com' }],
          'latest traits, older kept',
        )
        const [{ n }] = (await rows(loader, 'SELECT count(*) AS n FROM web_shop.tracks')) as [{ n: bigint }]
        assert.equal(n, 6n)
      })
    })

    test('sync history through the SDK: per source, with status, rows and duration', async () => {
      const { reports, pagination } = await sdk.unwrap(
        apis.selectiveSync.listSyncsFromWarehouse(warehouse.id, { count: 10 }),
      )
      assert.equal(reports.length, 2)
      assert.equal(pagination.totalEntries, 2)
      for (const report of reports) assert.deepEqual(conformance(report, 'SyncV1'), [])
      assert.deepEqual(
        reports.map((r: { count: number; status: string }) => [r.status, r.count]),
        [
          ['success', 7],
          ['success', 15],
        ],
        'newest first',
      )
      const bySource = await sdk.unwrap(
        apis.selectiveSync.listSyncsFromWarehouseAndSource(warehouse.id, source.id, { count: 10 }),
      )
      assert.equal(bySource.reports.length, 2)
    })

    test('Selective Sync: a table and a column turned off stop receiving data; id and received_at stay on', async () => {
      const refused = await sy.api(`/warehouses/${warehouse.id}/selective-sync`, {
        method: 'PATCH',
        body: {
          syncOverrides: [
            { sourceId: source.id, collection: 'pages', property: 'received_at', enabled: false },
          ],
        },
      })
      assert.equal(refused.status, 400)
      assert.equal(refused.body.errors[0].field, 'syncOverrides[0].property')

      const updated = await sdk.unwrap(
        apis.selectiveSync.updateSelectiveSyncForWarehouse(warehouse.id, {
          syncOverrides: [
            { sourceId: source.id, collection: 'pages', enabled: false },
            { sourceId: source.id, collection: 'tracks', property: 'context_library_name', enabled: false },
          ],
        }),
      )
      assert.equal(updated.status, 'SUCCESS')
      const { items } = await sdk.unwrap(
        apis.selectiveSync.listSelectiveSyncsFromWarehouseAndSource(warehouse.id, source.id, { count: 100 }),
      )
      for (const item of items) assert.deepEqual(conformance(item, 'WarehouseSelectiveSyncItemV1'), [])
      const pages = items.find((i: { collection: string }) => i.collection === 'pages')!
      assert.equal(pages.enabled, false)
      const tracks = items.find((i: { collection: string }) => i.collection === 'tracks')!
      assert.equal(tracks.enabled, true)
      assert.equal(tracks.properties.context_library_name, false)
      assert.equal(tracks.properties.event_text, true)

      await send([
        {
          type: 'page',
          messageId: 'pg-3',
          userId: 'u1',
          name: 'Off',
          context: { library: { name: 'x', version: '1' } },
        },
        {
          type: 'track',
          messageId: 'tr-5',
          userId: 'u1',
          event: 'Cart Viewed',
          context: { library: { name: 'x', version: '1' } },
        },
      ])
      const result = await syncNow()
      assert.equal(result.sync.status, 'success')
      await withWarehouse(async (loader) => {
        const pagesRows = await rows(loader, 'SELECT id FROM web_shop.pages ORDER BY id')
        assert.deepEqual(
          pagesRows.map((r) => r.id),
          ['pg-1', 'pg-2'],
          'pages turned off',
        )
        const [track] = await rows(
          loader,
          "SELECT context_library_name FROM web_shop.tracks WHERE id = 'tr-5'",
        )
        assert.deepEqual(track, { context_library_name: null })
        const [cart] = await rows(
          loader,
          "SELECT context_library_name FROM web_shop.cart_viewed WHERE id = 'tr-5'",
        )
        assert.deepEqual(cart, { context_library_name: 'x' }, 'other tables keep the column')
      })
    })

    test('advanced sync schedule: replaced and read back through the SDK', async () => {
      const schedule = { timezone: 'Europe/Paris', times: [{ hourOfDay: 3, enabled: true }] }
      await sdk.unwrap(
        apis.selectiveSync.replaceAdvancedSyncScheduleForWarehouse(warehouse.id, { enabled: true, schedule }),
      )
      const got = await sdk.unwrap(apis.selectiveSync.getAdvancedSyncScheduleFromWarehouse(warehouse.id))
      assert.equal(got.enabled, true)
      assert.deepEqual(JSON.parse(JSON.stringify(got.schedule)), schedule)
      const raw = await sy.api(`/warehouses/${warehouse.id}/advanced-sync-schedule`)
      assert.match(raw.body.data.nextSyncAt, /T0[12]:00:00\.000Z$/, '03:00 in Paris is 01:00 or 02:00 UTC')
      const bad = await sy.api(`/warehouses/${warehouse.id}/advanced-sync-schedule`, {
        method: 'PUT',
        body: { enabled: true, schedule: { timezone: 'Nowhere/Else', times: [] } },
      })
      assert.equal(bad.status, 400)
      assert.equal(bad.body.errors[0].field, 'schedule.timezone')
    })
  })
}
