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
 * A batch the sync already wrote as COPY text, one line per id (`loadCopyText`), skips the stage for
 * events: under the same lock, the table's rows with the batch's ids are looked up, and the other lines
 * are COPYed straight into the table. Upserts of such batches go through the stage as above.
 *
 * Any failure drops the connection, which rolls the transaction back: nothing of the batch is visible.
 * The lock makes the dedup hold when several processes load the same table.
 */
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import pg from 'pg'
import { from as copyFrom } from 'pg-copy-streams'
import { checkColumns, dedupeRows, ID_COLUMN, type DedupMode } from '../batch.ts'
import { asWarehouseError, WarehouseError } from '../errors.ts'
import { quoteIdentifier, type IdentifierRole } from '../identifiers.ts'
import type {
  ColumnSpec,
  CopyTextBatch,
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
  QUOTED_ID,
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

  async evolveSchema(schema: string, changes: SchemaChanges): Promise<void> {
    const statements = evolveSchemaSql(schema, changes, this.capabilities.maxIdentifierBytes, POSTGRES_TYPES)
    // One simple query: its statements run as one transaction, in one round trip.
    const sql = statements.join(';\n')
    await this.run((client) => client.query(sql))
  }

  async load(
    schema: string,
    table: string,
    columns: readonly ColumnSpec[],
    rows: readonly LoadRow[],
  ): Promise<LoadResult> {
    const { inserted } = await this.loadRows(schema, table, columns, rows, 'first')
    return { inserted }
  }

  upsert(
    schema: string,
    table: string,
    columns: readonly ColumnSpec[],
    rows: readonly LoadRow[],
  ): Promise<UpsertResult> {
    return this.loadRows(schema, table, columns, rows, 'merge')
  }

  private async loadRows(
    schema: string,
    table: string,
    columns: readonly ColumnSpec[],
    rows: readonly LoadRow[],
    mode: DedupMode,
  ): Promise<UpsertResult> {
    checkColumns(table, columns, this.capabilities.maxColumnsPerTable)
    const batch = dedupeRows(table, rows, mode)
    if (batch.length === 0) return { inserted: 0, updated: 0 }
    return this.stageAndMerge(schema, table, columns, copyTextChunks(table, columns, batch), mode)
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

  /**
   * A batch already one line per id in COPY text. Events whose `id` is text go straight into the table:
   * under the table lock, the ids the table already has are looked up and their lines left out, then
   * the rest is COPYed in (one pass over the rows instead of a staging table, a second COPY and an
   * anti-join insert). Upserts, and tables whose `id` is not text, go through the staging table.
   */
  async loadCopyText(
    schema: string,
    table: string,
    batch: CopyTextBatch,
    mode: DedupMode,
  ): Promise<UpsertResult> {
    const { columns } = batch
    checkColumns(table, columns, this.capabilities.maxColumnsPerTable)
    if (batch.rows === 0) return { inserted: 0, updated: 0 }
    if (mode === 'merge' || columns[0]?.name !== ID_COLUMN || columns[0].type !== 'varchar')
      return this.stageAndMerge(schema, table, columns, [batch.text], mode)
    const target = this.tableName(schema, table)
    const names = this.quote(columns)
      .map((c) => c.sql)
      .join(', ')
    return this.transaction(target, async (client) => {
      // Text never holds NUL in PostgreSQL: the COPY text left it out of the stored id as well.
      const ids = batch.ids.map((id) => (id.includes('\0') ? id.replaceAll('\0', '') : id))
      const found = await client.query<[string]>({ ...existingIdsQuery(target, ids), rowMode: 'array' })
      let text = batch.text
      let inserted = batch.rows
      if (found.rows.length > 0) {
        const existing = new Set(found.rows.map(([id]) => id))
        const lines = (typeof text === 'string' ? text : Buffer.from(text).toString('utf8')).split('\n')
        text = lines.filter((_, i) => i < ids.length && !existing.has(ids[i]!)).join('\n')
        inserted = ids.filter((id) => !existing.has(id)).length
        if (inserted === 0) return { inserted: 0, updated: 0 }
        text += '\n'
      }
      await copyIn(client, `COPY ${target} (${names}) FROM STDIN`, [text])
      return { inserted, updated: 0 }
    })
  }

  private async stageAndMerge(
    schema: string,
    table: string,
    columns: readonly ColumnSpec[],
    data: Iterable<string | Uint8Array>,
    mode: DedupMode,
  ): Promise<UpsertResult> {
    const target = this.tableName(schema, table)
    const quoted = this.quote(columns)
    const names = quoted.map((c) => c.sql).join(', ')
    return this.transaction(undefined, async (client) => {
      await client.query(createStageSql(STAGE, quoted, POSTGRES_TYPES, ' ON COMMIT DROP'))
      await copyIn(client, `COPY ${STAGE} (${names}) FROM STDIN`, data)
      await client.query(lockSql(target))
      const updated =
        mode === 'merge'
          ? ((await client.query(updateExistingRowsSql(target, STAGE, quoted))).rowCount ?? 0)
          : 0
      const inserted = (await client.query(insertNewRowsSql(target, STAGE, quoted))).rowCount ?? 0
      return { inserted, updated }
    })
  }

  /**
   * `work` inside BEGIN … COMMIT, holding `locked` (a table) in SHARE ROW EXCLUSIVE mode from the start
   * (taken in the same round trip as BEGIN). On failure the connection is dropped, which rolls back
   * whatever was done.
   */
  private transaction<T>(
    locked: string | undefined,
    work: (client: pg.PoolClient) => Promise<T>,
  ): Promise<T> {
    return this.run(async (client) => {
      await client.query(locked === undefined ? 'BEGIN' : `BEGIN; ${lockSql(locked)}`)
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

/** Streams `data` into the COPY `sql` starts; a failure aborts the COPY (and fails the transaction). */
async function copyIn(
  client: pg.PoolClient,
  sql: string,
  data: Iterable<string | Uint8Array>,
): Promise<void> {
  await pipeline(Readable.from(data), client.query(copyFrom(sql)))
}

/** The table lock of a load: other loads of the table wait, readers do not. */
const lockSql = (table: string) => `LOCK TABLE ${table} IN SHARE ROW EXCLUSIVE MODE`

/**
 * The ids of `ids` that `target` has. The ids go as one text, split by the server, which is cheaper on
 * both sides than an array parameter, unless an id holds the separator.
 */
function existingIdsQuery(target: string, ids: readonly string[]): { text: string; values: unknown[] } {
  const where = (list: string) => `SELECT ${QUOTED_ID} FROM ${target} WHERE ${QUOTED_ID} = ANY(${list})`
  if (ids.some((id) => id.includes('\n'))) return { text: where('$1::text[]'), values: [ids] }
  return { text: where("string_to_array($1, E'\\n')"), values: [ids.join('\n')] }
}
