import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { after, before, describe, test } from 'node:test'
import {
  isWarehouseError,
  quoteIdentifier,
  type ColumnSpec,
  type WarehouseErrorKind,
  type WarehouseLoader,
} from '../../src/warehouses/loaders/index.ts'
import { CRASH_COLUMNS, crashBatch, engines, type TestWarehouse } from './engines.ts'

const REPO = new URL('../..', import.meta.url).pathname

const q = (name: string) => quoteIdentifier(name, 'table', Infinity)

const failsWith = (kind: WarehouseErrorKind, message?: RegExp) => (e: unknown) => {
  assert.ok(isWarehouseError(e), `expected a WarehouseError, got ${String(e)}`)
  assert.equal(e.kind, kind, e.message)
  assert.ok(e.hint.length > 20, 'an actionable hint')
  if (message) assert.match(e.message, message)
  return true
}

const ALL_TYPES: ColumnSpec[] = [
  { name: 'id', type: 'varchar' },
  { name: 'ts', type: 'timestamp' },
  { name: 'n', type: 'bigint' },
  { name: 'd', type: 'double' },
  { name: 'b', type: 'boolean' },
  { name: 's', type: 'varchar' },
]

for (const engine of await engines()) {
  describe(`warehouse loader contract on ${engine.name}`, { skip: engine.skip }, () => {
    let warehouse: TestWarehouse
    let loader: WarehouseLoader
    let schemas = 0
    /** A fresh schema per test, so tests never see each other's tables. */
    const freshSchema = async () => {
      const schema = `contract_${++schemas}`
      await loader.evolveSchema(schema, {})
      return schema
    }
    const count = async (schema: string, table: string) =>
      Number((await loader.query(`SELECT count(*) AS n FROM ${q(schema)}.${q(table)}`))[0]!.n)
    const rows = (schema: string, table: string) =>
      loader.query(`SELECT * FROM ${q(schema)}.${q(table)} ORDER BY ${q('id')}`)

    before(async () => {
      warehouse = await engine.create()
      loader = warehouse.open()
    })
    after(async () => {
      await loader?.close()
      await warehouse?.drop()
    })

    test('testConnection succeeds and capabilities name the engine', async () => {
      await loader.testConnection()
      assert.equal(loader.engine, engine.name)
      assert.equal(loader.capabilities.engine, engine.name)
      assert.equal(loader.capabilities.bulkLoad, engine.name === 'postgres' ? 'copy' : 'appender')
    })

    test('schemas and tables: create is idempotent, describe reports what exists', async () => {
      assert.deepEqual(await loader.describe('no_such_schema'), new Map())
      const schema = await freshSchema()
      await loader.evolveSchema(schema, {})
      assert.deepEqual(await loader.describe(schema), new Map())

      await loader.evolveSchema(schema, { createTables: [{ table: 'tracks', columns: ALL_TYPES }] })
      await loader.evolveSchema(schema, {
        createTables: [{ table: 'tracks', columns: [{ name: 'id', type: 'bigint' }] }],
      }) // exists: left as it is
      await loader.evolveSchema(schema, {
        createTables: [{ table: 'pages', columns: [{ name: 'id', type: 'varchar' }] }],
      })
      await loader.query(
        `CREATE VIEW ${q(schema)}.${q('tracks_view')} AS SELECT * FROM ${q(schema)}.${q('tracks')}`,
      )
      assert.deepEqual(
        await loader.describe(schema),
        new Map([
          ['pages', new Map([['id', 'varchar']])],
          ['tracks', new Map(ALL_TYPES.map((c) => [c.name, c.type]))],
        ]),
      )
    })

    test('addColumns adds what is missing and never changes an existing type', async () => {
      const schema = await freshSchema()
      await loader.evolveSchema(schema, {
        createTables: [
          {
            table: 'identifies',
            columns: [
              { name: 'id', type: 'varchar' },
              { name: 'plan', type: 'bigint' },
            ],
          },
        ],
      })
      await loader.evolveSchema(schema, {
        addColumns: [
          {
            table: 'identifies',
            columns: [
              { name: 'plan', type: 'varchar' },
              { name: 'email', type: 'varchar' },
              { name: 'logins', type: 'bigint' },
              { name: 'score', type: 'double' },
              { name: 'vip', type: 'boolean' },
              { name: 'seen_at', type: 'timestamp' },
            ],
          },
        ],
      })
      await loader.evolveSchema(schema, {
        addColumns: [{ table: 'identifies', columns: [{ name: 'email', type: 'varchar' }] }],
      })
      await loader.evolveSchema(schema, { addColumns: [{ table: 'identifies', columns: [] }] })
      const columns = (await loader.describe(schema)).get('identifies')!
      assert.deepEqual(
        [...columns],
        [
          ['id', 'varchar'],
          ['plan', 'bigint'],
          ['email', 'varchar'],
          ['logins', 'bigint'],
          ['score', 'double'],
          ['vip', 'boolean'],
          ['seen_at', 'timestamp'],
        ],
      )
    })

    test('load dedupes on id: within the batch (first wins) and against the table', async () => {
      const schema = await freshSchema()
      const columns: ColumnSpec[] = [
        { name: 'id', type: 'varchar' },
        { name: 'event', type: 'varchar' },
      ]
      await loader.evolveSchema(schema, {
        createTables: [{ table: 'tracks', columns: [...columns, { name: 'extra', type: 'bigint' }] }],
      })
      const batch = [
        { id: 'm1', event: 'first' },
        { id: 'm2', event: 'second' },
        { id: 'm1', event: 'repeat of m1' },
      ]
      assert.deepEqual(await loader.load(schema, 'tracks', columns, batch), { inserted: 2 })
      assert.deepEqual(await loader.load(schema, 'tracks', columns, batch), { inserted: 0 })
      assert.deepEqual(
        await loader.load(schema, 'tracks', columns, [
          { id: 'm2', event: 'again' },
          { id: 'm3', event: 'third' },
        ]),
        { inserted: 1 },
      )
      assert.deepEqual(await loader.load(schema, 'tracks', columns, []), { inserted: 0 })
      assert.deepEqual(await rows(schema, 'tracks'), [
        { id: 'm1', event: 'first', extra: null },
        { id: 'm2', event: 'second', extra: null },
        { id: 'm3', event: 'third', extra: null },
      ])
    })

    test('concurrent loads of the same batch insert each row once', async () => {
      const schema = await freshSchema()
      const columns: ColumnSpec[] = [
        { name: 'id', type: 'varchar' },
        { name: 'n', type: 'bigint' },
      ]
      await loader.evolveSchema(schema, { createTables: [{ table: 'tracks', columns }] })
      const batch = Array.from({ length: 2000 }, (_, i) => ({ id: `m${i}`, n: i }))
      const other = warehouse.open()
      try {
        const results = await Promise.all([
          loader.load(schema, 'tracks', columns, batch),
          loader.load(schema, 'tracks', columns, batch.slice(500)),
          ...(loader.capabilities.multipleWriters ? [other.load(schema, 'tracks', columns, batch)] : []),
        ])
        assert.equal(
          results.reduce((sum, r) => sum + r.inserted, 0),
          2000,
        )
      } finally {
        await other.close()
      }
      assert.equal(await count(schema, 'tracks'), 2000)
    })

    test('upsert replaces columns of existing ids, keeps stored values for NULLs, merges within the batch', async () => {
      const schema = await freshSchema()
      const columns: ColumnSpec[] = [
        { name: 'id', type: 'varchar' },
        { name: 'email', type: 'varchar' },
        { name: 'plan', type: 'varchar' },
        { name: 'logins', type: 'bigint' },
      ]
      await loader.evolveSchema(schema, { createTables: [{ table: 'users', columns }] })
      assert.deepEqual(
        await loader.upsert(schema, 'users', columns, [
          { id: 'u1', email: 'a@example.com', plan: 'free' },
          { id: 'u2', email: 'b@example.com' },
        ]),
        { inserted: 2, updated: 0 },
      )
      assert.deepEqual(
        await loader.upsert(schema, 'users', columns, [
          { id: 'u1', plan: 'pro' },
          { id: 'u3', email: 'c@example.com', logins: 1 },
          { id: 'u1', logins: 7, email: null },
          { id: 'u3', logins: 2 },
        ]),
        { inserted: 1, updated: 1 },
      )
      assert.deepEqual(await loader.upsert(schema, 'users', columns, [{ id: 'u2' }]), {
        inserted: 0,
        updated: 1,
      })
      assert.deepEqual(await rows(schema, 'users'), [
        { id: 'u1', email: 'a@example.com', plan: 'pro', logins: 7n },
        { id: 'u2', email: 'b@example.com', plan: null, logins: null },
        { id: 'u3', email: 'c@example.com', plan: null, logins: 2n },
      ])
    })

    test('every column type round-trips, NULLs included', async () => {
      const schema = await freshSchema()
      await loader.evolveSchema(schema, { createTables: [{ table: 'types', columns: ALL_TYPES }] })
      const text =
        'tab\there, "quotes", \'single\', new\nline, cr\r, back\\slash, \\N, ünïcödé 中文 😀, comma,semi;'
      const loaded = [
        { id: 'a', ts: '2024-05-01T12:34:56.789Z', n: 9223372036854775807n, d: 0.1, b: true, s: text },
        {
          id: 'b',
          ts: new Date('1999-12-31T23:59:59.001Z'),
          n: -9223372036854775808n,
          d: -1e-300,
          b: false,
          s: '',
        },
        {
          id: 'c',
          ts: '2024-05-01T14:34:56.5+02:00',
          n: 2 ** 53 + 2,
          d: 1.7976931348623157e308,
          b: null,
          s: '\\',
        },
        { id: 'd', ts: '2024-02-29', n: '-42', d: -0.5, s: 'x'.repeat(5000) },
        { id: 'e', ts: null, n: null, d: null, b: null, s: null },
        { id: 'f', ts: '0001-01-01T00:00:00Z', n: 0, d: 123456789.123, b: true, s: '\\N' },
        { id: 'g', ts: '9999-12-31T23:59:59.999Z', n: 1, d: 3, b: false, s: 'null' },
      ]
      assert.deepEqual(await loader.load(schema, 'types', ALL_TYPES, loaded), { inserted: loaded.length })
      assert.deepEqual(await rows(schema, 'types'), [
        {
          id: 'a',
          ts: new Date('2024-05-01T12:34:56.789Z'),
          n: 9223372036854775807n,
          d: 0.1,
          b: true,
          s: text,
        },
        {
          id: 'b',
          ts: new Date('1999-12-31T23:59:59.001Z'),
          n: -9223372036854775808n,
          d: -1e-300,
          b: false,
          s: '',
        },
        {
          id: 'c',
          ts: new Date('2024-05-01T12:34:56.500Z'),
          n: 9007199254740994n,
          d: 1.7976931348623157e308,
          b: null,
          s: '\\',
        },
        { id: 'd', ts: new Date('2024-02-29T00:00:00.000Z'), n: -42n, d: -0.5, b: null, s: 'x'.repeat(5000) },
        { id: 'e', ts: null, n: null, d: null, b: null, s: null },
        { id: 'f', ts: new Date('0001-01-01T00:00:00.000Z'), n: 0n, d: 123456789.123, b: true, s: '\\N' },
        { id: 'g', ts: new Date('9999-12-31T23:59:59.999Z'), n: 1n, d: 3, b: false, s: 'null' },
      ])
    })

    test('timestamps keep microseconds', async () => {
      const schema = await freshSchema()
      await loader.evolveSchema(schema, { createTables: [{ table: 'micro', columns: ALL_TYPES }] })
      await loader.load(schema, 'micro', ALL_TYPES, [{ id: 'a', ts: '2024-05-01T12:00:00.123456789Z' }])
      const [row] = await loader.query(
        `SELECT CAST(EXTRACT(MICROSECONDS FROM ${q('ts')}) AS BIGINT) AS us FROM ${q(schema)}.${q('micro')}`,
      )
      assert.equal(row!.us, 123_456n)
    })

    test('U+0000 is kept where text allows it, removed where it does not', async () => {
      const schema = await freshSchema()
      await loader.evolveSchema(schema, { createTables: [{ table: 'nul', columns: ALL_TYPES }] })
      await loader.load(schema, 'nul', ALL_TYPES, [{ id: 'a', s: 'before\0after' }])
      const [row] = await rows(schema, 'nul')
      assert.equal(row!.s, loader.capabilities.textAllowsNul ? 'before\0after' : 'beforeafter')
    })

    test('identifiers with odd characters are quoted', async () => {
      const schema = 'We"ird Schema; DROP'
      const table = `Order "Completed"'); DROP TABLE x;--`
      const columns: ColumnSpec[] = [
        { name: 'id', type: 'varchar' },
        { name: 'select', type: 'varchar' },
        { name: 'a.b', type: 'bigint' },
        { name: 'with space', type: 'boolean' },
        { name: 'Ünï"cödé', type: 'double' },
        { name: "it's", type: 'timestamp' },
      ]
      await loader.evolveSchema(schema, {})
      await loader.evolveSchema(schema, { createTables: [{ table, columns: columns.slice(0, 3) }] })
      await loader.evolveSchema(schema, { addColumns: [{ table, columns: columns.slice(3) }] })
      assert.deepEqual(
        await loader.describe(schema),
        new Map([[table, new Map(columns.map((c) => [c.name, c.type]))]]),
      )
      const row = {
        id: 'x',
        select: 'y',
        'a.b': 1,
        'with space': true,
        'Ünï"cödé': 1.5,
        "it's": '2024-01-01T00:00:00Z',
      }
      assert.deepEqual(await loader.load(schema, table, columns, [row]), { inserted: 1 })
      assert.deepEqual(await loader.upsert(schema, table, columns, [{ id: 'x', select: 'z' }]), {
        inserted: 0,
        updated: 1,
      })
      assert.deepEqual(await rows(schema, table), [
        { ...row, select: 'z', 'a.b': 1n, "it's": new Date('2024-01-01T00:00:00Z') },
      ])
    })

    test('names the engine would change are refused', async () => {
      const schema = await freshSchema()
      await assert.rejects(
        loader.evolveSchema(schema, {
          createTables: [{ table: '', columns: [{ name: 'id', type: 'varchar' }] }],
        }),
        failsWith('naming'),
      )
      await assert.rejects(
        loader.evolveSchema(schema, {
          createTables: [{ table: 'nul\0table', columns: [{ name: 'id', type: 'varchar' }] }],
        }),
        failsWith('naming', /NUL/),
      )
      const max = loader.capabilities.maxIdentifierBytes
      if (Number.isFinite(max)) {
        const longest = 'é'.repeat(Math.floor(max / 2)) + 'x'.repeat(max % 2)
        await loader.evolveSchema(schema, {
          createTables: [{ table: longest, columns: [{ name: 'id', type: 'varchar' }] }],
        })
        assert.ok((await loader.describe(schema)).has(longest))
        await assert.rejects(
          loader.evolveSchema(schema, {
            createTables: [{ table: `${longest}x`, columns: [{ name: 'id', type: 'varchar' }] }],
          }),
          failsWith('naming', /at most 63/),
        )
      }
    })

    test('a batch with a value its column rejects loads nothing', async () => {
      const schema = await freshSchema()
      await loader.evolveSchema(schema, { createTables: [{ table: 'tracks', columns: ALL_TYPES }] })
      await loader.load(schema, 'tracks', ALL_TYPES, [{ id: 'kept', n: 1 }])
      const good = Array.from({ length: 5000 }, (_, i) => ({ id: `m${i}`, n: i, s: 'ok' }))
      for (const bad of [
        { id: 'bad', n: 1.5 },
        { id: 'bad', n: 'abc' },
        { id: 'bad', n: 2n ** 63n },
        { id: 'bad', d: 'NaN?' },
        { id: 'bad', b: 'yes' },
        { id: 'bad', ts: 'not a time' },
        { id: 'bad', ts: '2023-02-29T00:00:00Z' },
        { id: 'bad', ts: '10000-01-01T00:00:00Z' },
        { id: 'bad', s: { an: 'object' } },
      ]) {
        await assert.rejects(
          loader.load(schema, 'tracks', ALL_TYPES, [...good, bad]),
          failsWith('data', /row with id "bad"/),
          JSON.stringify(bad, (_, v: unknown) => (typeof v === 'bigint' ? String(v) : v)),
        )
        await assert.rejects(loader.upsert(schema, 'tracks', ALL_TYPES, [...good, bad]), failsWith('data'))
      }
      await assert.rejects(
        loader.load(schema, 'tracks', ALL_TYPES, [...good, { n: 1 }]),
        failsWith('data', /no "id"/),
      )
      assert.equal(await count(schema, 'tracks'), 1)
    })

    test('a failure inside the warehouse rolls the whole load back', async () => {
      const schema = await freshSchema()
      const columns: ColumnSpec[] = [
        { name: 'id', type: 'varchar' },
        { name: 'n', type: 'bigint' },
      ]
      await loader.evolveSchema(schema, { createTables: [{ table: 'users', columns }] })
      await loader.upsert(schema, 'users', columns, [{ id: 'u1', n: 1 }])
      // The user narrowed the column: the warehouse itself now rejects big values.
      await loader.query(`ALTER TABLE ${q(schema)}.${q('users')} ALTER COLUMN ${q('n')} TYPE INTEGER`)
      const batch = [
        { id: 'u1', n: 2 }, // an update that succeeds before the insert fails
        ...Array.from({ length: 3000 }, (_, i) => ({ id: `new${i}`, n: i })),
        { id: 'too-big', n: 2 ** 40 },
      ]
      await assert.rejects(loader.upsert(schema, 'users', columns, batch), failsWith('data'))
      await assert.rejects(loader.load(schema, 'users', columns, batch), failsWith('data'))
      assert.deepEqual(await rows(schema, 'users'), [{ id: 'u1', n: 1 }])
      // The loader is still usable afterwards.
      assert.deepEqual(await loader.load(schema, 'users', columns, batch.slice(0, -1)), { inserted: 3000 })
    })

    test('columns must include id, once each', async () => {
      const schema = await freshSchema()
      await loader.evolveSchema(schema, { createTables: [{ table: 't', columns: ALL_TYPES }] })
      await assert.rejects(
        loader.load(schema, 't', [{ name: 'n', type: 'bigint' }], [{ n: 1 }]),
        failsWith('naming', /"id"/),
      )
      await assert.rejects(
        loader.load(schema, 't', [...ALL_TYPES, { name: 'n', type: 'bigint' }], [{ id: 'a' }]),
        failsWith('naming', /twice/),
      )
    })

    test('a load survives a reopened loader: the same batch inserts nothing twice', async () => {
      const schema = await freshSchema()
      await loader.evolveSchema(schema, { createTables: [{ table: 'tracks', columns: ALL_TYPES }] })
      const batch = Array.from({ length: 100 }, (_, i) => ({ id: `m${i}`, n: i }))
      assert.equal((await loader.load(schema, 'tracks', ALL_TYPES, batch.slice(0, 60))).inserted, 60)
      if (!loader.capabilities.multipleWriters) await loader.close()
      const second = warehouse.open()
      try {
        assert.equal((await second.load(schema, 'tracks', ALL_TYPES, batch)).inserted, 40)
        assert.equal(
          Number((await second.query(`SELECT count(*) AS n FROM ${q(schema)}.${q('tracks')}`))[0]!.n),
          100,
        )
      } finally {
        await second.close()
        if (!loader.capabilities.multipleWriters) loader = warehouse.open()
      }
    })

    test('a load killed half way leaves no rows; running it again loads each row once', async () => {
      const schema = await freshSchema()
      await loader.evolveSchema(schema, { createTables: [{ table: 'tracks', columns: CRASH_COLUMNS }] })
      const total = 100_000
      if (!loader.capabilities.multipleWriters) await loader.close() // the child needs the file
      const outcomes: string[] = []
      try {
        for (const delayMs of [50, 300]) {
          const child = spawn(
            process.execPath,
            [
              '--import',
              'tsx',
              'test/warehouses/crash-load.ts',
              JSON.stringify(warehouse.connection),
              schema,
              'tracks',
              String(total),
            ],
            { cwd: REPO, stdio: ['ignore', 'pipe', 'inherit'] },
          )
          let output = ''
          const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
          await new Promise<void>((resolve, reject) => {
            child.stdout.on('data', (chunk: Buffer) => {
              output += chunk.toString()
              if (output.includes('loading')) resolve()
            })
            child.once('exit', (code) => reject(new Error(`crash-load exited with ${code} before loading`)))
          })
          await new Promise((resolve) => setTimeout(resolve, delayMs))
          child.kill('SIGKILL')
          await exited
          outcomes.push(output.includes('done') ? 'finished' : 'killed')
          const reader = warehouse.open()
          try {
            const n = Number(
              (await reader.query(`SELECT count(*) AS n FROM ${q(schema)}.${q('tracks')}`))[0]!.n,
            )
            assert.ok(
              n === 0 || n === total,
              `after a kill at ${delayMs} ms: ${n} rows, expected 0 or ${total}`,
            )
            const { inserted } = await reader.load(schema, 'tracks', CRASH_COLUMNS, crashBatch(total))
            assert.equal(n + inserted, total)
            await reader.query(`DELETE FROM ${q(schema)}.${q('tracks')}`)
          } finally {
            await reader.close()
          }
        }
      } finally {
        if (!loader.capabilities.multipleWriters) loader = warehouse.open()
      }
      assert.ok(outcomes.includes('killed'), `some load must be killed mid-way: ${outcomes.join(', ')}`)
    })

    test('query returns counts as bigint and timestamps as Date on every engine', async () => {
      const [row] = await loader.query(
        `SELECT count(*) AS n, CAST('2024-01-01T00:00:00Z' AS TIMESTAMP WITH TIME ZONE) AS t, $1 AS p`,
        ['param'],
      )
      assert.deepEqual(row, { n: 1n, t: new Date('2024-01-01T00:00:00Z'), p: 'param' })
    })
  })
}
