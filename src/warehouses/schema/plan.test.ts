import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { planSchema, type TableColumns } from './plan.ts'
import type { TableRow } from './tables.ts'

const T1 = '2026-03-02T10:15:31.000Z'

// Warehouse spec §2.5 (new columns): missing tables are created, missing columns added; a column exists
// only once a non-null value arrives; its type comes from the first value of the batch (§13.1).
describe('§2.5 creating tables and columns', () => {
  test('an empty warehouse: every table is created with its columns in order of first appearance', () => {
    const rows: TableRow[] = [
      { table: 'tracks', row: { id: 'm1', event: 'signed_up', received_at: T1 } },
      { table: 'signed_up', row: { id: 'm1', event: 'signed_up', received_at: T1, plan: 'pro', seats: 3 } },
      { table: 'tracks', row: { id: 'm2', user_id: 'u1', event: 'signed_up', received_at: T1 } },
    ]
    const plan = planSchema({}, rows)
    assert.deepEqual(plan.createTables, [
      {
        table: 'tracks',
        columns: [
          { name: 'id', type: 'varchar' },
          { name: 'event', type: 'varchar' },
          { name: 'received_at', type: 'timestamp' },
          { name: 'user_id', type: 'varchar' },
        ],
      },
      {
        table: 'signed_up',
        columns: [
          { name: 'id', type: 'varchar' },
          { name: 'event', type: 'varchar' },
          { name: 'received_at', type: 'timestamp' },
          { name: 'plan', type: 'varchar' },
          { name: 'seats', type: 'bigint' },
        ],
      },
    ])
    assert.deepEqual(plan.addColumns, [])
    assert.deepEqual(plan.conflicts, [])
    assert.deepEqual(plan.rows, rows)
    assert.deepEqual(plan.schema, {
      tracks: { id: 'varchar', event: 'varchar', received_at: 'timestamp', user_id: 'varchar' },
      signed_up: {
        id: 'varchar',
        event: 'varchar',
        received_at: 'timestamp',
        plan: 'varchar',
        seats: 'bigint',
      },
    })
  })

  test('existing tables get only the columns they lack; existing columns are never retyped', () => {
    const current: TableColumns = {
      signed_up: { id: 'varchar', received_at: 'timestamp', plan: 'varchar', seats: 'bigint' },
    }
    const rows: TableRow[] = [
      {
        table: 'signed_up',
        row: { id: 'm3', received_at: T1, plan: 'pro', seats: 4, referrer: 'ad', trial: true },
      },
    ]
    const plan = planSchema(current, rows)
    assert.deepEqual(plan.createTables, [])
    assert.deepEqual(plan.addColumns, [
      {
        table: 'signed_up',
        columns: [
          { name: 'referrer', type: 'varchar' },
          { name: 'trial', type: 'boolean' },
        ],
      },
    ])
    assert.deepEqual(plan.schema.signed_up, { ...current.signed_up, referrer: 'varchar', trial: 'boolean' })
  })

  test('nothing new: an empty plan, rows unchanged', () => {
    const current: TableColumns = { pages: { id: 'varchar', url: 'varchar' } }
    const plan = planSchema(current, [{ table: 'pages', row: { id: 'm1', url: '/a' } }])
    assert.deepEqual([plan.createTables, plan.addColumns, plan.conflicts], [[], [], []])
    assert.deepEqual(plan.schema, current)
  })

  test('a null value makes no column; the first non-null one does', () => {
    const plan = planSchema({}, [
      { table: 'e', row: { id: 'm1', coupon: null } as never },
      { table: 'e', row: { id: 'm2', coupon: 'SPRING' } },
    ])
    assert.deepEqual(plan.createTables[0]?.columns, [
      { name: 'id', type: 'varchar' },
      { name: 'coupon', type: 'varchar' },
    ])
    assert.deepEqual(plan.rows[0], { table: 'e', row: { id: 'm1' } })
  })

  test('the first value of the batch sets the type; later ones are cast to it', () => {
    const plan = planSchema({}, [
      { table: 'e', row: { id: 'm1', price: 10 } },
      { table: 'e', row: { id: 'm2', price: 10.99 } },
      { table: 'e', row: { id: 'm3', price: 'n/a' } },
    ])
    assert.deepEqual(plan.schema.e, { id: 'varchar', price: 'bigint' })
    assert.deepEqual(
      plan.rows.map((r) => r.row.price),
      [10, 11, undefined],
    )
    assert.deepEqual(plan.conflicts, [
      {
        table: 'e',
        column: 'price',
        columnType: 'bigint',
        valueType: 'double',
        outcome: 'cast',
        count: 1,
        example: 10.99,
      },
      {
        table: 'e',
        column: 'price',
        columnType: 'bigint',
        valueType: 'varchar',
        outcome: 'nulled',
        count: 1,
        example: 'n/a',
      },
    ])
  })

  test('system columns have fixed types, whatever their first value looks like', () => {
    const plan = planSchema({}, [
      {
        table: 'identifies',
        row: { id: '2026-01-01', user_id: '12', received_at: T1, context_ip: '1.2.3.4' },
      },
    ])
    assert.deepEqual(plan.schema.identifies, {
      id: 'varchar',
      user_id: 'varchar',
      received_at: 'timestamp',
      context_ip: 'varchar',
    })
    assert.deepEqual(plan.conflicts, [])
  })

  test('context columns are inferred like any other', () => {
    const plan = planSchema({}, [
      {
        table: 'pages',
        row: { id: 'm1', context_screen_width: 1440, context_user_agent_data_mobile: false },
      },
    ])
    assert.deepEqual(plan.schema.pages, {
      id: 'varchar',
      context_screen_width: 'bigint',
      context_user_agent_data_mobile: 'boolean',
    })
  })

  test('timestamps are recognised and written in canonical UTC', () => {
    const plan = planSchema({}, [
      { table: 'identifies', row: { id: 'm1', created_at: '2025-11-03T09:00:00+01:00' } },
      { table: 'identifies', row: { id: 'm2', created_at: 'last week' } },
    ])
    assert.equal(plan.schema.identifies?.created_at, 'timestamp')
    assert.deepEqual(
      plan.rows.map((r) => r.row.created_at),
      ['2025-11-03T08:00:00.000Z', undefined],
    )
  })
})

// Warehouse spec §2.5 (types never change on their own; best-effort cast, else dropped) and column sizing.
describe('§2.5 values that do not fit an existing column', () => {
  const current: TableColumns = {
    order_completed: {
      id: 'varchar',
      total: 'bigint',
      revenue: 'double',
      coupon: 'varchar',
      gift: 'boolean',
      shipped_at: 'timestamp',
    },
  }
  const cases: [string, unknown, unknown, string][] = [
    ['total', 27.5, 28, 'cast'],
    ['total', '30', 30, 'cast'],
    ['total', 'thirty', undefined, 'nulled'],
    ['revenue', 25, 25, 'fit'],
    ['revenue', '25.5', 25.5, 'cast'],
    ['coupon', 15, '15', 'cast'],
    ['coupon', '2026-03-02', '2026-03-02', 'fit'],
    ['coupon', 'x'.repeat(600), 'x'.repeat(512), 'truncated'],
    ['gift', 'true', true, 'cast'],
    ['gift', 'maybe', undefined, 'nulled'],
    ['shipped_at', '2026-03-02T10:00:00Z', '2026-03-02T10:00:00.000Z', 'fit'],
    ['shipped_at', 1709374530, undefined, 'nulled'],
  ]
  for (const [column, value, stored, outcome] of cases) {
    test(`${column} ${current.order_completed?.[column]} ← ${JSON.stringify(value).slice(0, 20)}: ${outcome}`, () => {
      const plan = planSchema(current, [
        { table: 'order_completed', row: { id: 'm1', [column]: value } as never },
      ])
      assert.deepEqual(plan.addColumns, [])
      assert.deepEqual(plan.schema, current)
      assert.equal(plan.rows[0]?.row[column], stored)
      const conflict = plan.conflicts.find((c) => c.column === column)
      if (outcome === 'fit') assert.equal(conflict, undefined)
      else assert.equal(conflict?.outcome, outcome)
    })
  }

  test('conflicts are counted per column, value type and outcome, with the first value as example', () => {
    const rows: TableRow[] = ['a', 'b', 7.5, 'c'].map((total, i) => ({
      table: 'order_completed',
      row: { id: `m${i}`, total },
    }))
    const plan = planSchema(current, rows)
    assert.deepEqual(plan.conflicts, [
      {
        table: 'order_completed',
        column: 'total',
        columnType: 'bigint',
        valueType: 'varchar',
        outcome: 'nulled',
        count: 3,
        example: 'a',
      },
      {
        table: 'order_completed',
        column: 'total',
        columnType: 'bigint',
        valueType: 'double',
        outcome: 'cast',
        count: 1,
        example: 7.5,
      },
    ])
  })

  test('the varchar limit is an option', () => {
    const plan = planSchema(current, [{ table: 'order_completed', row: { coupon: 'x'.repeat(600) } }], {
      maxVarcharLength: Infinity,
    })
    assert.equal(plan.rows[0]?.row.coupon, 'x'.repeat(600))
    assert.deepEqual(plan.conflicts, [])
  })
})

// Warehouse spec §2.5 (schema evolution across syncs): the plan's schema is the next sync's current schema.
describe('§2.5 evolution across two syncs', () => {
  test('a new property and a new event in the second batch', () => {
    const first = planSchema({}, [
      { table: 'tracks', row: { id: 'm1', event: 'signed_up' } },
      { table: 'signed_up', row: { id: 'm1', event: 'signed_up', plan: 'pro' } },
    ])
    const second = planSchema(first.schema, [
      { table: 'tracks', row: { id: 'm2', event: 'signed_up' } },
      { table: 'signed_up', row: { id: 'm2', event: 'signed_up', plan: 'team', seats: 5 } },
      { table: 'tracks', row: { id: 'm3', event: 'logged_in' } },
      { table: 'logged_in', row: { id: 'm3', event: 'logged_in', method: 'sso' } },
    ])
    assert.deepEqual(second.addColumns, [
      { table: 'signed_up', columns: [{ name: 'seats', type: 'bigint' }] },
    ])
    assert.deepEqual(second.createTables, [
      {
        table: 'logged_in',
        columns: [
          { name: 'id', type: 'varchar' },
          { name: 'event', type: 'varchar' },
          { name: 'method', type: 'varchar' },
        ],
      },
    ])
    assert.deepEqual(Object.keys(second.schema), ['tracks', 'signed_up', 'logged_in'])
  })

  test('a column created as bigint stays bigint when the next batch sends floats first', () => {
    const first = planSchema({}, [{ table: 'e', row: { id: 'm1', amount: 3 } }])
    const second = planSchema(first.schema, [{ table: 'e', row: { id: 'm2', amount: 3.5 } }])
    assert.equal(second.schema.e?.amount, 'bigint')
    assert.equal(second.rows[0]?.row.amount, 4)
    assert.deepEqual(second.addColumns, [])
  })
})

describe('limits and odd names', () => {
  test('a table stops growing at maxColumnsPerTable; the values of columns past it are left out', () => {
    const plan = planSchema(
      { e: { id: 'varchar', a: 'bigint' } },
      [{ table: 'e', row: { id: 'm1', a: 1, b: 2, c: 3 } }],
      {
        maxColumnsPerTable: 3,
      },
    )
    assert.deepEqual(plan.addColumns, [{ table: 'e', columns: [{ name: 'b', type: 'bigint' }] }])
    assert.deepEqual(plan.skippedColumns, [{ table: 'e', column: 'c', count: 1 }])
    assert.deepEqual(plan.rows[0]?.row, { id: 'm1', a: 1, b: 2 })
  })

  test('column names that are Object.prototype members are ordinary columns', () => {
    const plan = planSchema({ e: { id: 'varchar' } }, [
      { table: 'e', row: { id: 'm1', constructor: 'x', to_string: 1, has_own_property: true } },
    ])
    assert.deepEqual(plan.addColumns[0]?.columns, [
      { name: 'constructor', type: 'varchar' },
      { name: 'to_string', type: 'bigint' },
      { name: 'has_own_property', type: 'boolean' },
    ])
  })

  test('an existing table without columns keeps its place in the schema', () => {
    const plan = planSchema({ empty: {} }, [])
    assert.deepEqual(plan.schema, { empty: {} })
  })
})
