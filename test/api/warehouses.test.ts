import assert from 'node:assert/strict'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { conformance, sdk } from '../support/sdk-models.ts'
import { createSqliteDatabase, postgresUnavailable } from '../support/services.ts'
import { startTestSwitchyard, type TestSwitchyard } from '../support/switchyard.ts'

const POSTGRES = '55d3d3aea3c'
const DUCKDB = 'switchyard-duckdb'
const PASSWORD = 'a-long-warehouse-password-1234'

/**
 * The warehouse operations through Segment's own SDK (`basePath` pointed at Switchyard), and their
 * answers checked against the SDK's response models field for field.
 */
describe("warehouses through Segment's SDK", () => {
  const database = createSqliteDatabase()
  let sy: TestSwitchyard
  let apis: ReturnType<typeof sdk.configureApis>
  let sourceId: string
  let workspaceId: string

  before(async () => {
    // No default warehouse: this suite counts and names the warehouses it creates.
    sy = await startTestSwitchyard({ database, env: { SWITCHYARD_DEFAULT_WAREHOUSE: 'none' } })
    apis = sdk.configureApis(sy.ownerToken)
    for (const api of Object.values(apis)) api.basePath = `${sy.controlUrl}/api`
    sourceId = (await sy.createSource('web')).id
    workspaceId = sy.switchyard.bootstrap.workspace.id
  })
  after(async () => {
    await sy?.stop()
    await database.drop()
  })

  const postgres = (overrides: Record<string, unknown> = {}) => ({
    hostname: '127.0.0.1',
    port: '5432',
    database: 'postgres',
    username: 'postgres',
    password: PASSWORD,
    ...overrides,
  })

  /** Expects a refusal naming `field`; answers the first error. */
  const refused = async (path: string, body: unknown, status: number, field: string, method = 'POST') => {
    const r = await sy.api(path, { method, body })
    assert.equal(r.status, status, JSON.stringify(r.body))
    assert.equal(r.body.errors[0].field, field, JSON.stringify(r.body))
    return r.body.errors[0]
  }

  test('getWarehousesCatalog and getWarehouseMetadata list Postgres (Segment’s id) and DuckDB', async () => {
    const { warehousesCatalog, pagination } = await sdk.unwrap(
      apis.catalog.getWarehousesCatalog({ count: 10 }),
    )
    assert.equal(pagination.totalEntries, 3)
    assert.deepEqual(
      warehousesCatalog.map((w) => [w.id, w.slug, w.name]),
      [
        [POSTGRES, 'postgres', 'Postgres'],
        [DUCKDB, 'duckdb', 'DuckDB'],
        ['switchyard-data-lake', 'data-lake', 'Data Lake (Parquet)'],
      ],
    )
    const [pg] = warehousesCatalog
    assert.deepEqual(
      pg!.options.map((o) => [o.name, o.required]),
      [
        ['hostname', true],
        ['port', false],
        ['database', true],
        ['username', true],
        ['password', false],
        ['sslMode', false],
        ['syncIntervalMinutes', false],
      ],
    )
    const { warehouseMetadata } = await sdk.unwrap(apis.catalog.getWarehouseMetadata(DUCKDB))
    assert.equal(warehouseMetadata.options[0]!.name, 'file')
    assert.equal(warehouseMetadata.options[0]!.defaultValue, 'warehouse.duckdb')
    const logo = await fetch(warehouseMetadata.logos.default)
    assert.equal(logo.headers.get('content-type'), 'image/svg+xml')
    await assert.rejects(sdk.unwrap(apis.catalog.getWarehouseMetadata('nope')), {
      status: 404,
      field: 'warehouseMetadataId',
    })

    for (const [path, model] of [
      ['/catalog/warehouses?pagination[count]=1', 'GetWarehousesCatalogV1Output'],
      [`/catalog/warehouses/${POSTGRES}`, 'GetWarehouseMetadataV1Output'],
    ]) {
      const r = await sy.api(path!)
      assert.equal(r.status, 200, `${path}: ${JSON.stringify(r.body)}`)
      assert.deepEqual(conformance(r.body.data, model!), [], `${path} as ${model}`)
    }
  })

  test('the warehouse operations end to end: password masked and kept, name in settings.name', async () => {
    const { warehouse } = await sdk.unwrap(
      apis.warehouses.createWarehouse({ metadataId: POSTGRES, settings: postgres() }),
    )
    assert.equal(warehouse.enabled, true, "enabled unless asked otherwise, as Segment's default")
    assert.equal(warehouse.workspaceId, workspaceId)
    assert.equal(warehouse.metadata.id, POSTGRES)
    assert.equal(warehouse.settings.name, 'Postgres', 'named after the catalog entry')
    assert.equal(warehouse.settings.password, '••••••••1234')
    assert.equal(warehouse.settings.sslMode, 'disable', 'defaults filled in')
    assert.equal(warehouse.settings.port, '5432', "Segment's string port kept as sent")
    assert.doesNotMatch(JSON.stringify(warehouse), /a-long-warehouse-password/)
    const stored = await sy.switchyard.store.warehouses.get(workspaceId, warehouse.id)
    assert.equal(stored!.settings.password, PASSWORD)
    assert.equal(stored!.settings.name, undefined, 'the name is a column, not a setting')

    const second = await sdk.unwrap(
      apis.warehouses.createWarehouse({ metadataId: DUCKDB, settings: {}, enabled: false }),
    )
    assert.deepEqual(second.warehouse.settings, {
      file: 'warehouse.duckdb',
      syncIntervalMinutes: 60,
      name: 'DuckDB',
    })

    // Read, change one field, write everything back: the masked password keeps its stored value.
    const got = (await sdk.unwrap(apis.warehouses.getWarehouse(warehouse.id))).warehouse
    const updated = await sdk.unwrap(
      apis.warehouses.updateWarehouse(warehouse.id, {
        enabled: false,
        settings: { ...got.settings, name: 'Analytics', database: 'analytics' },
      }),
    )
    assert.equal(updated.warehouse.settings.name, 'Analytics')
    assert.equal(updated.warehouse.enabled, false)
    const after = await sy.switchyard.store.warehouses.get(workspaceId, warehouse.id)
    assert.equal(after!.name, 'Analytics')
    assert.equal(after!.settings.password, PASSWORD)
    assert.equal(after!.settings.database, 'analytics')

    const page = await sdk.unwrap(apis.warehouses.listWarehouses({ count: 1 }))
    assert.equal(page.pagination.totalEntries, 2)
    assert.equal(page.warehouses.length, 1)

    const audit = await sy.switchyard.store.audit.list(
      workspaceId,
      { offset: 0, limit: 50 },
      { resourceId: warehouse.id },
    )
    assert.deepEqual(audit.items.map((e) => e.type).sort(), [
      'Storage Destination Created',
      'Storage Destination Disabled',
      'Storage Destination Modified',
    ])
    assert.doesNotMatch(JSON.stringify(audit.items), /a-long-warehouse-password/)

    const cases: [string, string][] = [
      ['/warehouses?pagination[count]=5', 'ListWarehousesV1Output'],
      [`/warehouses/${warehouse.id}`, 'GetWarehouseV1Output'],
    ]
    for (const [path, model] of cases) {
      const r = await sy.api(path)
      assert.equal(r.status, 200, `${path}: ${JSON.stringify(r.body)}`)
      assert.deepEqual(conformance(r.body.data, model), [], `${path} as ${model}`)
    }
    const patched = await sy.api(`/warehouses/${second.warehouse.id}`, {
      method: 'PATCH',
      body: { enabled: true },
    })
    assert.deepEqual(conformance(patched.body.data, 'UpdateWarehouseV1Output'), [])
    const created = await sy.api('/warehouses', {
      method: 'POST',
      body: { metadataId: DUCKDB, name: 'Scratch', settings: { file: 'scratch/one.duckdb' } },
    })
    assert.equal(created.status, 201)
    assert.deepEqual(conformance(created.body.data, 'CreateWarehouseV1Output'), [])
    const deleted = await sy.api(`/warehouses/${created.body.data.warehouse.id}`, { method: 'DELETE' })
    assert.deepEqual(conformance(deleted.body.data, 'DeleteWarehouseV1Output'), [])

    assert.equal(String((await sdk.unwrap(apis.warehouses.deleteWarehouse(warehouse.id))).status), 'SUCCESS')
    await assert.rejects(sdk.unwrap(apis.warehouses.getWarehouse(warehouse.id)), {
      status: 404,
      field: 'warehouseId',
    })
    const deletions = await sy.switchyard.store.audit.list(
      workspaceId,
      { offset: 0, limit: 50 },
      { resourceId: warehouse.id },
    )
    assert.ok(deletions.items.some((e) => e.type === 'Storage Destination Deleted'))
    await sdk.unwrap(apis.warehouses.deleteWarehouse(second.warehouse.id))
  })

  test('invalid settings are refused naming settings.<field>, every problem listed', async () => {
    const many = await sy.api('/warehouses', {
      method: 'POST',
      body: { metadataId: POSTGRES, settings: { port: 'abc', sslMode: 'prefer', nope: 1 } },
    })
    assert.equal(many.status, 400)
    const all = many.body.errors[0]
    assert.match(all.field, /^settings\./)
    const fields = all.data.errors.map((e: { field: string }) => e.field).sort()
    assert.deepEqual(fields, [
      'settings.database',
      'settings.hostname',
      'settings.nope',
      'settings.sslMode',
      'settings.username',
    ])
    assert.match(all.message, /settings\.nope is not a setting of Postgres \(its settings are hostname, port/)
    assert.match(all.message, /settings\.sslMode must be one of disable, require, verify-full/)

    const bad = (settings: Record<string, unknown>, field: string) =>
      refused('/warehouses', { metadataId: POSTGRES, settings: postgres(settings) }, 400, field)
    assert.match((await bad({ port: 'abc' }, 'settings.port')).message, /whole number from 1 to 65535/)
    assert.match((await bad({ port: 70000 }, 'settings.port')).message, /got 70000/)
    assert.match((await bad({ hostname: 'postgres://h/db' }, 'settings.hostname')).message, /not a URL/)
    assert.match((await bad({ hostname: '' }, 'settings.hostname')).message, /must not be empty/)
    assert.match((await bad({ port: true }, 'settings.port')).message, /must be a whole number/)
    assert.match(
      (await bad({ password: '••••••••1234' }, 'settings.password')).message,
      /masked value that does not match the stored secret/,
    )
    const file = await refused(
      '/warehouses',
      { metadataId: DUCKDB, settings: { file: '../outside.duckdb' } },
      400,
      'settings.file',
    )
    assert.match(file.message, /inside the data directory/)
    await refused(
      '/warehouses',
      { metadataId: DUCKDB, settings: { file: '/etc/x.duckdb' } },
      400,
      'settings.file',
    )
    await refused('/warehouses', { metadataId: DUCKDB, settings: { file: 'x.db' } }, 400, 'settings.file')
    await refused('/warehouses', { metadataId: 'unknown', settings: {} }, 400, 'metadataId')
    await refused('/warehouses', { metadataId: DUCKDB, settings: { name: 5 } }, 400, 'settings.name')

    // Names are unique in the workspace; two DuckDB warehouses never share a file.
    const first = await sy.api('/warehouses', {
      method: 'POST',
      body: { metadataId: DUCKDB, name: 'Same', settings: {} },
    })
    assert.equal(first.status, 201)
    await refused(
      '/warehouses',
      { metadataId: DUCKDB, name: 'same', settings: { file: 'b.duckdb' } },
      409,
      'name',
    )
    const shared = await refused(
      '/warehouses',
      { metadataId: DUCKDB, name: 'Other', settings: {} },
      409,
      'settings.file',
    )
    assert.match(shared.message, /"Same" already uses the DuckDB file warehouse\.duckdb/)
    const id = first.body.data.warehouse.id
    await refused(`/warehouses/${id}`, { settings: { file: 'x' } }, 400, 'settings.file', 'PATCH')
    await refused('/warehouses/missing', { enabled: true }, 404, 'warehouseId', 'PATCH')
    await sy.api(`/warehouses/${id}`, { method: 'DELETE' })
  })

  test('sources connect to and disconnect from a warehouse; connections list both ways', async () => {
    const alone = await sy.api('/warehouses', {
      method: 'POST',
      body: {
        metadataId: DUCKDB,
        name: 'Alone',
        settings: { file: 'alone.duckdb' },
        disconnectAllSources: true,
      },
    })
    assert.equal(alone.status, 201)
    const aloneSources = await sy.api(`/warehouses/${alone.body.data.warehouse.id}/connected-sources`)
    assert.equal(aloneSources.body.data.pagination.totalEntries, 0, 'disconnectAllSources: nothing connected')
    await sy.api(`/warehouses/${alone.body.data.warehouse.id}`, { method: 'DELETE' })

    // As on Segment, a new warehouse gets every source, and a new source every warehouse.
    const { warehouse } = await sdk.unwrap(
      apis.warehouses.createWarehouse({
        metadataId: DUCKDB,
        name: 'Connected',
        settings: { file: 'c.duckdb' },
      }),
    )
    assert.ok(
      (await sy.switchyard.store.warehouses.connectedSourceIds(workspaceId, warehouse.id)).includes(sourceId),
    )
    const other = (await sy.createSource('app')).id
    assert.ok(
      (await sy.switchyard.store.warehouses.connectedWarehouseIds(workspaceId, other)).includes(warehouse.id),
    )
    const connected = await sdk.unwrap(
      apis.warehouses.addConnectionFromSourceToWarehouse(warehouse.id, sourceId),
    )
    assert.equal(String(connected.status), 'CONNECTED')
    await sdk.unwrap(apis.warehouses.addConnectionFromSourceToWarehouse(warehouse.id, sourceId))
    await sdk.unwrap(apis.warehouses.addConnectionFromSourceToWarehouse(warehouse.id, other))

    const { sources, pagination } = await sdk.unwrap(
      apis.warehouses.listConnectedSourcesFromWarehouse(warehouse.id, { count: 1 }),
    )
    assert.equal(pagination.totalEntries, 2)
    assert.equal(sources.length, 1)
    const fromSource = await sdk.unwrap(
      apis.sources.listConnectedWarehousesFromSource(sourceId, { count: 10 }),
    )
    assert.ok(fromSource.warehouses.map((w) => w.id).includes(warehouse.id))
    const routed = await sy.switchyard.store.warehouses.enabledConnections()
    assert.deepEqual(
      routed
        .filter((c) => c.warehouseId === warehouse.id)
        .map((c) => c.sourceId)
        .sort(),
      [sourceId, other].sort(),
    )

    for (const [path, model] of [
      [
        `/warehouses/${warehouse.id}/connected-sources?pagination[count]=5`,
        'ListConnectedSourcesFromWarehouseV1Output',
      ],
      [`/sources/${sourceId}/connected-warehouses`, 'ListConnectedWarehousesFromSourceV1Output'],
    ] as const) {
      const r = await sy.api(path)
      assert.equal(r.status, 200, `${path}: ${JSON.stringify(r.body)}`)
      assert.deepEqual(conformance(r.body.data, model), [], `${path} as ${model}`)
    }
    const again = await sy.api(`/warehouses/${warehouse.id}/connected-sources/${sourceId}`, {
      method: 'POST',
    })
    assert.equal(again.status, 201)
    assert.deepEqual(conformance(again.body.data, 'AddConnectionFromSourceToWarehouseV1Output'), [])

    const removed = await sdk.unwrap(
      apis.warehouses.removeSourceConnectionFromWarehouse(warehouse.id, sourceId),
    )
    assert.equal(String(removed.status), 'SUCCESS')
    const gone = await sy.api(`/warehouses/${warehouse.id}/connected-sources/${sourceId}`, {
      method: 'DELETE',
    })
    assert.equal(gone.status, 404)
    assert.equal(gone.body.errors[0].field, 'sourceId')
    assert.match(gone.body.errors[0].message, /is not connected to the warehouse/)
    await refused(`/warehouses/${warehouse.id}/connected-sources/missing`, undefined, 404, 'sourceId')
    await refused(`/warehouses/missing/connected-sources/${sourceId}`, undefined, 404, 'warehouseId')
    await refused('/sources/missing/connected-warehouses', undefined, 404, 'sourceId', 'GET')

    const audit = await sy.switchyard.store.audit.list(
      workspaceId,
      { offset: 0, limit: 50 },
      { resourceId: warehouse.id },
    )
    // Connecting what is already connected changes nothing and records nothing.
    assert.deepEqual(audit.items.map((e) => e.type).sort(), [
      'Storage Destination Created',
      'Storage Destination Source Disconnected',
    ])
    // Deleting the warehouse removes its connections.
    await sdk.unwrap(apis.warehouses.deleteWarehouse(warehouse.id))
    const left = await sdk.unwrap(apis.sources.listConnectedWarehousesFromSource(other, { count: 10 }))
    assert.equal(left.warehouses.length, 0)
  })

  test('createValidationInWarehouse: a reachable PostgreSQL connects', async (t) => {
    const reason = await postgresUnavailable()
    if (reason) return t.skip(reason)
    const r = await sdk.unwrap(
      apis.warehouses.createValidationInWarehouse({
        metadataId: POSTGRES,
        settings: postgres({ password: undefined }),
      }),
    )
    assert.equal(String(r.status), 'CONNECTED')
    const raw = await sy.api('/warehouses/validation', {
      method: 'POST',
      body: {
        metadataId: POSTGRES,
        settings: { hostname: '127.0.0.1', database: 'postgres', username: 'postgres' },
      },
    })
    assert.deepEqual(raw.body, { data: { status: 'CONNECTED' } })
    assert.deepEqual(conformance(raw.body.data, 'CreateValidationInWarehouseV1Output'), [])

    const noDatabase = await sy.api('/warehouses/validation', {
      method: 'POST',
      body: { metadataId: POSTGRES, settings: postgres({ database: 'switchyard_no_such_db' }) },
    })
    assert.equal(noDatabase.body.data.status, 'FAILED')
    assert.equal(noDatabase.body.data.error.kind, 'credentials')
    assert.equal(noDatabase.body.data.error.code, '3D000')
    assert.match(noDatabase.body.data.error.message, /database "switchyard_no_such_db" does not exist/)
    assert.match(noDatabase.body.data.error.hint, /check the database name/)
  })

  test('createValidationInWarehouse: an unreachable PostgreSQL fails with what to fix', async () => {
    const r = await sy.api('/warehouses/validation', {
      method: 'POST',
      body: { metadataId: POSTGRES, settings: postgres({ port: 1 }) },
    })
    assert.equal(r.status, 200, JSON.stringify(r.body))
    assert.deepEqual(conformance(r.body.data, 'CreateValidationInWarehouseV1Output'), [])
    assert.equal(r.body.data.status, 'FAILED')
    assert.equal(r.body.data.error.kind, 'network')
    assert.equal(r.body.data.error.code, 'ECONNREFUSED')
    assert.match(r.body.data.error.message, /127\.0\.0\.1:1\/postgres: connect ECONNREFUSED/)
    assert.match(r.body.data.error.hint, /check the host and port, that PostgreSQL is running/)
    const viaSdk = await sdk.unwrap(
      apis.warehouses.createValidationInWarehouse({ metadataId: POSTGRES, settings: postgres({ port: 1 }) }),
    )
    assert.equal(String(viaSdk.status), 'FAILED')

    const unknownHost = await sy.api('/warehouses/validation', {
      method: 'POST',
      body: { metadataId: POSTGRES, settings: postgres({ hostname: 'no-such-host.invalid' }) },
    })
    // ENOTFOUND (credentials: fix the host), or EAI_AGAIN (network) where no DNS answers at all.
    assert.equal(unknownHost.body.data.status, 'FAILED')
    assert.ok(['credentials', 'network'].includes(unknownHost.body.data.error.kind))
    assert.match(unknownHost.body.data.error.message, /no-such-host\.invalid:5432\/postgres: getaddrinfo/)

    // Settings are checked first; a masked password cannot be tested (there is nothing stored to restore).
    await refused(
      '/warehouses/validation',
      { metadataId: POSTGRES, settings: { hostname: 'h' } },
      400,
      'settings.database',
    )
    await refused(
      '/warehouses/validation',
      { metadataId: POSTGRES, settings: postgres({ password: '••••••••1234' }) },
      400,
      'settings.password',
    )
    const audit = await sy.switchyard.store.audit.list(
      workspaceId,
      { offset: 0, limit: 100 },
      { resourceId: POSTGRES },
    )
    assert.ok(audit.items.some((e) => e.type === 'Storage Destination Settings Validation'))
    assert.doesNotMatch(JSON.stringify(audit.items), /a-long-warehouse-password/)
  })

  test('createValidationInWarehouse: DuckDB needs a writable file in the data directory', async () => {
    const ok = await sdk.unwrap(
      apis.warehouses.createValidationInWarehouse({
        metadataId: DUCKDB,
        settings: { file: 'lake/w.duckdb' },
      }),
    )
    assert.equal(String(ok.status), 'CONNECTED')

    writeFileSync(join(database.dir, 'blocker'), 'not a folder')
    const blocked = await sy.api('/warehouses/validation', {
      method: 'POST',
      body: { metadataId: DUCKDB, settings: { file: 'blocker/w.duckdb' } },
    })
    assert.equal(blocked.body.data.status, 'FAILED')
    assert.equal(blocked.body.data.error.kind, 'misconfiguration')
    assert.match(blocked.body.data.error.message, /blocker is not a folder/)

    mkdirSync(join(database.dir, 'folder.duckdb'))
    const folder = await sy.api('/warehouses/validation', {
      method: 'POST',
      body: { metadataId: DUCKDB, settings: { file: 'folder.duckdb' } },
    })
    assert.equal(folder.body.data.error.kind, 'misconfiguration')
    assert.match(folder.body.data.error.message, /folder\.duckdb exists and is not a file/)
  })

  test('a Workspace Member may read the catalog but not warehouses', async () => {
    const { secret } = await sy.switchyard.store.tokens.create({
      workspaceId,
      description: 'member',
      role: 'Workspace Member',
    })
    assert.equal((await sy.api('/catalog/warehouses', { token: secret })).status, 200)
    const r = await sy.api('/warehouses', { token: secret })
    assert.equal(r.status, 403)
    assert.match(r.body.errors[0].message, /warehouse:read/)
    const w = await sy.api('/warehouses', {
      method: 'POST',
      token: secret,
      body: { metadataId: DUCKDB, settings: {} },
    })
    assert.match(w.body.errors[0].message, /warehouse:write.*createWarehouse/)
    const v = await sy.api('/warehouses/validation', {
      method: 'POST',
      token: secret,
      body: { metadataId: DUCKDB, settings: {} },
    })
    assert.equal(v.status, 403)
  })
})
