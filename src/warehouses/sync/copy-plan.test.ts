import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { dedupeRows, type DedupMode } from '../loaders/batch.ts'
import { isWarehouseError, type ColumnSpec } from '../loaders/index.ts'
import { copyBinaryChunks, copyRowsAsText } from '../loaders/postgres/postgres-copy-binary.ts'
import {
  mergeUpserts,
  planSchema,
  rowsForMessage,
  UPSERT_TABLES,
  writeRows,
  type PlanOptions,
  type TableColumns,
  type TableRow,
} from '../schema/index.ts'
import { formatTimestamp, type StoredMessage } from '../../spec/index.ts'
import { CopyPlanner, planCopyBatches, rebasePlan } from './copy-plan.ts'
import type { SelectiveSyncRules } from './selective-sync.ts'
import { applySelectiveSync } from './staged-rows.ts'

/** What the sync did before `planCopyBatches`: merge, Selective Sync, plan, per table dedup and COPY text. */
function reference(
  current: TableColumns,
  rows: readonly TableRow[],
  options: PlanOptions,
  rules: SelectiveSyncRules,
) {
  const selected = applySelectiveSync(mergeUpserts(rows), rules).rows
  const { rows: planned, ...plan } = planSchema(current, selected, options)
  const byTable = new Map<string, Record<string, unknown>[]>()
  for (const { table, row } of planned) {
    let list = byTable.get(table)
    if (list === undefined) byTable.set(table, (list = []))
    list.push(row)
  }
  const batches = [...byTable].map(([table, tableRows]) => {
    const mode: DedupMode = UPSERT_TABLES.has(table) ? 'merge' : 'first'
    const names = new Set(['id'])
    for (const row of tableRows) for (const name of Object.keys(row)) names.add(name)
    const columns: ColumnSpec[] = [...names].map((name) => ({ name, type: plan.schema[table]![name]! }))
    try {
      const batch = dedupeRows(table, tableRows, mode)
      const data = Buffer.concat([...copyBinaryChunks(table, columns, batch)])
      return { table, mode, columns, rows: batch.length, data, ids: batch.map((r) => String(r.id)) }
    } catch (e) {
      if (!isWarehouseError(e)) throw e
      return { table, mode, error: { message: e.message, hint: e.hint } }
    }
  })
  return { ...plan, batches }
}

const ALL: SelectiveSyncRules = { sourceEnabled: true, disabledTables: new Set(), disabledColumns: new Map() }

function same(
  current: TableColumns,
  rows: readonly TableRow[] | { messages: readonly StoredMessage[] },
  options: PlanOptions = {},
  rules: SelectiveSyncRules = ALL,
) {
  let outcome: ReturnType<typeof planCopyBatches>
  if ('messages' in rows) {
    // Value by value, as the sync writes them (`writeRows` into the planner).
    const planner = new CopyPlanner(current, options, rules)
    for (const message of rows.messages) {
      writeRows(message, formatTimestamp(uuidTs), planner)
    }
    outcome = planner.finish()
    rows = rowsOf([...rows.messages])
  } else outcome = planCopyBatches(current, rows, options, rules)
  const { batches, added, ...plan } = outcome
  // `added` is both lists in one, in the order found.
  assert.deepEqual(
    added.filter((a) => !Object.hasOwn(current, a.table)),
    plan.createTables,
  )
  assert.deepEqual(
    added.filter((a) => Object.hasOwn(current, a.table)),
    plan.addColumns,
  )
  const expected = reference(current, rows, options, rules)
  const { batches: expectedBatches, ...expectedPlan } = expected
  assert.deepEqual(plan, expectedPlan)
  assert.deepEqual(
    batches.map((b) =>
      b.error
        ? { table: b.table, mode: b.mode, error: b.error }
        : { ...b, columns: [...b.columns], data: Buffer.from(b.data) },
    ),
    expectedBatches,
  )
  return batches.map((b) => ({ ...b, text: copyRowsAsText(b.data, b.columns) }))
}

const T1 = '2026-03-02T10:15:31.000Z'
const uuidTs = new Date('2026-03-02T11:00:00.000Z')

function message(i: number, extra: Partial<StoredMessage> & Record<string, unknown>): StoredMessage {
  return {
    type: 'track',
    event: 'Order Completed',
    messageId: `m-${i}`,
    anonymousId: `a-${i % 7}`,
    receivedAt: T1,
    timestamp: T1,
    sentAt: T1,
    originalTimestamp: '2026-03-02T11:15:31+01:00',
    context: { ip: '203.0.113.1', page: { path: '/', title: 'Tab\there' }, library: { name: 'x' } },
    ...extra,
  } as StoredMessage
}

const rowsOf = (messages: StoredMessage[]) => messages.flatMap((m) => rowsForMessage(m, { uuidTs }))

describe('planCopyBatches: the same outcome as planSchema, dedupeRows and copyBinaryChunks', () => {
  test('events, identifies merged per user, duplicates, conflicts and escapes', () => {
    const messages: StoredMessage[] = []
    for (let i = 0; i < 200; i++) {
      const kind = i % 5
      if (kind === 0)
        messages.push(
          message(i, {
            type: 'identify',
            userId: `u-${i % 9}`,
            traits: {
              plan: i % 2 ? 'pro' : 3,
              logins: i,
              since: i % 3 ? T1 : 'soon',
              nested: { deep: { er: i % 4 === 0 ? null : `v${i}` } },
              ok: i % 2 === 0,
            },
          } as never),
        )
      else
        messages.push(
          message(i, {
            event: kind === 1 ? 'Product Viewed' : 'Order Completed',
            properties: {
              total: kind === 2 ? 12.5 : 12,
              count: i % 4 === 0 ? '17' : i,
              big: i % 11 === 0 ? 2 ** 60 : -(2 ** 55),
              zero: -0,
              name: 'x'.repeat(i % 13 === 0 ? 600 : 5) + (i % 17 === 0 ? '\0nul\\slash\nnl\rcr' : ''),
              when: i % 6 === 0 ? '2026-03-02' : T1,
              flag: i % 3 === 0 ? 'true' : true,
              items: [{ sku: 'a' }, i],
              empty: {},
              nothing: null,
            },
          } as never),
        )
    }
    // A message staged twice, and one whose id repeats with other properties.
    messages.push(messages[3]!, message(4, { properties: { other: 1 } } as never))
    const rows = rowsOf(messages)
    same({}, rows)
    const batches = same({}, { messages })
    assert.ok(planSchema({}, mergeUpserts(rows)).conflicts.length >= 5)
    assert.deepEqual(
      batches.map((b) => [b.table, b.rows]),
      [
        ['identifies', 40],
        ['users', 9],
        ['tracks', 160],
        ['product_viewed', 40],
        ['order_completed', 120],
      ],
    )
    // Again, against the schema the first plan made, and with a varchar limit.
    const schema = planSchema({}, mergeUpserts(rows)).schema
    same(schema, rows.slice(37), { maxVarcharLength: 8 })
    same(schema, { messages: messages.slice(37) }, { maxVarcharLength: 8, maxColumnsPerTable: 20 })
    // Selective Sync: a table and columns (of an event table and of users) turned off.
    const rules: SelectiveSyncRules = {
      sourceEnabled: true,
      disabledTables: new Set(['product_viewed', 'tracks']),
      disabledColumns: new Map([
        ['users', new Set(['plan', 'logins'])],
        ['order_completed', new Set(['name', 'context_ip'])],
        ['identifies', new Set(['id'])],
      ]),
    }
    same({}, rows, {}, rules)
    same({}, { messages }, {}, rules)
  })

  test('every kind of call, written value by value', () => {
    const base = (i: number) => ({
      messageId: `k-${i}`,
      anonymousId: `a-${i}`,
      receivedAt: T1,
      timestamp: T1,
      context: { ip: '1.2.3.4', a_b: 1, a: { b: 2, c: [1, { d: 2 }] }, ünï: 'x', '': 'empty', traits: {} },
    })
    const messages = [
      {
        ...base(1),
        type: 'track',
        event: 'Tracks',
        properties: { userName: 'a', user_name: 'b', id: 'x', context_x: 1 },
      },
      { ...base(2), type: 'track', event: '購入', properties: { n: 1 } },
      { ...base(3), type: 'track', event: 'Open', userId: 'u1', properties: { nested: { x: null, y: 1.5 } } },
      { ...base(4), type: 'identify', traits: { plan: 'free' } },
      {
        ...base(5),
        type: 'identify',
        userId: 'u1',
        traits: { plan: 'pro', seats: 2, company: { name: 'c' } },
      },
      { ...base(6), type: 'page', name: 'Home', category: 'Docs', properties: { name: 'other', path: '/' } },
      { ...base(7), type: 'screen', name: 'Main', properties: { '2FA Enabled': true } },
      { ...base(8), type: 'group', groupId: 'g1', traits: { employees: 10, name: 'G' } },
      { ...base(9), type: 'group', groupId: '', traits: { employees: 11 } },
      { ...base(10), type: 'alias', previousId: 'p1', userId: 'u2' },
      { ...base(11), type: 'identify', userId: 'u1', traits: { seats: 'many', plan: null } },
      { ...base(12), type: 'group', groupId: 'g1', traits: { employees: '12', industry: 'x' } },
      { ...base(1), type: 'track', event: 'Tracks', properties: { again: true } },
      JSON.parse(
        '{"type":"track","event":"P","messageId":"k-13","receivedAt":"2026-03-02T10:15:31.000Z","properties":{"__proto__":{"x":1},"constructor":"c"}}',
      ),
    ] as StoredMessage[]
    same({}, { messages })
    same(
      { tracks: { id: 'varchar', context_a_b: 'boolean' }, users: { id: 'varchar', seats: 'bigint' } },
      { messages },
    )
    same({}, { messages }, { maxColumnsPerTable: 6 })
  })

  test('existing tables with other types, columns added, and a table that stops growing', () => {
    const current: TableColumns = {
      order_completed: { id: 'varchar', total: 'bigint', name: 'double', flag: 'timestamp', when: 'boolean' },
      tracks: {},
      users: { id: 'varchar', plan: 'varchar' },
    }
    const rows: TableRow[] = [
      { table: 'order_completed', row: { id: 'a', total: 12.7, name: '3.5', flag: T1, when: 'true', x: 1 } },
      { table: 'order_completed', row: { id: 'b', total: 'abc', name: 'n', flag: 'no', when: 1, y: 'z' } },
      { table: 'narrow', row: { id: 'c', a: 1, b: 2, c: 3 } },
      { table: 'narrow', row: { id: 'd', d: 4, a: 5 } },
      { table: 'users', row: { id: 'u', plan: 7, seats: 2 } },
      { table: 'users', row: { id: 'u', seats: 3, more: true } },
      { table: 'users', row: { id: 'v', plan: 'free' } },
    ]
    same(current, rows, { maxColumnsPerTable: 3 })
    same(current, rows)
  })

  test('rows without values are left out; a row without an id fails its table only', () => {
    const rows: TableRow[] = [
      { table: 'empty', row: { a: undefined as never } },
      { table: 'tracks', row: { id: 'm1', event: 'e' } },
      { table: 'broken', row: { id: 'x', a: 1 } },
      { table: 'broken', row: { a: 2 } },
      { table: 'tracks', row: { id: '', event: 'e' } },
      { table: 'later', row: { event: 'e', id: 'late' } },
    ]
    const batches = same({}, rows)
    assert.deepEqual(
      batches.map((b) => [b.table, b.error?.message.slice(0, 20)]),
      [
        ['tracks', 'Row 1 of table "trac'],
        ['broken', 'Row 1 of table "brok'],
        ['later', undefined],
      ],
    )
    // `id` is the first column of the text even when a row has it last.
    assert.deepEqual(batches[2]!.columns[0], { name: 'id', type: 'varchar' })
    assert.equal(batches[2]!.text, 'late\te\n')
  })

  test('Object.prototype names are ordinary columns and tables', () => {
    const rows: TableRow[] = [
      { table: 'constructor', row: { id: 'a', toString: 'x', __proto__x: 1, hasOwnProperty: true } },
      { table: 'tracks', row: { id: 'b', valueOf: 2 } },
    ]
    same({ constructor: { id: 'varchar' } } as TableColumns, rows)
    same({}, rows)
    same({ toString: { id: 'varchar', valueOf: 'varchar' } } as TableColumns, rows)
  })
})

describe('rebasePlan: a chunk planned against an older schema, restated against the newer one', () => {
  const messages = (from: number, to: number, extra: (i: number) => Record<string, unknown> = () => ({})) =>
    rowsOf(
      Array.from({ length: to - from }, (_, k) => {
        const i = from + k
        return i % 4 === 0
          ? message(i, {
              type: 'identify',
              userId: `u-${i % 5}`,
              traits: { plan: 'pro', [`t${i % 3}`]: i },
            } as never)
          : message(i, {
              event: `Event ${i % 3}`,
              properties: { n: i, [`p${i % 7}`]: 'x', ...extra(i) },
            } as never)
      }),
    )
  const strip = ({ batches, ...plan }: ReturnType<typeof planCopyBatches>) => ({
    ...plan,
    batches: batches.map((b) => ({ ...b, data: copyRowsAsText(b.data, b.columns) })),
  })

  test('the same plan as planning against the newer schema, when the types agree', () => {
    for (const base of [{}, planCopyBatches({}, messages(0, 5)).schema]) {
      const first = planCopyBatches(base, messages(5, 40))
      const second = messages(40, 90)
      const serial = planCopyBatches(first.schema, second)
      const speculative = planCopyBatches(base, second)
      const rebased = rebasePlan(speculative, base, first.schema)
      assert.ok(rebased)
      assert.deepEqual(strip(rebased), strip(serial))
      // Against the schema it was made for, a plan stands as it is.
      assert.equal(rebasePlan(serial, first.schema, first.schema), serial)
    }
  })

  test('does not stand when a column was added with another type, or a table reaches its limit', () => {
    const first = planCopyBatches(
      {},
      messages(0, 40, (i) => ({ late: `s${i}` })),
    )
    const second = planCopyBatches(
      {},
      messages(40, 80, (i) => ({ late: i })),
    )
    assert.equal(rebasePlan(second, {}, first.schema), undefined)
    const narrow = planCopyBatches({}, messages(40, 80), { maxColumnsPerTable: 8 })
    assert.ok(narrow.skippedColumns.length > 0)
    assert.equal(rebasePlan(narrow, {}, first.schema, 8), undefined)
    const wide = planCopyBatches({}, messages(40, 80))
    const limit = Math.max(...Object.values(wide.schema).map((c) => Object.keys(c).length))
    assert.equal(rebasePlan(wide, {}, first.schema, limit), undefined)
  })
})
