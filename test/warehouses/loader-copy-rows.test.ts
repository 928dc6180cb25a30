import assert from 'node:assert/strict'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { after, before, describe, test } from 'node:test'
import pg from 'pg'
import { from as copyFrom } from 'pg-copy-streams'
import {
  isWarehouseError,
  openWarehouseLoader,
  quoteIdentifier,
  type ColumnSpec,
  type CopyRowsBatch,
  type LoadRow,
  type WarehouseConnection,
  type WarehouseLoader,
} from '../../src/warehouses/loaders/index.ts'
import { copyBinaryChunks } from '../../src/warehouses/loaders/postgres/postgres-copy-binary.ts'
import { copyTextChunks } from '../../src/warehouses/loaders/postgres/postgres-copy.ts'
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

/** A batch of binary COPY rows `[id, ts, n, s]` (`null` is NULL), as `planCopyBatches` makes them. */
function batch(rows: (string | null)[][], columns = COLUMNS): CopyRowsBatch {
  const objects = rows.map((r) => Object.fromEntries(columns.map((c, i) => [c.name, r[i] ?? null])))
  const data = Buffer.concat([...copyBinaryChunks('t', columns, objects)])
  return { columns, rows: rows.length, data, ids: rows.map((r) => r[0]!) }
}

describe('PostgreSQL: batches already in COPY rows', { skip: await postgresUnavailable() }, () => {
  let warehouse: TestWarehouse
  let loader: WarehouseLoader
  let schemas = 0
  const freshSchema = async () => {
    const schema = `copy_rows_${++schemas}`
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
      ['b', null, '2', 'tab\there'],
    ])
    assert.deepEqual(await loader.loadCopyRows!(schema, 't', first, 'first'), { inserted: 2, updated: 0 })
    // Loaded again with one new id: only that one goes in, whatever its place among the lines.
    const again = batch([
      ['b', null, '20', 'changed'],
      ['c', null, '3', null],
      ['a', null, '10', 'changed'],
    ])
    assert.deepEqual(await loader.loadCopyRows!(schema, 't', again, 'first'), { inserted: 1, updated: 0 })
    assert.deepEqual(await loader.loadCopyRows!(schema, 't', again, 'first'), { inserted: 0, updated: 0 })
    assert.deepEqual(await rows(schema), [
      { id: 'a', n: 1n, s: 'x' },
      { id: 'b', n: 2n, s: 'tab\there' },
      { id: 'c', n: 3n, s: null },
    ])
  })

  /** `sql` run by another loader, on a connection of its own (`query` makes a loader forget). */
  const aside = async (sql: string, params: (string | number)[] = []) => {
    const other = warehouse.open()
    try {
      return await other.query(sql, params)
    } finally {
      await other.close()
    }
  }
  /** `work` on a client of the test's own (for what a loader does not do: a COPY of text). */
  const outside = async <T extends Record<string, unknown>>(
    work: (client: pg.Client) => Promise<T[]>,
  ): Promise<T[]> => {
    const client = new pg.Client({ connectionString: (warehouse.connection as { url: string }).url })
    await client.connect()
    try {
      return await work(client)
    } finally {
      await client.end()
    }
  }

  test('rows in the binary form store what COPY text stores, value for value', async () => {
    const schema = await freshSchema()
    const columns: ColumnSpec[] = [
      { name: 'id', type: 'varchar' },
      { name: 'ts', type: 'timestamp' },
      { name: 'n', type: 'bigint' },
      { name: 'd', type: 'double' },
      { name: 'b', type: 'boolean' },
      { name: 's', type: 'varchar' },
    ]
    await loader.evolveSchema(schema, {
      createTables: [
        { table: 'binary', columns },
        { table: 'text', columns },
      ],
    })
    const typed: LoadRow[] = [
      {
        id: 'a',
        ts: '0001-01-01T00:00:00.000Z',
        n: '9223372036854775807',
        d: 1.7976931348623157e308,
        b: true,
        s: 'ünï 😀\ttab\nline\\',
      },
      { id: 'b', ts: '1999-12-31T23:59:59.999999Z', n: '-9223372036854775808', d: -0, b: false, s: 'n\0ul' },
      { id: 'c', ts: '9999-12-31T23:59:59.999999Z', n: 2 ** 53 + 2, d: 5e-324, b: null, s: '' },
      { id: 'd', ts: '2026-11-20T08:00:00.123Z', n: -1, d: 0.1, b: true, s: '\\N' },
      { id: 'e', ts: null, n: null, d: null, b: null, s: null },
    ]
    const data = Buffer.concat([...copyBinaryChunks('binary', columns, typed)])
    const ids = typed.map((r) => String(r.id))
    const loaded = await loader.loadCopyRows!(
      schema,
      'binary',
      { columns, rows: typed.length, data, ids },
      'first',
    )
    assert.equal(loaded.inserted, typed.length)
    const [same] = await outside(async (client) => {
      const text = [...copyTextChunks('text', columns, typed)]
      await pipeline(Readable.from(text), client.query(copyFrom(`COPY ${q(schema)}.${q('text')} FROM STDIN`)))
      const rowsOf = (table: string) =>
        `SELECT array_agg(t::text ORDER BY id) FROM ${q(schema)}.${q(table)} t`
      return (await client.query(`SELECT (${rowsOf('binary')}) AS binary, (${rowsOf('text')}) AS text`)).rows
    })
    assert.equal(same!.binary.length, typed.length)
    assert.deepEqual(same!.binary, same!.text)
  })

  test('columns changed by hand to other types get the rows as COPY text', async () => {
    const schema = await freshSchema()
    const table = `${q(schema)}.${q('t')}`
    await aside(`ALTER TABLE ${table} ALTER COLUMN n TYPE integer, ALTER COLUMN s TYPE jsonb USING s::jsonb`)
    const b = batch([
      ['a', '2026-11-20T10:00:00.000Z', '7', '{"plan": "pro"}'],
      ['b', null, '-8', null],
    ])
    assert.equal((await loader.loadCopyRows!(schema, 't', b, 'first')).inserted, 2)
    assert.deepEqual(
      await loader.query(`SELECT id, n::text AS n, s->>'plan' AS plan FROM ${table} ORDER BY id`),
      [
        { id: 'a', n: '7', plan: 'pro' },
        { id: 'b', n: '-8', plan: null },
      ],
    )
  })

  test('tables and columns named with quotes and backslashes load and dedupe', async () => {
    const schema = await freshSchema()
    const columns: ColumnSpec[] = [
      { name: 'id', type: 'varchar' },
      { name: 'it\'s \\ "odd"', type: 'bigint' },
    ]
    const table = "o'dd \\ table"
    await loader.evolveSchema(schema, { createTables: [{ table, columns }] })
    const b = batch(
      [
        ['a', '1'],
        ['b', '2'],
      ],
      columns,
    )
    assert.equal((await loader.loadCopyRows!(schema, table, b, 'first')).inserted, 2)
    assert.equal((await loader.loadCopyRows!(schema, table, b, 'first')).inserted, 0)
    const [row] = await loader.query(
      `SELECT sum(${quoteIdentifier(columns[1]!.name, 'column', 63)}) AS n FROM ${q(schema)}.${q(table)}`,
    )
    assert.equal(Number(row!.n), 3)
  })

  test('ids with a newline or a NUL are matched as stored', async () => {
    const schema = await freshSchema()
    // Text cannot hold the NUL: the rows leave it out (the ids, as the rows have them, keep it).
    const odd = batch([['line\nbreak', null, '1', null]])
    const nul = batch([['n\0ul', null, '2', null]])
    for (const b of [odd, nul])
      assert.equal((await loader.loadCopyRows!(schema, 't', b, 'first')).inserted, 1)
    for (const b of [odd, nul])
      assert.equal((await loader.loadCopyRows!(schema, 't', b, 'first')).inserted, 0)
    assert.deepEqual(
      (await rows(schema)).map((r) => r.id),
      ['line\nbreak', 'nul'],
    )
  })

  test('upserts replace the columns of ids the table has; NULL keeps the stored value', async () => {
    const schema = await freshSchema()
    await loader.loadCopyRows!(schema, 't', batch([['u1', null, '1', 'a']]), 'merge')
    const upsert = batch([
      ['u1', null, null, 'b'],
      ['u2', null, '2', null],
    ])
    assert.deepEqual(await loader.loadCopyRows!(schema, 't', upsert, 'merge'), { inserted: 1, updated: 1 })
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
    assert.equal((await loader.loadCopyRows!(schema, 'numbered', b, 'first')).inserted, 2)
    assert.equal((await loader.loadCopyRows!(schema, 'numbered', b, 'first')).inserted, 0)
  })

  test('concurrent loads of the same batch insert each row once', async () => {
    const schema = await freshSchema()
    const b = batch(Array.from({ length: 500 }, (_, i) => [`id-${i}`, null, String(i), null]))
    const results = await Promise.all([1, 2, 3].map(() => loader.loadCopyRows!(schema, 't', b, 'first')))
    assert.equal(
      results.reduce((n, r) => n + r.inserted, 0),
      500,
    )
    const [count] = await loader.query(`SELECT count(*) AS n FROM ${q(schema)}.${q('t')}`)
    assert.equal(count!.n, 500n)
  })

  describe('a loader remembers the ids it loads straight into a table, under a lock on the schema', () => {
    /** What a table holds. */
    const idsIn = async (schema: string) =>
      (await aside(`SELECT id FROM ${q(schema)}.${q('t')} ORDER BY id`)).map((r) => r.id)
    const line = (id: string) => [id, null, '1', null]

    test('its own rows are not read again; the rows the table had before are', async () => {
      const schema = await freshSchema()
      const earlier = warehouse.open()
      await earlier.loadCopyRows!(schema, 't', batch([line('p1'), line('p2')]), 'first')
      await earlier.close()
      const own = warehouse.open()
      try {
        assert.equal(
          (await own.loadCopyRows!(schema, 't', batch([line('a'), line('p1')]), 'first')).inserted,
          1,
        )
        // Taken out behind its back: it goes by what it loaded, not by reading its rows again.
        await aside(`DELETE FROM ${q(schema)}.${q('t')} WHERE id = 'a'`)
        const next = batch([line('a'), line('b'), line('p2')])
        assert.equal((await own.loadCopyRows!(schema, 't', next, 'first')).inserted, 1)
        assert.deepEqual(await idsIn(schema), ['b', 'p1', 'p2'])
      } finally {
        await own.close()
      }
    })

    test('a table rewritten meanwhile (VACUUM FULL, CLUSTER) is measured again', async () => {
      const schema = await freshSchema()
      const own = warehouse.open()
      try {
        await own.loadCopyRows!(schema, 't', batch([line('a'), line('b')]), 'first')
        await aside(`DELETE FROM ${q(schema)}.${q('t')} WHERE id = 'a'`)
        await aside(`VACUUM FULL ${q(schema)}.${q('t')}`)
        // Its memory of the table is dropped with the old file: the table is looked up whole.
        assert.equal(
          (await own.loadCopyRows!(schema, 't', batch([line('a'), line('b')]), 'first')).inserted,
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
        await own.loadCopyRows!(schema, 't', batch([line('a')]), 'first')
        await own.load(schema, 't', COLUMNS, [{ id: 'b', n: 2 }])
        assert.equal(
          (await own.loadCopyRows!(schema, 't', batch([line('b'), line('c')]), 'first')).inserted,
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
        await first.loadCopyRows!(schema, 't', batch([line('a')]), 'first')
        await assert.rejects(
          second.loadCopyRows!(schema, 't', batch([line('a'), line('b')]), 'first'),
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
          (await second.loadCopyRows!(schema, 't', batch([line('a'), line('b')]), 'first')).inserted,
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
        await own.loadCopyRows!(schema, 't', batch([line('a')]), 'first')
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
          loadedB = (await own.loadCopyRows!(schema, 't', batch([line('b')]), 'first')).inserted
        } catch (e) {
          assert.ok(isWarehouseError(e))
          assert.equal(e.retryable, true)
          assert.match(e.message, /lock on schema .* was lost/)
        }
        const again = await own.loadCopyRows!(schema, 't', batch([line('a'), line('b'), line('c')]), 'first')
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
    // Rows whose `ts` is text go to the timestamptz column as COPY text, which the server reads.
    const asText = COLUMNS.map((c) => (c.name === 'ts' ? { ...c, type: 'varchar' as const } : c))
    const bad = batch(
      [
        ['ok', null, '1', null],
        ['bad', 'not a time', '2', null],
      ],
      asText,
    )
    await assert.rejects(loader.loadCopyRows!(schema, 't', bad, 'first'), (e) => {
      assert.ok(isWarehouseError(e))
      assert.equal(e.kind, 'data')
      return true
    })
    assert.deepEqual(await rows(schema), [])
  })
})
