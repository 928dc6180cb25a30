import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import {
  isWarehouseError,
  quoteIdentifier,
  type ColumnSpec,
  type CopyTextBatch,
  type WarehouseLoader,
} from '../../src/warehouses/loaders/index.ts'
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
