import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { sourceSchemaName, stagedRows } from './staged-rows.ts'
import type { WarehouseSyncNotice } from '../../store/index.ts'
import { humanDuration, planNotices, reportStatus, syncStatus } from './sync-status.ts'

const error: WarehouseSyncNotice = { level: 'error', message: 'x', createdAt: '' }
const warning: WarehouseSyncNotice = { level: 'warning', message: 'y', createdAt: '' }

describe('sync status', () => {
  test("Segment's statuses: success, partial (errors and rows), failure (errors, no rows)", () => {
    const cases: [number, WarehouseSyncNotice[], string][] = [
      [0, [], 'success'], // no data found
      [10, [], 'success'],
      [10, [warning], 'success'],
      [10, [error], 'partial'],
      [0, [error], 'failure'],
      [0, [warning, error], 'failure'],
    ]
    for (const [rows, notices, status] of cases) assert.equal(reportStatus(rows, notices), status)
  })

  test('a sync is the sum of its sources, and one that ended early is at best partial', () => {
    assert.equal(syncStatus([{ status: 'success', rows: 3 }], false), 'success')
    assert.equal(syncStatus([], false), 'success')
    assert.equal(
      syncStatus(
        [
          { status: 'success', rows: 3 },
          { status: 'failure', rows: 0 },
        ],
        false,
      ),
      'partial',
    )
    assert.equal(syncStatus([{ status: 'failure', rows: 0 }], false), 'failure')
    assert.equal(syncStatus([{ status: 'running', rows: 3 }], true), 'partial')
    assert.equal(syncStatus([{ status: 'running', rows: 0 }], true), 'failure')
  })

  test('human durations', () => {
    for (const [ms, text] of [
      [400, '0.4s'],
      [1000, '1s'],
      [65_000, '1m 5s'],
      [3_723_000, '1h 2m 3s'],
      [3_600_000, '1h 0m 0s'],
    ] as const)
      assert.equal(humanDuration(ms), text)
  })

  test('plan notices say what was cast and what to do', () => {
    const [cast, skipped] = planNotices(
      [
        {
          table: 'tracks',
          column: 'price',
          columnType: 'bigint',
          valueType: 'double',
          outcome: 'cast',
          count: 2,
          example: 10.99,
        },
      ],
      [{ table: 'wide', column: 'c1601', count: 1 }],
      '2026-01-01T00:00:00.000Z',
    )
    assert.equal(cast!.level, 'warning')
    assert.match(
      cast!.message,
      /^2 double value\(s\) of tracks\.price \(a bigint column\) were cast to fit it, for example 10\.99$/,
    )
    assert.match(skipped!.message, /most columns/)
  })

  test('schema names come from the source slug', () => {
    for (const [slug, name] of [
      ['web', 'web'],
      ['ios-app', 'ios_app'],
      ['My Site', 'my_site'],
      ['2024-site', '_2024_site'],
      ['order', '_order'],
    ] as const)
      assert.equal(sourceSchemaName(slug, 'abc'), name)
    assert.equal(sourceSchemaName('---', 'Src9'), 'source_src9')
  })

  test('staged records become rows per source; unreadable records are counted, upserts merged', () => {
    const msg = (over: Record<string, unknown>) =>
      JSON.stringify({
        sourceId: 's',
        workspaceId: 'w',
        message: {
          messageId: 'm',
          receivedAt: '2026-01-01T00:00:00.000Z',
          timestamp: '2026-01-01T00:00:00.000Z',
          ...over,
        },
      })
    const out = stagedRows(
      [
        {
          key: 's1',
          value: msg({ type: 'identify', messageId: 'a', userId: 'u1', traits: { plan: 'free' } }),
        },
        {
          key: 's1',
          value: msg({ type: 'identify', messageId: 'b', userId: 'u1', traits: { name: 'Ann' } }),
        },
        {
          key: 's2',
          value: Buffer.from(msg({ type: 'track', messageId: 'c', userId: 'u2', event: 'Signed Up' })),
        },
        { key: 's2', value: '{not json' },
        { key: 's2', value: JSON.stringify({ type: 'track', messageId: 'not-an-envelope' }) },
      ],
      new Date('2026-01-01T00:00:01Z'),
    )
    const s1 = out.get('s1')!
    assert.equal(s1.messages, 2)
    assert.deepEqual(
      s1.rows.map((r) => r.table),
      ['identifies', 'users', 'identifies'],
      'the two users rows of u1 are merged into the first',
    )
    assert.equal(s1.rows[1]!.row.plan, 'free')
    assert.equal(s1.rows[1]!.row.name, 'Ann')
    const s2 = out.get('s2')!
    assert.equal(s2.unreadable, 2)
    assert.deepEqual(
      s2.rows.map((r) => r.table),
      ['tracks', 'signed_up'],
    )
  })
})
