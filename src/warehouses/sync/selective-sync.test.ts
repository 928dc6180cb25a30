import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { checkOverrides, selectiveSyncItems, selectiveSyncRules } from './selective-sync.ts'
import type { TableRow } from '../schema/index.ts'
import { applySelectiveSync } from './staged-rows.ts'

describe('Selective Sync', () => {
  const overrides = [
    { sourceId: 's1', collection: 'pages', enabled: false },
    { sourceId: 's1', collection: 'tracks', property: 'context_ip', enabled: false },
    { sourceId: 's1', collection: 'identifies', property: 'email', enabled: true },
    { sourceId: 's2', enabled: false },
  ]

  test('rules per source: the source, tables and columns turned off', () => {
    const s1 = selectiveSyncRules(overrides, 's1')
    assert.equal(s1.sourceEnabled, true)
    assert.deepEqual([...s1.disabledTables], ['pages'])
    assert.deepEqual([...s1.disabledColumns.get('tracks')!], ['context_ip'])
    assert.equal(
      s1.disabledColumns.has('identifies'),
      false,
      'an override turning a column on is the default',
    )
    assert.equal(selectiveSyncRules(overrides, 's2').sourceEnabled, false)
    assert.equal(selectiveSyncRules(overrides, 's3').sourceEnabled, true)
  })

  test('rows of tables turned off are left out, values of columns turned off are removed', () => {
    const rows: TableRow[] = [
      { table: 'pages', row: { id: 'a', name: 'Home' } },
      { table: 'tracks', row: { id: 'b', event: 'x', context_ip: '1.2.3.4' } },
      { table: 'identifies', row: { id: 'c', email: 'a@b.c' } },
    ]
    const out = applySelectiveSync(rows, selectiveSyncRules(overrides, 's1'))
    assert.deepEqual(out.rows, [
      { table: 'tracks', row: { id: 'b', event: 'x' } },
      { table: 'identifies', row: { id: 'c', email: 'a@b.c' } },
    ])
    assert.deepEqual(out.skippedRows, { pages: 1 })
    assert.equal(rows[1]!.row.context_ip, '1.2.3.4', 'the input is left alone')
  })

  test('overrides are checked: connected source, collection before property, id and received_at stay on', () => {
    const errors = checkOverrides(
      [
        { sourceId: 'other', enabled: false },
        { sourceId: 's1', property: 'email', enabled: false },
        { sourceId: 's1', collection: 'tracks', property: 'received_at', enabled: false },
        { sourceId: 's1', collection: 'tracks', property: 'id', enabled: false },
        { sourceId: 's1', collection: 'tracks', property: 'received_at', enabled: true },
      ],
      new Set(['s1']),
    )
    assert.deepEqual(
      errors.map((e) => e.field),
      [
        'syncOverrides[0].sourceId',
        'syncOverrides[1].collection',
        'syncOverrides[2].property',
        'syncOverrides[3].property',
      ],
    )
    assert.match(errors[2]!.message, /sort key/)
  })

  test("items list the recorded schema's collections and properties with their switches", () => {
    const items = selectiveSyncItems(
      'w1',
      's1',
      { tracks: { id: 'varchar', context_ip: 'varchar', event: 'varchar' }, pages: { id: 'varchar' } },
      [...overrides, { sourceId: 's1', collection: 'order_completed', enabled: false }],
    )
    assert.deepEqual(items, [
      {
        sourceId: 's1',
        warehouseId: 'w1',
        collection: 'identifies',
        enabled: true,
        properties: { email: true },
      },
      { sourceId: 's1', warehouseId: 'w1', collection: 'order_completed', enabled: false, properties: {} },
      { sourceId: 's1', warehouseId: 'w1', collection: 'pages', enabled: false, properties: { id: true } },
      {
        sourceId: 's1',
        warehouseId: 'w1',
        collection: 'tracks',
        enabled: true,
        properties: { context_ip: false, event: true, id: true },
      },
    ])
  })
})
