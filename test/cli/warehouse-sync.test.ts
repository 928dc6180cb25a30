import assert from 'node:assert/strict'
import { rmSync } from 'node:fs'
import { after, before, describe, test } from 'node:test'
import { syncProgressLine, warehouseSync } from '../../src/cli/warehouse-sync.ts'
import { loadConfig } from '../../src/config/index.ts'
import { warehouseOfTopic, warehouseTopic } from '../../src/pipeline/index.ts'
import { createLogger, openMigratedStore } from '../../src/server/index.ts'
import type { Store } from '../../src/store/index.ts'
import { openStream, type EventStream } from '../../src/stream/index.ts'
import { WarehouseSyncService } from '../../src/warehouses/index.ts'
import { tempDir } from '../support/services.ts'

describe('switchyard warehouse-sync', () => {
  const dataDir = tempDir()
  const config = loadConfig({ env: { SWITCHYARD_DATA_DIR: dataDir } })
  let store: Store
  let stream: EventStream
  let service: WarehouseSyncService
  let warehouseId: string

  before(async () => {
    store = await openMigratedStore(config, createLogger('silent'))
    const workspace = await store.workspaces.create({ slug: 'w', name: 'W' })
    const source = await store.sources.create({
      workspaceId: workspace.id,
      slug: 'cli',
      name: 'CLI',
      enabled: true,
      metadataId: 'IqDTy1TpoU',
      settings: {},
    })
    const warehouse = await store.warehouses.create({
      workspaceId: workspace.id,
      metadataId: 'switchyard-duckdb',
      name: 'DuckDB',
      enabled: true,
      settings: { file: 'warehouse.duckdb' },
    })
    warehouseId = warehouse.id
    await store.warehouses.connectSource(workspace.id, warehouse.id, source.id)
    stream = await openStream({ kind: 'sqlite', dataDir })
    const at = '2026-11-20T10:00:00.000Z'
    await stream.append(
      warehouseTopic(warehouse.id),
      Array.from({ length: 30 }, (_, i) => ({
        key: source.id,
        value: JSON.stringify({
          sourceId: source.id,
          workspaceId: workspace.id,
          message: {
            type: 'track',
            event: 'Signed Up',
            messageId: `m${i}`,
            userId: 'u',
            receivedAt: at,
            timestamp: at,
          },
        }),
      })),
    )
    service = new WarehouseSyncService({
      store,
      stream,
      dataDir,
      topicOf: warehouseTopic,
      warehouseOfTopic,
      logger: createLogger('silent'),
      pollMs: 50,
      schedule: false,
    })
    service.start()
  })
  after(async () => {
    await service?.stop()
    await stream?.close()
    await store?.close()
    rmSync(dataDir, { recursive: true, force: true })
  })

  test('asks for a sync, shows its progress, then rows per table; exit status 0', async () => {
    const lines: string[] = []
    const status = await warehouseSync(
      config,
      { warehouse: warehouseId },
      { write: (t) => void lines.push(t) },
      50,
    )
    const output = lines.join('')
    assert.equal(status, 0, output)
    assert.match(output, /^Sync \w+ of warehouse "DuckDB" \(\w+\) requested\.\n/)
    assert.match(output, /\[#{30}\] 100% {2}30\/30 messages, 60 rows {2}success\n/)
    assert.match(output, /: success, 60 rows \(tracks 30, signed_up 30\)\n/)
  })

  test('an unknown warehouse is a usage error', async () => {
    await assert.rejects(
      warehouseSync(config, { warehouse: 'nope' }, { write: () => {} }),
      /No warehouse with id nope/,
    )
    await assert.rejects(warehouseSync(config, {}, { write: () => {} }), /needs --warehouse/)
  })

  test('the progress line', () => {
    const line = (status: string, done: number, total: number) =>
      syncProgressLine(
        { status: status as 'running', recordsDone: done, recordsTotal: total, rowsLoaded: done * 2 },
        10,
      )
    assert.equal(line('pending', 0, 0), '[----------]   0%  0/0 messages, 0 rows  pending')
    assert.equal(line('running', 50, 200), '[###-------]  25%  50/200 messages, 100 rows  running')
    assert.equal(line('success', 0, 0), '[##########] 100%  0/0 messages, 0 rows  success')
    assert.equal(line('failure', 10, 200), '[#---------]   5%  10/200 messages, 20 rows  failure')
  })
})
