import assert from 'node:assert/strict'
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { join, relative } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api'
import { exportToLake, partitionOf, pathSegment, type LakeTable } from '../../src/warehouses/lake/index.ts'
import type { ColumnSpec } from '../../src/warehouses/loaders/index.ts'
import { tempDir } from '../support/services.ts'

const IDENTIFY_COLUMNS: ColumnSpec[] = [
  { name: 'id', type: 'varchar' },
  { name: 'received_at', type: 'timestamp' },
  { name: 'user_id', type: 'varchar' },
  { name: 'logins', type: 'bigint' },
  { name: 'score', type: 'double' },
  { name: 'vip', type: 'boolean' },
]
const TRACK_COLUMNS: ColumnSpec[] = [
  { name: 'id', type: 'varchar' },
  { name: 'received_at', type: 'timestamp' },
  { name: 'event_text', type: 'varchar' },
  { name: 'revenue', type: 'double' },
]

const TABLES: LakeTable[] = [
  {
    segmentType: 'identify',
    columns: IDENTIFY_COLUMNS,
    rows: [
      {
        id: 'i1',
        received_at: '2024-05-01T11:59:59.999Z',
        user_id: 'u1',
        logins: 2n ** 62n,
        score: 0.5,
        vip: true,
      },
      { id: 'i2', received_at: '2024-05-01T12:00:00.000Z', user_id: 'u2', logins: null, vip: false },
      { id: 'i3', received_at: new Date('2024-05-01T12:30:00.000Z'), user_id: 'ü "quoted"\nline' },
    ],
  },
  {
    segmentType: 'order_completed',
    columns: TRACK_COLUMNS,
    rows: [
      { id: 't1', received_at: '2024-05-02T00:10:00+02:00', event_text: 'Order Completed', revenue: 9.99 },
      { id: 't2', received_at: '2024-04-30T22:20:00Z', event_text: 'Order Completed', revenue: 20 },
    ],
  },
]

const listFiles = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    return entry.isDirectory() ? listFiles(path) : [path]
  })

describe('Parquet lake export', () => {
  let root: string
  let instance: DuckDBInstance
  let duck: DuckDBConnection
  const read = async (sql: string) => (await duck.runAndReadAll(sql)).getRowObjectsJS()
  const now = () => new Date('2024-05-02T01:00:00.000Z')

  before(async () => {
    root = tempDir()
    instance = await DuckDBInstance.create(':memory:')
    duck = await instance.connect()
  })
  after(() => {
    duck?.closeSync()
    instance?.closeSync()
    rmSync(root, { recursive: true, force: true })
  })

  test('writes one file per type and received hour, in Segment Data Lakes layout', async () => {
    const report = await exportToLake({ root, sourceId: 'src_1', runId: 'run-1', tables: TABLES, now })
    assert.equal(report.status, 'finished', JSON.stringify(report.error))
    assert.equal(report.rowCount, 5)
    const expected = [
      'data/src_1/segment_type=identify/day=2024-05-01/hr=11/part-run-1.parquet',
      'data/src_1/segment_type=identify/day=2024-05-01/hr=12/part-run-1.parquet',
      'data/src_1/segment_type=order_completed/day=2024-04-30/hr=22/part-run-1.parquet',
      'data/src_1/segment_type=order_completed/day=2024-05-01/hr=22/part-run-1.parquet',
    ]
    assert.deepEqual(report.files.map((f) => f.path).sort(), expected)
    assert.deepEqual(
      listFiles(root)
        .map((f) => relative(root, f))
        .sort(),
      [...expected, 'reports/day=2024-05-02/source=src_1/run_id=run-1/report.json'].sort(),
    )
    assert.deepEqual(report.tables, [
      {
        segmentType: 'identify',
        rows: 3,
        partitions: [
          { day: '2024-05-01', hr: '11', rows: 1 },
          { day: '2024-05-01', hr: '12', rows: 2 },
        ],
      },
      {
        segmentType: 'order_completed',
        rows: 2,
        partitions: [
          { day: '2024-05-01', hr: '22', rows: 1 }, // 00:10 at +02:00
          { day: '2024-04-30', hr: '22', rows: 1 },
        ],
      },
    ])
    for (const file of report.files) assert.ok(file.bytes > 0)
    assert.deepEqual(JSON.parse(JSON.stringify(report)), report, 'the report is plain JSON')
  })

  test('the files read back with read_parquet, partitions from the path', async () => {
    const identify = await read(
      `SELECT * FROM read_parquet('${root}/data/src_1/segment_type=identify/*/*/*.parquet', hive_partitioning = true) ORDER BY id`,
    )
    assert.deepEqual(identify, [
      {
        id: 'i1',
        received_at: new Date('2024-05-01T11:59:59.999Z'),
        user_id: 'u1',
        logins: 2n ** 62n,
        score: 0.5,
        vip: true,
        segment_type: 'identify',
        day: new Date('2024-05-01T00:00:00.000Z'),
        hr: 11n,
      },
      {
        id: 'i2',
        received_at: new Date('2024-05-01T12:00:00.000Z'),
        user_id: 'u2',
        logins: null,
        score: null,
        vip: false,
        segment_type: 'identify',
        day: new Date('2024-05-01T00:00:00.000Z'),
        hr: 12n,
      },
      {
        id: 'i3',
        received_at: new Date('2024-05-01T12:30:00.000Z'),
        user_id: 'ü "quoted"\nline',
        logins: null,
        score: null,
        vip: null,
        segment_type: 'identify',
        day: new Date('2024-05-01T00:00:00.000Z'),
        hr: 12n,
      },
    ])
    const types = await read(
      `SELECT name, type FROM parquet_schema('${root}/data/src_1/segment_type=identify/day=2024-05-01/hr=11/part-run-1.parquet') WHERE name <> 'duckdb_schema'`,
    )
    assert.deepEqual(
      types.map((t) => t.name),
      IDENTIFY_COLUMNS.map((c) => c.name),
    )
    const all = await read(
      `SELECT segment_type, count(*) AS n FROM read_parquet('${root}/data/src_1/*/*/*/*.parquet', hive_partitioning = true, union_by_name = true) GROUP BY 1 ORDER BY 1`,
    )
    assert.deepEqual(all, [
      { segment_type: 'identify', n: 3n },
      { segment_type: 'order_completed', n: 2n },
    ])
  })

  test('the report file holds Segment sync-report rows', () => {
    const lines = readFileSync(
      join(root, 'reports/day=2024-05-02/source=src_1/run_id=run-1/report.json'),
      'utf8',
    )
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>)
    assert.deepEqual(
      lines.map((l) => [l.type, l.table_name ?? null, l.row_count, l.status]),
      [
        ['event', 'identify', 3, 'finished'],
        ['event', 'order_completed', 2, 'finished'],
        ['source', null, 5, 'finished'],
      ],
    )
    assert.deepEqual(lines[0]!.partitions, [
      { day: '2024-05-01', hr: '11' },
      { day: '2024-05-01', hr: '12' },
    ])
    assert.equal(lines[0]!.source_id, 'src_1')
    assert.equal(lines[0]!.run_id, 'run-1')
  })

  test('exporting the same run again replaces its files instead of adding copies', async () => {
    const report = await exportToLake({ root, sourceId: 'src_1', runId: 'run-1', tables: TABLES, now })
    assert.equal(report.status, 'finished')
    const [row] = await read(
      `SELECT count(*) AS n FROM read_parquet('${root}/data/src_1/*/*/*/*.parquet', union_by_name = true)`,
    )
    assert.equal(row!.n, 5n)
    assert.ok(!listFiles(root).some((f) => f.endsWith('.partial')))
  })

  test('a row without a received time fails the run before any file is written, and the report says so', async () => {
    const lake = tempDir()
    try {
      const report = await exportToLake({
        root: lake,
        sourceId: 'src_2',
        runId: 'run-2',
        now,
        tables: [
          TABLES[0]!,
          { segmentType: 'page', columns: TRACK_COLUMNS, rows: [{ id: 'p1', received_at: 'yesterday' }] },
        ],
      })
      assert.equal(report.status, 'failed')
      assert.equal(report.error?.kind, 'data')
      assert.match(report.error!.message, /received_at/)
      assert.deepEqual(report.files, [])
      assert.ok(!existsSync(join(lake, 'data')))
      const [line] = readFileSync(join(lake, report.reportPath), 'utf8').trim().split('\n')
      assert.equal((JSON.parse(line!) as { status: string }).status, 'failed')
    } finally {
      rmSync(lake, { recursive: true, force: true })
    }
  })

  test('names that are not safe path segments are escaped', async () => {
    const lake = tempDir()
    try {
      const report = await exportToLake({
        root: lake,
        sourceId: '../src',
        runId: 'run/3',
        now,
        tables: [{ ...TABLES[1]!, segmentType: 'a/../b=c', rows: TABLES[1]!.rows.slice(1) }],
      })
      assert.equal(report.status, 'finished', JSON.stringify(report.error))
      assert.deepEqual(
        report.files.map((f) => f.path),
        ['data/%2E%2E%2Fsrc/segment_type=a%2F%2E%2E%2Fb%3Dc/day=2024-04-30/hr=22/part-run%2F3.parquet'],
      )
      assert.ok(existsSync(join(lake, report.files[0]!.path)))
    } finally {
      rmSync(lake, { recursive: true, force: true })
    }
  })
})

describe('lake layout helpers', () => {
  test('partitionOf uses the UTC day and hour of the received time', () => {
    assert.deepEqual(partitionOf('2024-05-01T23:59:59.999+01:00'), { day: '2024-05-01', hr: '22' })
    assert.deepEqual(partitionOf(new Date('2024-12-31T23:00:00Z')), { day: '2024-12-31', hr: '23' })
    assert.deepEqual(partitionOf('2024-03-01'), { day: '2024-03-01', hr: '00' })
    assert.equal(partitionOf('not a date'), undefined)
    assert.equal(partitionOf(null), undefined)
  })

  test('pathSegment keeps letters, digits, _ and -, escapes everything else', () => {
    assert.equal(pathSegment('order_completed-2'), 'order_completed-2')
    assert.equal(pathSegment('a b/c'), 'a%20b%2Fc')
    assert.equal(pathSegment('é'), '%C3%A9')
    assert.equal(pathSegment('..'), '%2E%2E')
    assert.equal(pathSegment(''), '%00')
  })
})
