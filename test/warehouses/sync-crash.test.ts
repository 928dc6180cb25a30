import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { createLogger } from '../../src/server/index.ts'
import { openStore, resolveSecretKey, type Store } from '../../src/store/index.ts'
import { openStream, type EventStream } from '../../src/stream/index.ts'
import { warehouseOfTopic, warehouseTopic } from '../../src/pipeline/index.ts'
import {
  openWarehouseLoader,
  WarehouseSyncService,
  type WarehouseLoader,
} from '../../src/warehouses/index.ts'
import {
  createPostgresDatabase,
  postgresUnavailable,
  postgresWarehouseSettings,
  tempDir,
  type TestDatabase,
} from '../support/services.ts'

/** Counts rows and distinct ids of a table in the source's schema `app`. */
const counter = (open: () => WarehouseLoader) => async (table: string) => {
  const loader = open()
  try {
    const [row] = await loader.query(`SELECT count(*) AS n, count(DISTINCT id) AS d FROM app.${table}`)
    return { n: Number(row!.n), d: Number(row!.d) }
  } finally {
    await loader.close()
  }
}

const REPO = join(import.meta.dirname, '..', '..')
const MESSAGES = 2400
const CHUNK = 400

/**
 * Staged envelopes: tracks of two events and identifies of 50 users, plus (with `repeats`) 100 repeats
 * of earlier ids, which the warehouse loads dedupe.
 */
function stagedMessages(sourceId: string, workspaceId: string, repeats: boolean) {
  const at = '2026-11-20T10:00:00.000Z'
  const messages = Array.from({ length: MESSAGES }, (_, i) =>
    i % 3 === 0
      ? { type: 'identify', messageId: `m-${i}`, userId: `u-${i % 50}`, traits: { n: i } }
      : {
          type: 'track',
          messageId: `m-${i}`,
          userId: `u-${i % 50}`,
          event: i % 2 ? 'Clicked' : 'Viewed',
          properties: { n: i },
        },
  )
  // A message staged twice (a replay, a retried process stage) must still be one row.
  return [...messages, ...(repeats ? messages.slice(0, 100) : [])].map((m) => ({
    key: sourceId,
    value: JSON.stringify({
      sourceId,
      workspaceId,
      message: { ...m, receivedAt: at, timestamp: at, sentAt: at, originalTimestamp: at },
    }),
  }))
}

const engines = [
  { name: 'DuckDB', skip: undefined as string | undefined },
  { name: 'PostgreSQL', skip: await postgresUnavailable() },
  { name: 'Data Lake', skip: undefined as string | undefined },
]

for (const engine of engines) {
  describe(`a sync killed half way (${engine.name})`, { skip: engine.skip }, () => {
    const dataDir = tempDir()
    let store: Store
    let stream: EventStream
    let pg: TestDatabase | undefined
    let warehouseId: string
    let workspaceId: string
    let sourceId: string
    /** Rows and distinct ids of a table (a lake's segment type) as the warehouse holds them. */
    let count: (table: string) => Promise<{ n: number; d: number }>
    const lake = engine.name === 'Data Lake'

    before(async () => {
      store = openStore({
        target: { kind: 'sqlite', path: join(dataDir, 'switchyard.db') },
        secretKey: resolveSecretKey(undefined, dataDir).key,
      })
      await store.migrate()
      const workspace = await store.workspaces.create({ slug: 'w', name: 'W' })
      workspaceId = workspace.id
      const source = await store.sources.create({
        workspaceId,
        slug: 'app',
        name: 'App',
        enabled: true,
        metadataId: 'IqDTy1TpoU',
        settings: {},
      })
      sourceId = source.id
      if (engine.name === 'PostgreSQL') {
        pg = await createPostgresDatabase()
        const warehouse = await store.warehouses.create({
          workspaceId,
          metadataId: '55d3d3aea3c',
          name: 'PG',
          enabled: true,
          settings: postgresWarehouseSettings(pg.url!),
        })
        warehouseId = warehouse.id
        count = counter(() => openWarehouseLoader({ engine: 'postgres', url: pg!.url! }))
      } else if (lake) {
        const warehouse = await store.warehouses.create({
          workspaceId,
          metadataId: 'switchyard-data-lake',
          name: 'Lake',
          enabled: true,
          settings: { directory: 'lake' },
        })
        warehouseId = warehouse.id
        count = async (table) => {
          const files = join(
            dataDir,
            'lake',
            'data',
            sourceId,
            `segment_type=${table}`,
            '*',
            '*',
            '*.parquet',
          )
          const reader = openWarehouseLoader({ engine: 'duckdb', path: join(dataDir, 'reader.duckdb') })
          try {
            const [row] = await reader.query(
              `SELECT count(*) AS n, count(DISTINCT id) AS d FROM read_parquet('${files}', hive_partitioning = true)`,
            )
            return { n: Number(row!.n), d: Number(row!.d) }
          } finally {
            await reader.close()
          }
        }
      } else {
        const warehouse = await store.warehouses.create({
          workspaceId,
          metadataId: 'switchyard-duckdb',
          name: 'DuckDB',
          enabled: true,
          settings: { file: 'warehouse.duckdb' },
        })
        warehouseId = warehouse.id
        count = counter(() =>
          openWarehouseLoader({ engine: 'duckdb', path: join(dataDir, 'warehouse.duckdb') }),
        )
      }
      await store.warehouses.connectSource(workspaceId, warehouseId, sourceId)
      const writer = await openStream({ kind: 'sqlite', dataDir })
      await writer.append(warehouseTopic(warehouseId), stagedMessages(sourceId, workspaceId, !lake))
      await writer.close()
    })
    after(async () => {
      await stream?.close()
      await store?.close()
      await pg?.drop()
    })

    test('leaves no duplicates and loses no rows; the next sync completes the work', async () => {
      const { sync: first } = await store.warehouseSyncs.request({
        workspaceId,
        warehouseId,
        trigger: 'manual',
        requestedBy: 'test',
      })
      // Chunks 1 and 2 are loaded and committed; chunk 3 is loaded, then the process dies.
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', 'test/warehouses/crash-sync.ts', dataDir, String(CHUNK), '3'],
        { cwd: REPO, stdio: ['ignore', 'pipe', 'inherit'] },
      )
      let output = ''
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
      const signal = await new Promise<NodeJS.Signals | null>((resolve) =>
        child.once('exit', (_code, s) => resolve(s)),
      )
      assert.equal(signal, 'SIGKILL', output)
      assert.match(output, /killed after chunk 3/)

      const before = await count(lake ? 'identify' : 'tracks')
      assert.ok(before.n > 0, 'the killed sync loaded rows')

      stream = await openStream({ kind: 'sqlite', dataDir })
      const service = new WarehouseSyncService({
        store,
        stream,
        dataDir,
        topicOf: warehouseTopic,
        warehouseOfTopic,
        logger: createLogger('silent'),
        chunkRecords: CHUNK,
        schedule: false,
      })
      // The killed sync's lease runs out; the service then ends it as interrupted.
      await new Promise((r) => setTimeout(r, 1200))
      assert.equal(await service.runOnce(), false)
      const interrupted = (await store.warehouseSyncs.get(workspaceId, first.id))!
      assert.equal(interrupted.status, 'partial')
      assert.equal(interrupted.error?.kind, 'interrupted')
      assert.match(interrupted.error!.hint!, /next sync/)

      await store.warehouseSyncs.request({ workspaceId, warehouseId, trigger: 'manual', requestedBy: 'test' })
      assert.equal(await service.runOnce(), true)
      const { items } = await store.warehouseSyncs.list(workspaceId, warehouseId, { offset: 0, limit: 10 })
      assert.deepEqual(
        items.map((s) => s.status),
        ['success', 'partial'],
      )
      assert.equal(
        await stream.position(warehouseTopic(warehouseId), 'warehouse-sync'),
        MESSAGES + (lake ? 0 : 100),
      )
      assert.equal(await store.warehouseSyncs.pendingChunk(warehouseId), undefined)

      const sent = Array.from({ length: MESSAGES }, (_, i) => i)
      const tracks = sent.filter((i) => i % 3 !== 0)
      const clicked = tracks.filter((i) => i % 2 === 1).length
      const expected: [string, number][] = lake
        ? [
            ['identify', MESSAGES - tracks.length],
            ['clicked', clicked],
            ['viewed', tracks.length - clicked],
          ]
        : [
            ['tracks', tracks.length],
            ['identifies', MESSAGES - tracks.length],
            ['clicked', clicked],
            ['viewed', tracks.length - clicked],
            ['users', 50],
          ]
      for (const [table, rows] of expected) {
        const { n, d } = await count(table)
        assert.equal(n, rows, `${table}: rows`)
        assert.equal(d, rows, `${table}: distinct ids`)
      }
      if (lake) {
        const reports = readdirSync(join(dataDir, 'lake', 'reports'), { recursive: true }).filter((f) =>
          String(f).endsWith('report.json'),
        )
        assert.ok(reports.length >= MESSAGES / CHUNK, `a report per run: ${reports.length}`)
      }
    })
  })
}
