/**
 * The PostgreSQL warehouse. A load, in one transaction on one pooled connection:
 *
 *   CREATE TEMP TABLE stage (…) ON COMMIT DROP
 *   COPY stage FROM STDIN                        -- text format, streamed (not ANALYZEd: the planner's
 *                                                -- estimate from the table's size is enough for hash joins)
 *   LOCK TABLE target IN SHARE ROW EXCLUSIVE MODE -- one loader per table at a time; readers go on
 *   UPDATE target … FROM stage                   -- upsert only
 *   INSERT INTO target SELECT … FROM stage WHERE NOT EXISTS (same id in target)
 *   COMMIT
 *
 * Any failure drops the connection, which rolls the transaction back: nothing of the batch is visible.
 * The lock makes the dedup hold when several processes load the same table.
 */
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import pg from 'pg'
import { from as copyFrom } from 'pg-copy-streams'
import { checkColumns, dedupeRows, type DedupMode } from '../batch.ts'
import { asWarehouseError, WarehouseError } from '../errors.ts'
import { quoteIdentifier, type IdentifierRole } from '../identifiers.ts'
import type {
  ColumnSpec,
  LoadResult,
  LoadRow,
  LoaderCapabilities,
  UpsertResult,
  WarehouseLoader,
  WarehouseSchema,
} from '../loader.ts'
import {
  addColumnSql,
  columnTypeOf,
  createStageSql,
  createTableSql,
  insertNewRowsSql,
  updateExistingRowsSql,
  type QuotedColumn,
  type TypeNames,
} from '../sql.ts'
import { POSTGRES_DEFAULTS, postgresLocation, type PostgresWarehouseConfig } from './postgres-config.ts'
import { copyTextChunks } from './postgres-copy.ts'
import { classifyPostgresError } from './postgres-errors.ts'

export const POSTGRES_CAPABILITIES: LoaderCapabilities = Object.freeze({
  engine: 'postgres',
  bulkLoad: 'copy',
  multipleWriters: true,
  maxIdentifierBytes: 63,
  maxColumnsPerTable: 1600,
  textAllowsNul: false,
})

export const POSTGRES_TYPES: TypeNames = Object.freeze({
  timestamp: 'timestamptz',
  bigint: 'bigint',
  double: 'double precision',
  boolean: 'boolean',
  varchar: 'text',
})

const STAGE = 'sy_stage'

const INT8_OID = 20
const TIMESTAMP_OID = 1114

/** int8 as `bigint` (counts, bigint columns), timestamp without time zone read as UTC. */
const TYPES = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (format !== 'binary' && oid === INT8_OID) return (text: string) => BigInt(text)
    if (format !== 'binary' && oid === TIMESTAMP_OID)
      return (text: string) => new Date(`${text.replace(' ', 'T')}Z`)
    return pg.types.getTypeParser(oid, format as 'text')
  },
} as pg.CustomTypesConfig

export class PostgresLoader implements WarehouseLoader {
  readonly engine = 'postgres'
  readonly capabilities = POSTGRES_CAPABILITIES
  private readonly pool: pg.Pool
  private readonly location: string

  constructor(config: PostgresWarehouseConfig) {
    this.location = postgresLocation(config)
    const connection =
      'url' in config
        ? { connectionString: config.url }
        : {
            host: config.host,
            port: config.port ?? POSTGRES_DEFAULTS.port,
            database: config.database,
            user: config.user,
            // A function, so that a missing password is sent as empty: `pg` would otherwise fall back to
            // this process's own PGPASSWORD or ~/.pgpass, handing the operator's password to any host.
            password: () => config.password ?? '',
          }
    this.pool = new pg.Pool({
      ...connection,
      ...(config.ssl === undefined ? {} : { ssl: config.ssl }),
      max: config.poolSize ?? POSTGRES_DEFAULTS.poolSize,
      connectionTimeoutMillis: config.connectTimeoutMs ?? POSTGRES_DEFAULTS.connectTimeoutMs,
      application_name: config.applicationName ?? POSTGRES_DEFAULTS.applicationName,
      options: '-c TimeZone=UTC',
      types: TYPES,
    })
    // An idle connection that fails (server restart) is dropped by the pool; the next call reconnects.
    this.pool.on('error', () => {})
  }

  async testConnection(): Promise<void> {
    const rows = await this.run(async (client) => {
      const result = await client.query<{ user: string; database: string; can_create: boolean }>(
        `SELECT current_user AS "user", current_database() AS "database",
                has_database_privilege(current_database(), 'CREATE') AS can_create`,
      )
      return result.rows
    })
    const { user, database, can_create } = rows[0]!
    if (!can_create)
      throw new WarehouseError(
        'permissions',
        `User "${user}" may not create schemas in database "${database}" (permission denied for database ${database}).`,
        {
          hint: `Run GRANT CREATE ON DATABASE "${database}" TO "${user}" as an administrator.`,
          code: '42501',
        },
      )
  }

  async describe(schema: string): Promise<WarehouseSchema> {
    const rows = await this.run(async (client) => {
      const result = await client.query<{ table_name: string; column_name: string; data_type: string }>(
        `SELECT c.table_name, c.column_name, c.data_type FROM information_schema.columns c
         JOIN information_schema.tables t
           ON t.table_schema = c.table_schema AND t.table_name = c.table_name
         WHERE c.table_schema = $1 AND t.table_type = 'BASE TABLE'
         ORDER BY c.table_name, c.ordinal_position`,
        [schema],
      )
      return result.rows
    })
    const tables: WarehouseSchema = new Map()
    for (const { table_name, column_name, data_type } of rows) {
      let columns = tables.get(table_name)
      if (columns === undefined) tables.set(table_name, (columns = new Map()))
      columns.set(column_name, columnTypeOf(data_type))
    }
    return tables
  }

  async ensureSchema(schema: string): Promise<void> {
    const sql = `CREATE SCHEMA IF NOT EXISTS ${this.ident(schema, 'schema')}`
    await this.run((client) => client.query(sql))
  }

  async createTable(schema: string, table: string, columns: readonly ColumnSpec[]): Promise<void> {
    const sql = createTableSql(this.tableName(schema, table), this.quote(columns), POSTGRES_TYPES)
    await this.run((client) => client.query(sql))
  }

  async addColumns(schema: string, table: string, columns: readonly ColumnSpec[]): Promise<void> {
    if (columns.length === 0) return
    const target = this.tableName(schema, table)
    const statements = this.quote(columns).map((c) => addColumnSql(target, c, POSTGRES_TYPES))
    await this.transaction(async (client) => {
      for (const sql of statements) await client.query(sql)
    })
  }

  async load(
    schema: string,
    table: string,
    columns: readonly ColumnSpec[],
    rows: readonly LoadRow[],
  ): Promise<LoadResult> {
    const { inserted } = await this.stageAndMerge(schema, table, columns, rows, 'first')
    return { inserted }
  }

  upsert(
    schema: string,
    table: string,
    columns: readonly ColumnSpec[],
    rows: readonly LoadRow[],
  ): Promise<UpsertResult> {
    return this.stageAndMerge(schema, table, columns, rows, 'merge')
  }

  query(
    sql: string,
    params: readonly (string | number | boolean | null)[] = [],
  ): Promise<Record<string, unknown>[]> {
    return this.run(
      async (client) => (await client.query(sql, params as unknown[])).rows as Record<string, unknown>[],
    )
  }

  async close(): Promise<void> {
    await this.pool.end().catch(() => {})
  }

  private async stageAndMerge(
    schema: string,
    table: string,
    columns: readonly ColumnSpec[],
    rows: readonly LoadRow[],
    mode: DedupMode,
  ): Promise<UpsertResult> {
    checkColumns(table, columns, this.capabilities.maxColumnsPerTable)
    const target = this.tableName(schema, table)
    const quoted = this.quote(columns)
    const batch = dedupeRows(table, rows, mode)
    if (batch.length === 0) return { inserted: 0, updated: 0 }
    const names = quoted.map((c) => c.sql).join(', ')
    return this.transaction(async (client) => {
      await client.query(createStageSql(STAGE, quoted, POSTGRES_TYPES, ' ON COMMIT DROP'))
      const copy = client.query(copyFrom(`COPY ${STAGE} (${names}) FROM STDIN`))
      await pipeline(Readable.from(copyTextChunks(table, columns, batch)), copy)
      await client.query(`LOCK TABLE ${target} IN SHARE ROW EXCLUSIVE MODE`)
      const updated =
        mode === 'merge'
          ? ((await client.query(updateExistingRowsSql(target, STAGE, quoted))).rowCount ?? 0)
          : 0
      const inserted = (await client.query(insertNewRowsSql(target, STAGE, quoted))).rowCount ?? 0
      return { inserted, updated }
    })
  }

  /** `work` inside BEGIN … COMMIT. On failure the connection is dropped, which rolls back whatever was done. */
  private transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    return this.run(async (client) => {
      await client.query('BEGIN')
      const result = await work(client)
      await client.query('COMMIT')
      return result
    })
  }

  /** `work` on a pooled connection; errors come out as `WarehouseError`. */
  private async run<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    let client: pg.PoolClient
    try {
      client = await this.pool.connect()
    } catch (e) {
      throw this.wrap(e)
    }
    try {
      const result = await work(client)
      client.release()
      return result
    } catch (e) {
      // Mid-COPY or mid-transaction the session state is unknown: close it rather than reuse it.
      client.release(true)
      throw this.wrap(e)
    }
  }

  private wrap(e: unknown): WarehouseError {
    return asWarehouseError(e, (x) => classifyPostgresError(x, this.location))
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
