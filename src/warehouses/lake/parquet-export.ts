/**
 * Parquet export of a source's rows into a directory laid out as Segment Data Lakes (see `lake-layout.ts`),
 * written by an in-memory DuckDB with `COPY … TO … (FORMAT PARQUET)`. Each file is written under a
 * temporary name and renamed when complete, so readers never see half a file; exporting the same run
 * again (after a crash) replaces its files rather than adding copies.
 */
import { mkdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api'
import {
  quoteIdentifier,
  WarehouseError,
  type ColumnSpec,
  type LoadRow,
  type WarehouseErrorKind,
} from '../loaders/index.ts'
import { appendRows, DUCKDB_STAGE_TYPES, stagedValueSql } from '../loaders/duckdb/duckdb-append.ts'
import { classifyDuckDBError } from '../loaders/duckdb/duckdb-errors.ts'
import { asWarehouseError, DEFAULT_HINTS } from '../loaders/errors.ts'
import { quoteLiteral } from '../loaders/identifiers.ts'
import {
  partitionDirectory,
  partitionFileName,
  partitionOf,
  reportPath,
  type Partition,
} from './lake-layout.ts'

/** The column every lake row needs: partitions are by the hour a message was received. */
export const PARTITION_COLUMN = 'received_at'

export interface LakeTable {
  /**
   * The `segment_type` partition: `identify`, `page`, `screen`, `group`, `alias`, or a track event's table
   * name (`order_completed`). One table per type.
   */
  readonly segmentType: string
  readonly columns: readonly ColumnSpec[]
  /** Rows as for a loader; each needs a `received_at` timestamp. */
  readonly rows: readonly LoadRow[]
}

export interface LakeExportRequest {
  /** The lake directory (Segment's `s3://<bucket>/segment-data`); created if missing. */
  readonly root: string
  readonly sourceId: string
  /** Names this run's files and report; export a failed run again with the same id. */
  readonly runId: string
  readonly tables: readonly LakeTable[]
  /** Recorded in the report. */
  readonly workspaceId?: string
  /** Default: the system clock. */
  readonly now?: () => Date
}

export interface LakeFile {
  /** Relative to the root, `/`-separated. */
  readonly path: string
  readonly segmentType: string
  readonly day: string
  readonly hr: string
  readonly rows: number
  readonly bytes: number
}

export interface LakeTableReport {
  readonly segmentType: string
  readonly rows: number
  readonly partitions: readonly (Partition & { readonly rows: number })[]
}

/** What a run did; plain JSON. */
export interface LakeReport {
  readonly runId: string
  readonly sourceId: string
  readonly status: 'finished' | 'failed'
  readonly startTime: string
  readonly finishTime: string
  readonly rowCount: number
  readonly tables: readonly LakeTableReport[]
  readonly files: readonly LakeFile[]
  /** The report file written into the lake (Segment's sync-report rows, one JSON object per line). */
  readonly reportPath: string
  readonly error?: { readonly kind: WarehouseErrorKind; readonly message: string; readonly hint: string }
}

interface PlannedTable {
  readonly table: LakeTable
  /** Partition key (`day/hr`) → rows, in order of first appearance. */
  readonly partitions: Map<string, { partition: Partition; rows: LoadRow[] }>
}

/**
 * Writes the tables' rows as Parquet, one file per table and received hour, and the run's report.
 * Never throws for a failed run: the report says `failed`, with the error (and files written before it).
 */
export async function exportToLake(request: LakeExportRequest): Promise<LakeReport> {
  const now = request.now ?? (() => new Date())
  const start = now()
  const files: LakeFile[] = []
  let tables: LakeTableReport[] = []
  let error: WarehouseError | undefined
  try {
    const planned = request.tables.map(planTable)
    tables = planned.map(tableReport)
    await withDuckDB(async (connection) => {
      for (const plan of planned) files.push(...(await writeTable(connection, request, plan)))
    })
  } catch (e) {
    error = asWarehouseError(e, classifyDuckDBError)
  }
  const finish = now()
  const report: LakeReport = {
    runId: request.runId,
    sourceId: request.sourceId,
    status: error === undefined ? 'finished' : 'failed',
    startTime: start.toISOString(),
    finishTime: finish.toISOString(),
    rowCount: tables.reduce((sum, t) => sum + t.rows, 0),
    tables,
    files,
    reportPath: reportPath(request.sourceId, request.runId, start.toISOString().slice(0, 10)),
    ...(error === undefined ? {} : { error: { kind: error.kind, message: error.message, hint: error.hint } }),
  }
  writeReport(request, report)
  return report
}

function planTable(table: LakeTable): PlannedTable {
  if (!table.columns.some((c) => c.name === PARTITION_COLUMN && c.type === 'timestamp'))
    throw new WarehouseError(
      'data',
      `Lake table "${table.segmentType}" has no "${PARTITION_COLUMN}" timestamp column.`,
      {
        hint: 'Lake files are partitioned by the hour each message was received; this is a bug in the caller.',
      },
    )
  const partitions: PlannedTable['partitions'] = new Map()
  table.rows.forEach((row, i) => {
    const partition = partitionOf(row[PARTITION_COLUMN])
    if (partition === undefined)
      throw new WarehouseError(
        'data',
        `Row ${i} of lake table "${table.segmentType}" has no valid "${PARTITION_COLUMN}"; no file of this table was written.`,
        { hint: DEFAULT_HINTS.data },
      )
    const key = `${partition.day}/${partition.hr}`
    let group = partitions.get(key)
    if (group === undefined) partitions.set(key, (group = { partition, rows: [] }))
    group.rows.push(row)
  })
  return { table, partitions }
}

function tableReport({ table, partitions }: PlannedTable): LakeTableReport {
  return {
    segmentType: table.segmentType,
    rows: table.rows.length,
    partitions: [...partitions.values()].map(({ partition, rows }) => ({ ...partition, rows: rows.length })),
  }
}

async function writeTable(
  c: DuckDBConnection,
  request: LakeExportRequest,
  plan: PlannedTable,
): Promise<LakeFile[]> {
  const { table } = plan
  const columns = table.columns
  const quoted = columns.map((col) => ({ ...col, sql: quoteIdentifier(col.name, 'column', Infinity) }))
  const list = quoted.map((col) => `${stagedValueSql(col.sql, col.type, '')} AS ${col.sql}`).join(', ')
  const stageColumns = quoted.map((col) => `${col.sql} ${DUCKDB_STAGE_TYPES[col.type]}`)
  const files: LakeFile[] = []
  for (const { partition, rows } of plan.partitions.values()) {
    await c.run(`CREATE OR REPLACE TEMP TABLE lake_stage (${stageColumns.join(', ')})`)
    const appender = await c.createAppender('lake_stage', 'main', 'temp')
    try {
      const misfit = appendRows(appender, columns, rows)
      if (misfit !== undefined)
        throw new WarehouseError(
          'data',
          `Lake table "${table.segmentType}": ${JSON.stringify(misfit.value)} is not a valid ${misfit.column.type} for column "${misfit.column.name}".`,
          { hint: DEFAULT_HINTS.data },
        )
      appender.flushSync()
    } finally {
      appender.closeSync()
    }
    const relative = `${partitionDirectory(request.sourceId, table.segmentType, partition)}/${partitionFileName(request.runId)}`
    const path = join(request.root, relative)
    const partial = `${path}.partial`
    mkdirSync(dirname(path), { recursive: true })
    try {
      await c.run(
        `COPY (SELECT ${list} FROM temp.main.lake_stage ORDER BY ${stagedValueSql(quoteIdentifier(PARTITION_COLUMN, 'column', Infinity), 'timestamp', '')}) ` +
          `TO ${quoteLiteral(partial)} (FORMAT PARQUET)`,
      )
      renameSync(partial, path)
    } finally {
      rmSync(partial, { force: true })
    }
    files.push({
      path: relative,
      segmentType: table.segmentType,
      ...partition,
      rows: rows.length,
      bytes: statSync(path).size,
    })
  }
  await c.run('DROP TABLE IF EXISTS temp.main.lake_stage')
  return files
}

async function withDuckDB(work: (c: DuckDBConnection) => Promise<void>): Promise<void> {
  const instance = await DuckDBInstance.create(':memory:')
  try {
    const connection = await instance.connect()
    try {
      await work(connection)
    } finally {
      connection.closeSync()
    }
  } finally {
    instance.closeSync()
  }
}

/** Segment's sync-report rows (spec §8): one per table, then a `source` summary. */
function writeReport(request: LakeExportRequest, report: LakeReport): void {
  const common = {
    workspace_id: request.workspaceId ?? null,
    run_id: report.runId,
    start_time: report.startTime,
    finish_time: report.finishTime,
    duration_mins: Math.round((Date.parse(report.finishTime) - Date.parse(report.startTime)) / 60_000),
    status: report.status,
    error: report.error?.message ?? null,
    error_code: report.error?.kind ?? null,
    replay: false,
    source_id: report.sourceId,
    day: report.startTime.slice(0, 10),
  }
  const lines = [
    ...report.tables.map((t) => ({
      type: 'event',
      ...common,
      table_name: t.segmentType,
      partitions: t.partitions.map(({ day, hr }) => ({ day, hr })),
      row_count: t.rows,
    })),
    { type: 'source', ...common, row_count: report.rowCount },
  ]
  const path = join(request.root, report.reportPath)
  mkdirSync(dirname(path), { recursive: true })
  writeFileSync(`${path}.partial`, lines.map((l) => JSON.stringify(l)).join('\n') + '\n')
  renameSync(`${path}.partial`, path)
}
