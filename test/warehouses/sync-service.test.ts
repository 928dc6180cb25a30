import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { warehouseOfTopic, warehouseTopic } from '../../src/pipeline/index.ts'
import { createLogger } from '../../src/server/index.ts'
import { openStore, resolveSecretKey, type Store } from '../../src/store/index.ts'
import { openStream, type EventStream } from '../../src/stream/index.ts'
import { WAREHOUSE_SYNC_GROUP, WarehouseSyncService } from '../../src/warehouses/index.ts'
import { tempDir } from '../support/services.ts'

describe('the warehouse sync service', () => {
  const dataDir = tempDir()
  const target = { kind: 'sqlite' as const, path: join(dataDir, 'switchyard.db') }
  const secretKey = resolveSecretKey(undefined, dataDir).key
  let store: Store
  let stream: EventStream
  let service: WarehouseSyncService
  let workspaceId: string
  let warehouseId: string

  before(async () => {
    store = openStore({ target, secretKey })
    await store.migrate()
    workspaceId = (await store.workspaces.create({ slug: 'w', name: 'W' })).id
    // Created three minutes ago, syncing every minute: its first slot has passed.
    const past = openStore({ target, secretKey, now: () => new Date(Date.now() - 3 * 60_000) })
    warehouseId = (
      await past.warehouses.create({
        workspaceId,
        metadataId: 'switchyard-duckdb',
        name: 'DuckDB',
        enabled: true,
        settings: { file: 'warehouse.duckdb', syncIntervalMinutes: 1 },
      })
    ).id
    await past.close()
    stream = await openStream({ kind: 'sqlite', dataDir })
    service = new WarehouseSyncService({
      store,
      stream,
      dataDir,
      topicOf: warehouseTopic,
      warehouseOfTopic,
      logger: createLogger('silent'),
    })
  })
  after(async () => {
    await stream?.close()
    await store?.close()
  })

  test('asks for a scheduled sync once per slot and runs it', async () => {
    assert.equal(await service.runOnce(), true, 'the due slot is synced')
    const { items } = await store.warehouseSyncs.list(workspaceId, warehouseId, { offset: 0, limit: 10 })
    assert.deepEqual(
      items.map((s) => [s.trigger, s.status, s.requestedBy]),
      [['scheduled', 'success', 'scheduler']],
    )
    assert.equal(await service.runOnce(), false, 'the same slot is not synced twice')
  })

  test('a second request joins the waiting sync', async () => {
    const first = await store.warehouseSyncs.request({
      workspaceId,
      warehouseId,
      trigger: 'manual',
      requestedBy: 'a',
    })
    const second = await store.warehouseSyncs.request({
      workspaceId,
      warehouseId,
      trigger: 'manual',
      requestedBy: 'b',
    })
    assert.equal(first.created, true)
    assert.equal(second.created, false)
    assert.equal(second.sync.id, first.sync.id)
    assert.equal(await service.runOnce(), true)
    const third = await store.warehouseSyncs.request({
      workspaceId,
      warehouseId,
      trigger: 'manual',
      requestedBy: 'c',
    })
    assert.equal(third.created, true, 'once it ended, a new one can wait')
    assert.equal(await service.runOnce(), true)
  })

  test('history older than the retention is pruned with its reports', async () => {
    const before = await store.warehouseSyncs.list(workspaceId, warehouseId, { offset: 0, limit: 10 })
    assert.ok(before.total >= 3)
    assert.equal(await store.warehouseSyncs.prune(new Date(Date.now() - 86_400_000).toISOString()), 0)
    assert.equal(await store.warehouseSyncs.prune(new Date(Date.now() + 1000).toISOString()), before.total)
    const reports = await store.warehouseSyncs.listReports(
      workspaceId,
      warehouseId,
      {},
      { offset: 0, limit: 10 },
    )
    assert.equal(reports.total, 0)
  })

  test("a deleted warehouse's staging is released so retention can delete it", async () => {
    await stream.append(warehouseTopic('gone'), [{ key: 's', value: 'x' }])
    await stream.commit(warehouseTopic('gone'), WAREHOUSE_SYNC_GROUP, 0)
    await stream.commit(warehouseTopic(warehouseId), WAREHOUSE_SYNC_GROUP, 0)
    assert.deepEqual(await service.releaseDeletedStaging(), [warehouseTopic('gone')])
    const topics = (await stream.stats()).topics
    assert.deepEqual(topics.find((t) => t.topic === warehouseTopic('gone'))?.groups, [])
    assert.equal(topics.find((t) => t.topic === warehouseTopic(warehouseId))?.groups.length, 1)
  })
})
