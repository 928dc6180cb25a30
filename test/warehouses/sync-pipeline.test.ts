import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { createLogger } from '../../src/server/index.ts'
import { openStore, resolveSecretKey, type Store } from '../../src/store/index.ts'
import { openStream, type EventStream } from '../../src/stream/index.ts'
import { warehouseTopic } from '../../src/pipeline/index.ts'
import {
  openWarehouseLoader,
  runWarehouseSync,
  WAREHOUSE_SYNC_GROUP,
  type SyncRunOptions,
  type SyncRunResult,
} from '../../src/warehouses/index.ts'
import {
  createPostgresDatabase,
  postgresUnavailable,
  postgresWarehouseSettings,
  tempDir,
  type TestDatabase,
} from '../support/services.ts'

/**
 * The sync's pipeline (chunks read ahead, built in threads or in the sync's own thread, two at once with
 * plans restated on the schema of the chunk before) loads exactly what one chunk at a time loads: the
 * same tables, columns, types and rows, whatever the chunk sizes and threads.
 */
const MESSAGES = 3000
const at = '2026-11-20T10:00:00.000Z'

function messages(sourceId: string, workspaceId: string) {
  const out = []
  for (let i = 0; i < MESSAGES; i++) {
    const late = i > MESSAGES / 2
    const message =
      i % 7 === 0
        ? {
            type: 'identify',
            userId: `u-${i % 40}`,
            // A trait that only later chunks send, and one whose values change type.
            traits: { plan: i % 2 ? 'pro' : 'free', logins: i, ...(late && { seats: `${i % 5}` }) },
          }
        : {
            type: 'track',
            userId: i % 3 ? `u-${i % 40}` : undefined,
            anonymousId: `a-${i}`,
            event: ['Product Viewed', 'Order Completed', 'Signed Up'][i % 3],
            properties: {
              n: i,
              // A string in early chunks, a number later: later chunks are cast to the first type.
              code: late ? i : `c${i}`,
              ...(i % 11 === 0 && { rare: true }),
              ...(late && { added_later: { nested: `v${i}` } }),
              // New in the first chunks, with first values of other types in the first and second
              // chunk of 300: the second chunk's plan, made ahead, does not stand and is made again.
              ...(i < 600 && { mixed_a: i % 2 === 0 ? i : `s${i}`, mixed_b: i % 2 === 0 ? `s${i}` : i }),
              text: i % 13 === 0 ? 'tab\there, back\\slash' : `t${i}`,
              items: [{ sku: `s${i % 9}` }],
            },
            context: { ip: '203.0.113.9', page: { path: `/p/${i % 17}` } },
          }
    out.push({ ...message, messageId: `m-${i}`, receivedAt: at, timestamp: at, sentAt: at })
  }
  // Messages staged twice, in other chunks: loaded once.
  for (let i = 0; i < 200; i += 3) out.push(out[i]!)
  return out.map((message) => ({ key: sourceId, value: JSON.stringify({ sourceId, workspaceId, message }) }))
}

const variants: { name: string; options: Partial<SyncRunOptions> }[] = [
  { name: 'one chunk, built in the sync thread', options: { chunkRecords: 100_000, buildThreads: 0 } },
  { name: 'small chunks, sync thread only', options: { chunkRecords: 500, buildThreads: 0 } },
  {
    // Chunks wait for the one thread: two sent off at once.
    name: 'small chunks, one build thread',
    options: { chunkRecords: 400, buildThreads: 1, workerMinRecords: 0 },
  },
  {
    // Two chunks always built at once in threads: the later one's plan is made ahead.
    name: 'small chunks, two build threads',
    options: { chunkRecords: 300, buildThreads: 2, workerMinRecords: 0 },
  },
]

describe(
  'the sync pipeline loads what one chunk at a time loads',
  { skip: await postgresUnavailable() },
  () => {
    const dataDir = tempDir()
    let store: Store
    const databases: TestDatabase[] = []

    before(async () => {
      store = openStore({
        target: { kind: 'sqlite', path: join(dataDir, 'switchyard.db') },
        secretKey: resolveSecretKey(undefined, dataDir).key,
      })
      await store.migrate()
    })
    after(async () => {
      await store?.close()
      for (const database of databases) await database.drop()
    })

    /** Runs a sync of the messages into a fresh database with `options`; `check` sees its outcome. */
    async function runSync<T>(
      options: Partial<SyncRunOptions>,
      check: (result: SyncRunResult, database: TestDatabase, position: number) => Promise<T>,
    ): Promise<T> {
      const database = await createPostgresDatabase()
      databases.push(database)
      const workspace = await store.workspaces.create({
        slug: `w${databases.length}`,
        name: `W ${databases.length}`,
      })
      const source = await store.sources.create({
        workspaceId: workspace.id,
        slug: 'app',
        name: 'App',
        enabled: true,
        metadataId: 'IqDTy1TpoU',
        settings: {},
      })
      const warehouse = await store.warehouses.create({
        workspaceId: workspace.id,
        metadataId: '55d3d3aea3c',
        name: 'PG',
        enabled: true,
        settings: postgresWarehouseSettings(database.url!),
      })
      await store.warehouses.connectSource(workspace.id, warehouse.id, source.id)
      const stream: EventStream = await openStream({ kind: 'sqlite', dataDir: join(dataDir, warehouse.id) })
      try {
        const topic = warehouseTopic(warehouse.id)
        await stream.append(topic, messages(source.id, workspace.id))
        await stream.commit(topic, WAREHOUSE_SYNC_GROUP, 0)
        const { sync: requested } = await store.warehouseSyncs.request({
          workspaceId: workspace.id,
          warehouseId: warehouse.id,
          trigger: 'manual',
          requestedBy: 'test',
        })
        const sync = await store.warehouseSyncs.claim('test', 60_000)
        assert.equal(sync?.id, requested.id)
        const result = await runWarehouseSync({
          store,
          stream,
          warehouse,
          sync: sync!,
          topic,
          dataDir,
          owner: 'test',
          leaseMs: 60_000,
          logger: createLogger('silent'),
          ...options,
        })
        return await check(result, database, await stream.position(topic, WAREHOUSE_SYNC_GROUP))
      } finally {
        await stream.close()
      }
    }

    /** Syncs the messages into a fresh database with `options`: every table's rows, sorted, and the report. */
    function syncWith(options: Partial<SyncRunOptions>) {
      return runSync(options, async (result, database, position) => {
        assert.equal(result.status, 'success', JSON.stringify(result.error ?? result.reports))
        assert.equal(position, MESSAGES + 67)
        const loader = openWarehouseLoader({ engine: 'postgres', url: database.url! })
        try {
          const schema = await loader.describe('app')
          const tables: Record<string, { columns: Record<string, string>; rows: unknown[] }> = {}
          for (const [table, columns] of [...schema].sort(([a], [b]) => a.localeCompare(b))) {
            const names = [...columns.keys()].sort()
            const list = names.map((n) => `"${n}"`).join(', ')
            const rows = await loader.query(`SELECT ${list} FROM app."${table}" ORDER BY id`)
            tables[table] = {
              columns: Object.fromEntries(names.map((n) => [n, columns.get(n)!])),
              rows: rows.map((r) => ({ ...r, uuid_ts: undefined })),
            }
          }
          // Rows inserted per table (upserted tables count updates too, which depend on the chunks).
          const { users: _users, ...inserted } = result.reports[0]!.tables
          return { tables, inserted }
        } finally {
          await loader.close()
        }
      })
    }

    let expected: Awaited<ReturnType<typeof syncWith>>
    for (const [i, variant] of variants.entries()) {
      test(variant.name, async () => {
        const got = await syncWith(variant.options)
        if (i === 0) {
          expected = got
          assert.equal(Object.keys(got.tables).length, 6)
          assert.equal(got.tables.users!.rows.length, 40)
          assert.equal(got.tables.tracks!.rows.length, MESSAGES - Math.ceil(MESSAGES / 7))
          // The first type of a column stays: later numbers are cast to text.
          assert.equal(got.tables.order_completed!.columns.code, 'varchar')
          return
        }
        assert.deepEqual(got.tables, expected.tables)
        assert.deepEqual(got.inserted, expected.inserted)
      })
    }

    test('a control-plane write that fails while the next chunk loads fails the sync, no further', async () => {
      // Reports are written behind the loads: the second report write fails while a later chunk loads.
      let reportWrites = 0
      const syncs = store.warehouseSyncs
      const failing = new Proxy(store, {
        get: (target, property) =>
          property === 'warehouseSyncs'
            ? new Proxy(syncs, {
                get: (inner, name) =>
                  name === 'saveReport'
                    ? async (...args: Parameters<typeof syncs.saveReport>) => {
                        if (++reportWrites === 2) throw new Error('control plane unavailable')
                        return syncs.saveReport(...args)
                      }
                    : (Reflect.get(inner, name, inner) as unknown),
              })
            : (Reflect.get(target, property, target) as unknown),
      })
      const outcome = await runSync(
        { store: failing, chunkRecords: 300 },
        async (result, _database, position) => ({
          result,
          position,
        }),
      )
      // What was loaded stays loaded: the sync ends partial, with the write's error.
      assert.equal(outcome.result.status, 'partial')
      assert.match(outcome.result.error?.message ?? '', /control plane unavailable/)
      // The run stopped at the next chunk: the chunks after it were neither loaded nor committed.
      assert.ok(outcome.position > 0 && outcome.position < 1500, `position ${outcome.position}`)
    })
  },
)
