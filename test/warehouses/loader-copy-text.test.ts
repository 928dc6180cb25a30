import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import {
  isWarehouseError,
  openWarehouseLoader,
  quoteIdentifier,
  type ColumnSpec,
  type CopyTextBatch,
  type WarehouseConnection,
  type WarehouseLoader,
} from '../../src/warehouses/loaders/index.ts'
import { schemaKey } from '../../src/warehouses/loaders/postgres/postgres-loader.ts'
import { postgresUnavailable } from '../support/services.ts'
import { createPostgresWarehouse, type TestWarehouse } from './engines.ts'

const q = (name: string) => quoteIdentifier(name, 'table', Infinity)

const COLUMNS: ColumnSpec[] = [
  { name: 'id', type: 'varchar' },
  { name: 'ts', type: 'timestamp' },
  { name: 'n', type: 'bigint' },
  { name: 's', type: 'varchar' },
]

/** A batch of COPY lines `[id, ts, n, s]` (`null` is NULL), as `planCopyBatches` makes them. */
function batch(rows: (string | null)[][], columns = COLUMNS): CopyTextBatch {
  const text = rows.map((r) => r.map((v) => v ?? '\\N').join('\t')).join('\n') + '\n'
  return { columns, rows: rows.length, text: Buffer.from(text), ids: rows.map((r) => r[0]!) }
}

describe('PostgreSQL: batches already in COPY text', { skip: await postgresUnavailable() }, () => {
  let warehouse: TestWarehouse
  let loader: WarehouseLoader
  let schemas = 0
  const freshSchema = async () => {
    const schema = `copy_text_${++schemas}`
    await loader.evolveSchema(schema, {})
    await loader.evolveSchema(schema, { createTables: [{ table: 't', columns: COLUMNS }] })
    return schema
  }
  const rows = (schema: string) => loader.query(`SELECT id, n, s FROM ${q(schema)}.${q('t')} ORDER BY id`)

  before(async () => {
    warehouse = await createPostgresWarehouse()
    loader = warehouse.open()
  })
  after(async () => {
    await loader?.close()
    await warehouse?.drop()
  })

  test('events go straight into the table; ids it has are left out', async () => {
    const schema = await freshSchema()
    const first = batch([
      ['a', '2026-11-20T10:00:00.000Z', '1', 'x'],
      ['b', null, '2', 'tab\\there'],
    ])
    assert.deepEqual(await loader.loadCopyText!(schema, 't', first, 'first'), { inserted: 2, updated: 0 })
    // Loaded again with one new id: only that one goes in, whatever its place among the lines.
    const again = batch([
      ['b', null, '20', 'changed'],
      ['c', null, '3', null],
      ['a', null, '10', 'changed'],
    ])
    assert.deepEqual(await loader.loadCopyText!(schema, 't', again, 'first'), { inserted: 1, updated: 0 })
    assert.deepEqual(await loader.loadCopyText!(schema, 't', again, 'first'), { inserted: 0, updated: 0 })
    assert.deepEqual(await rows(schema), [
      { id: 'a', n: 1n, s: 'x' },
      { id: 'b', n: 2n, s: 'tab\there' },
      { id: 'c', n: 3n, s: null },
    ])
  })

  test('ids with a newline or a NUL are matched as stored', async () => {
    const schema = await freshSchema()
    // COPY text escapes the newline and cannot hold the NUL (`planCopyBatches` leaves it out of the text).
    const odd = { ...batch([['line\\nbreak', null, '1', null]]), ids: ['line\nbreak'] }
    const nul = { ...batch([['nul', null, '2', null]]), ids: ['n\0ul'] }
    for (const b of [odd, nul])
      assert.equal((await loader.loadCopyText!(schema, 't', b, 'first')).inserted, 1)
    for (const b of [odd, nul])
      assert.equal((await loader.loadCopyText!(schema, 't', b, 'first')).inserted, 0)
    assert.deepEqual(
      (await rows(schema)).map((r) => r.id),
      ['line\nbreak', 'nul'],
    )
  })

  test('upserts replace the columns of ids the table has; NULL keeps the stored value', async () => {
    const schema = await freshSchema()
    await loader.loadCopyText!(schema, 't', batch([['u1', null, '1', 'a']]), 'merge')
    const upsert = batch([
      ['u1', null, null, 'b'],
      ['u2', null, '2', null],
    ])
    assert.deepEqual(await loader.loadCopyText!(schema, 't', upsert, 'merge'), { inserted: 1, updated: 1 })
    assert.deepEqual(await rows(schema), [
      { id: 'u1', n: 1n, s: 'b' },
      { id: 'u2', n: 2n, s: null },
    ])
  })

  test('a table whose id is not text dedupes through the staging table', async () => {
    const schema = await freshSchema()
    const columns: ColumnSpec[] = [
      { name: 'id', type: 'bigint' },
      { name: 's', type: 'varchar' },
    ]
    await loader.evolveSchema(schema, { createTables: [{ table: 'numbered', columns }] })
    const b = batch(
      [
        ['1', 'a'],
        ['2', 'b'],
      ],
      columns,
    )
    assert.equal((await loader.loadCopyText!(schema, 'numbered', b, 'first')).inserted, 2)
    assert.equal((await loader.loadCopyText!(schema, 'numbered', b, 'first')).inserted, 0)
  })

  test('concurrent loads of the same batch insert each row once', async () => {
    const schema = await freshSchema()
    const b = batch(Array.from({ length: 500 }, (_, i) => [`id-${i}`, null, String(i), null]))
    const results = await Promise.all([1, 2, 3].map(() => loader.loadCopyText!(schema, 't', b, 'first')))
    assert.equal(
      results.reduce((n, r) => n + r.inserted, 0),
      500,
    )
    const [count] = await loader.query(`SELECT count(*) AS n FROM ${q(schema)}.${q('t')}`)
    assert.equal(count!.n, 500n)
  })

  describe('a loader remembers the ids it loads straight into a table, under a lock on the schema', () => {
    /** `sql` run by another loader, on a connection of its own (`query` makes a loader forget). */
    const aside = async (sql: string, params: (string | number)[] = []) => {
      const other = warehouse.open()
      try {
        return await other.query(sql, params)
      } finally {
        await other.close()
      }
    }
    /** What a table holds. */
    const idsIn = async (schema: string) =>
      (await aside(`SELECT id FROM ${q(schema)}.${q('t')} ORDER BY id`)).map((r) => r.id)
    const line = (id: string) => [id, null, '1', null]

    test('its own rows are not read again; the rows the table had before are', async () => {
      const schema = await freshSchema()
      const earlier = warehouse.open()
      await earlier.loadCopyText!(schema, 't', batch([line('p1'), line('p2')]), 'first')
      await earlier.close()
      const own = warehouse.open()
      try {
        assert.equal(
          (await own.loadCopyText!(schema, 't', batch([line('a'), line('p1')]), 'first')).inserted,
          1,
        )
        // Taken out behind its back: it goes by what it loaded, not by reading its rows again.
        await aside(`DELETE FROM ${q(schema)}.${q('t')} WHERE id = 'a'`)
        const next = batch([line('a'), line('b'), line('p2')])
        assert.equal((await own.loadCopyText!(schema, 't', next, 'first')).inserted, 1)
        assert.deepEqual(await idsIn(schema), ['b', 'p1', 'p2'])
      } finally {
        await own.close()
      }
    })

    test('a table rewritten meanwhile (VACUUM FULL, CLUSTER) is measured again', async () => {
      const schema = await freshSchema()
      const own = warehouse.open()
      try {
        await own.loadCopyText!(schema, 't', batch([line('a'), line('b')]), 'first')
        await aside(`DELETE FROM ${q(schema)}.${q('t')} WHERE id = 'a'`)
        await aside(`VACUUM FULL ${q(schema)}.${q('t')}`)
        // Its memory of the table is dropped with the old file: the table is looked up whole.
        assert.equal(
          (await own.loadCopyText!(schema, 't', batch([line('a'), line('b')]), 'first')).inserted,
          1,
        )
        assert.deepEqual(await idsIn(schema), ['a', 'b'])
      } finally {
        await own.close()
      }
    })

    test('rows it adds another way are looked up', async () => {
      const schema = await freshSchema()
      const own = warehouse.open()
      try {
        await own.loadCopyText!(schema, 't', batch([line('a')]), 'first')
        await own.load(schema, 't', COLUMNS, [{ id: 'b', n: 2 }])
        assert.equal(
          (await own.loadCopyText!(schema, 't', batch([line('b'), line('c')]), 'first')).inserted,
          1,
        )
        assert.deepEqual(await idsIn(schema), ['a', 'b', 'c'])
      } finally {
        await own.close()
      }
    })

    test('one loader loads a schema at a time; the next waits, up to its timeout', async () => {
      const schema = await freshSchema()
      const first = warehouse.open()
      const second = openWarehouseLoader({
        ...(warehouse.connection as WarehouseConnection & { engine: 'postgres' }),
        schemaLockTimeoutMs: 200,
      })
      try {
        await first.loadCopyText!(schema, 't', batch([line('a')]), 'first')
        await assert.rejects(
          second.loadCopyText!(schema, 't', batch([line('a'), line('b')]), 'first'),
          (e) => {
            assert.ok(isWarehouseError(e))
            assert.equal(e.kind, 'transient')
            assert.equal(e.retryable, true)
            assert.match(e.message, new RegExp(`loading schema "${schema}"`))
            return true
          },
        )
        await first.close()
        // Released with its loader: the next one loads, and finds what the first loaded.
        assert.equal(
          (await second.loadCopyText!(schema, 't', batch([line('a'), line('b')]), 'first')).inserted,
          1,
        )
        assert.deepEqual(await idsIn(schema), ['a', 'b'])
      } finally {
        await first.close()
        await second.close()
      }
    })

    test('a lock lost with its connection: no load writes without it, the next takes it again', async () => {
      const schema = await freshSchema()
      const key = schemaKey(schema) >>> 0
      const holders = () =>
        aside(
          `SELECT pid FROM pg_locks
           WHERE locktype = 'advisory' AND classid = 1398361667 AND objid = $1 AND objsubid = 2 AND granted`,
          [key],
        )
      const own = warehouse.open()
      try {
        await own.loadCopyText!(schema, 't', batch([line('a')]), 'first')
        const [first] = await holders()
        // Waits for the backend to end (up to 5 s), so that its locks are gone.
        const terminated = await aside('SELECT pg_terminate_backend($1, 5000) AS done', [
          first!.pid as number,
        ])
        assert.deepEqual(terminated, [{ done: true }])
        // A load that runs before the loader hears of it is refused by the check under the table lock;
        // once it has, the lock is taken again on a new session and the table measured again.
        let loadedB = 0
        try {
          loadedB = (await own.loadCopyText!(schema, 't', batch([line('b')]), 'first')).inserted
        } catch (e) {
          assert.ok(isWarehouseError(e))
          assert.equal(e.retryable, true)
          assert.match(e.message, /lock on schema .* was lost/)
        }
        const again = await own.loadCopyText!(schema, 't', batch([line('a'), line('b'), line('c')]), 'first')
        assert.equal(again.inserted, loadedB === 1 ? 1 : 2)
        assert.deepEqual(await idsIn(schema), ['a', 'b', 'c'])
        const [second] = await holders()
        assert.ok(second !== undefined && second.pid !== first!.pid)
      } finally {
        await own.close()
      }
      assert.deepEqual(await holders(), [])
    })
  })

  test('a value the column refuses loads nothing of the batch', async () => {
    const schema = await freshSchema()
    const bad = batch([
      ['ok', null, '1', null],
      ['bad', 'not a time', '2', null],
    ])
    await assert.rejects(loader.loadCopyText!(schema, 't', bad, 'first'), (e) => {
      assert.ok(isWarehouseError(e))
      assert.equal(e.kind, 'data')
      return true
    })
    assert.deepEqual(await rows(schema), [])
  })
})
