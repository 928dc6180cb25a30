/**
 * The DuckDB warehouse: a database file, loaded through the appender into a temporary staging table, then
 * `INSERT … WHERE NOT EXISTS` into the target in one transaction. DuckDB allows one process per file (see
 * `duckdb-config.ts`); within the process, calls run one at a time on one connection.
 */
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { DuckDBInstance, type DuckDBConnection, type DuckDBValue } from '@duckdb/node-api'
import { checkColumns, dedupeRows, ID_COLUMN, type DedupMode } from '../batch.ts'
import { asWarehouseError } from '../errors.ts'
import { quoteIdentifier, type IdentifierRole } from '../identifiers.ts'
import type {
  ColumnSpec,
  LoadResult,
  LoadRow,
  LoaderCapabilities,
  SchemaChanges,
  UpsertResult,
  WarehouseLoader,
  WarehouseSchema,
} from '../loader.ts'
import {
  columnTypeOf,
  createStageSql,
  evolveSchemaSql,
  insertNewRowsSql,
  updateExistingRowsSql,
  type QuotedColumn,
} from '../sql.ts'
import { valueError } from '../values.ts'
import { appendRows, DUCKDB_STAGE_TYPES, DUCKDB_TYPES, stagedValueSql } from './duckdb-append.ts'
import type { DuckDBWarehouseConfig } from './duckdb-config.ts'
import { classifyDuckDBError } from './duckdb-errors.ts'

export const DUCKDB_CAPABILITIES: LoaderCapabilities = Object.freeze({
  engine: 'duckdb',
  bulkLoad: 'appender',
  multipleWriters: false,
  maxIdentifierBytes: Number.POSITIVE_INFINITY,
  maxColumnsPerTable: Number.POSITIVE_INFINITY,
  textAllowsNul: true,
})

/** Staging tables live in DuckDB's `temp` catalog, gone when the connection closes. */
const STAGE_CATALOG = 'temp'
const STAGE_SCHEMA = 'main'

export class DuckDBLoader implements WarehouseLoader {
  readonly engine = 'duckdb'
  readonly capabilities = DUCKDB_CAPABILITIES
  private readonly config: DuckDBWarehouseConfig
  private opened: Promise<{ instance: DuckDBInstance; connection: DuckDBConnection }> | undefined
  private queue: Promise<unknown> = Promise.resolve()
  private stages = 0
  private closed = false

  constructor(config: DuckDBWarehouseConfig) {
    this.config = Object.freeze({ ...config })
  }

  testConnection(): Promise<void> {
    return this.exclusive(async (c) => {
      await c.run('SELECT 1')
    })
  }

  describe(schema: string): Promise<WarehouseSchema> {
    return this.exclusive(async (c) => {
      const reader = await c.runAndReadAll(
        `SELECT c.table_name, c.column_name, c.data_type FROM information_schema.columns c
         JOIN information_schema.tables t
           ON t.table_catalog = c.table_catalog AND t.table_schema = c.table_schema AND t.table_name = c.table_name
         WHERE c.table_catalog = current_database() AND c.table_schema = $1 AND t.table_type = 'BASE TABLE'
         ORDER BY c.table_name, c.ordinal_position`,
        [schema],
      )
      const tables: WarehouseSchema = new Map()
      for (const [table, column, dataType] of reader.getRows() as [string, string, string][]) {
        let columns = tables.get(table)
        if (columns === undefined) tables.set(table, (columns = new Map()))
        columns.set(column, columnTypeOf(dataType))
      }
      return tables
    })
  }

  async evolveSchema(schema: string, changes: SchemaChanges): Promise<void> {
    const statements = evolveSchemaSql(schema, changes, this.capabilities.maxIdentifierBytes, DUCKDB_TYPES)
    return this.exclusive((c) =>
      this.transaction(c, async () => {
        for (const sql of statements) await c.run(sql)
      }),
    )
  }

  load(
    schema: string,
    table: string,
    columns: readonly ColumnSpec[],
    rows: readonly LoadRow[],
  ): Promise<LoadResult> {
    return this.exclusive(async (c) => {
      const { inserted } = await this.stageAndMerge(c, schema, table, columns, rows, 'first')
      return { inserted }
    })
  }

  upsert(
    schema: string,
    table: string,
    columns: readonly ColumnSpec[],
    rows: readonly LoadRow[],
  ): Promise<UpsertResult> {
    return this.exclusive((c) => this.stageAndMerge(c, schema, table, columns, rows, 'merge'))
  }

  query(
    sql: string,
    params: readonly (string | number | boolean | null)[] = [],
  ): Promise<Record<string, unknown>[]> {
    return this.exclusive(async (c) => {
      const reader = await c.runAndReadAll(sql, params as DuckDBValue[])
      return reader.getRowObjectsJS() as Record<string, unknown>[]
    })
  }

  /** Waits for the calls made before it, then closes the file; later calls are refused. */
  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    await this.queue
    const opened = await this.opened?.catch(() => undefined)
    opened?.connection.closeSync()
    opened?.instance.closeSync()
  }

  private async stageAndMerge(
    c: DuckDBConnection,
    schema: string,
    table: string,
    columns: readonly ColumnSpec[],
    rows: readonly LoadRow[],
    mode: DedupMode,
  ): Promise<UpsertResult> {
    checkColumns(table, columns, this.capabilities.maxColumnsPerTable)
    const target = this.tableName(schema, table)
    const quoted = this.quote(columns).map((col) => ({ ...col, staged: stagedValueSql(col.sql, col.type) }))
    const batch = dedupeRows(table, rows, mode)
    if (batch.length === 0) return { inserted: 0, updated: 0 }

    const stageName = `sy_stage_${++this.stages}`
    await c.run(createStageSql(`"${stageName}"`, quoted, DUCKDB_STAGE_TYPES))
    const stage = `${STAGE_CATALOG}.${STAGE_SCHEMA}."${stageName}"`
    try {
      const appender = await c.createAppender(stageName, STAGE_SCHEMA, STAGE_CATALOG)
      let misfit
      try {
        misfit = appendRows(appender, columns, batch)
        if (misfit === undefined) appender.flushSync()
        else appender.clear()
      } finally {
        appender.closeSync()
      }
      if (misfit !== undefined)
        throw valueError(
          table,
          misfit.column.name,
          misfit.column.type,
          batch[misfit.row]![ID_COLUMN],
          misfit.value,
        )
      return await this.transaction(c, async () => {
        const updated =
          mode === 'merge' ? (await c.run(updateExistingRowsSql(target, stage, quoted))).rowsChanged : 0
        const inserted = (await c.run(insertNewRowsSql(target, stage, quoted))).rowsChanged
        return { inserted, updated }
      })
    } finally {
      await c.run(`DROP TABLE IF EXISTS ${stage}`).catch(() => {})
    }
  }

  private async transaction<T>(c: DuckDBConnection, work: () => Promise<T>): Promise<T> {
    await c.run('BEGIN TRANSACTION')
    try {
      const result = await work()
      await c.run('COMMIT')
      return result
    } catch (e) {
      await c.run('ROLLBACK').catch(() => {})
      throw e
    }
  }

  /** Runs `work` after every earlier call, on the one connection; errors come out as `WarehouseError`. */
  private exclusive<T>(work: (c: DuckDBConnection) => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new Error('the DuckDB warehouse loader is closed'))
    const run = this.queue.then(async () => {
      try {
        return await work((await this.open()).connection)
      } catch (e) {
        throw asWarehouseError(e, classifyDuckDBError)
      }
    })
    this.queue = run.catch(() => {})
    return run
  }

  private open(): Promise<{ instance: DuckDBInstance; connection: DuckDBConnection }> {
    this.opened ??= (async () => {
      const { path, settings } = this.config
      if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true })
      const instance = await DuckDBInstance.create(path, { ...settings })
      try {
        return { instance, connection: await instance.connect() }
      } catch (e) {
        instance.closeSync()
        throw e
      }
    })()
    // A failed open (the file is locked by another process) is retried by the next call.
    this.opened.catch(() => (this.opened = undefined))
    return this.opened
  }

  private ident(name: string, role: IdentifierRole): string {
    return quoteIdentifier(name, role, this.capabilities.maxIdentifierBytes)
  }

  private tableName(schema: string, table: string): string {
    return `${this.ident(schema, 'schema')}.${this.ident(table, 'table')}`
  }

  private quote(columns: readonly ColumnSpec[]): QuotedColumn[] {
    return columns.map((c) => ({ sql: this.ident(c.name, 'column'), type: c.type }))
  }
}
