/**
 * The PostgreSQL warehouse. A load, in one transaction on one pooled connection:
 *
 *   CREATE TEMP TABLE stage (…) ON COMMIT DROP
 *   COPY stage FROM STDIN (FORMAT binary)        -- streamed (not ANALYZEd: the planner's estimate
 *                                                -- from the table's size is enough for hash joins)
 *   LOCK TABLE target IN SHARE ROW EXCLUSIVE MODE -- one loader per table at a time; readers go on
 *   UPDATE target … FROM stage                   -- upsert only
 *   INSERT INTO target SELECT … FROM stage WHERE NOT EXISTS (same id in target)
 *   COMMIT
 *
 * A batch the sync already wrote as binary COPY rows, one row per id (`loadCopyRows`), skips the stage
 * for events: under the same lock, the table's rows with the batch's ids are looked up, and the other
 * rows are COPYed straight into the table (as COPY text instead when a column's type is not the one
 * the binary form is for: `postgres-copy-binary.ts`). Upserts of such batches go through the stage as
 * above.
 *
 * Looking ids up reads the table. So that a sync does not read again, chunk after chunk, the rows it has
 * just loaded (which made a first backfill quadratic), a loader remembers the ids it loaded straight
 * into a table, and looks up only the rows the table had before its first load there: the pages below
 * the table's size then (a TID range scan). That holds while no one else adds rows to the table, so a
 * loader takes a session lock on the schema (an advisory lock) before its first such load, keeps it
 * until it closes, and checks it is still held under the table lock of every load.
 *
 * Any failure drops the connection, which rolls the transaction back: nothing of the batch is visible.
 * The lock makes the dedup hold when several processes load the same table.
 */
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import pg from 'pg'
import { from as copyFrom } from 'pg-copy-streams'
import { checkColumns, dedupeRows, ID_COLUMN, type DedupMode } from '../batch.ts'
import { asWarehouseError, DEFAULT_HINTS, WarehouseError } from '../errors.ts'
import { quoteIdentifier, type IdentifierRole } from '../identifiers.ts'
import type {
  ColumnSpec,
  CopyRowsBatch,
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
import {
  BINARY_TYPE_OIDS,
  COPY_BINARY_HEADER,
  COPY_BINARY_TRAILER,
  copyBinaryChunks,
  copyRowEnds,
  copyRowsAsText,
} from './postgres-copy-binary.ts'
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

/** The first key of the schema locks (`pg_advisory_lock(int, int)`); the second is the schema's hash. */
const SCHEMA_LOCK_CLASS = 0x53594e43 // "SYNC"
/** How long a load waits for another loader's schema lock before failing (transient: retried). */
const SCHEMA_LOCK_TIMEOUT_MS = 60_000
/** Ids a loader remembers (all tables); past this, a table's are forgotten and its lookup reads it whole. */
const MAX_REMEMBERED_IDS = 2_000_000

/** A table as measured under its lock at a loader's first load into it. */
type Measured = Pick<LoadedTable, 'pagesBefore' | 'filenode'>

/** A table this loader has loaded straight from COPY text, holding its schema's lock since. */
interface LoadedTable {
  /** The table's size in pages before this loader's first load: every row of others is below. */
  readonly pagesBefore: number
  /** The table's file then: a rewrite (`VACUUM FULL`, `CLUSTER`, pg_repack) moves rows anywhere. */
  readonly filenode: number
  /** The ids this loader loaded into it since, as stored. */
  readonly ids: Set<string>
}

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
  private readonly locks: SchemaLocks
  /** By the table's quoted name. */
  private readonly loaded = new Map<string, LoadedTable>()
  private rememberedIds = 0
  /** Counts what was forgotten: a load that began before a forget does not remember (`remember`). */
  private forgotten = 0
  /** The last load of each table, by the table's quoted name (`inTurn`). */
  private readonly turns = new Map<string, Promise<void>>()

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
    const settings = {
      ...connection,
      ...(config.ssl === undefined ? {} : { ssl: config.ssl }),
      connectionTimeoutMillis: config.connectTimeoutMs ?? POSTGRES_DEFAULTS.connectTimeoutMs,
      application_name: config.applicationName ?? POSTGRES_DEFAULTS.applicationName,
      options: '-c TimeZone=UTC',
      types: TYPES,
    }
    this.pool = new pg.Pool({ ...settings, max: config.poolSize ?? POSTGRES_DEFAULTS.poolSize })
    // An idle connection that fails (server restart) is dropped by the pool; the next call reconnects.
    this.pool.on('error', () => {})
    this.locks = new SchemaLocks(
      () => new pg.Client({ ...settings, keepAlive: true }),
      config.schemaLockTimeoutMs ?? SCHEMA_LOCK_TIMEOUT_MS,
      // The locks went with their session: the next load takes them again and measures its table again.
      () => this.forgetLoaded(),
    )
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
    return this.stageAndMerge(schema, table, columns, copyBinaryChunks(table, columns, batch), mode)
  }

  query(
    sql: string,
    params: readonly (string | number | boolean | null)[] = [],
  ): Promise<Record<string, unknown>[]> {
    // Meant to read, but a caller may delete: the ids remembered may no longer be there.
    this.forgetLoaded()
    return this.run(
      async (client) => (await client.query(sql, params as unknown[])).rows as Record<string, unknown>[],
    )
  }

  async close(): Promise<void> {
    this.forgetLoaded()
    await this.locks.close()
    await this.pool.end().catch(() => {})
  }

  /**
   * A batch already one row per id in binary COPY rows. Events whose `id` is text go straight into the
   * table: under the table lock, the ids the table already has are looked up and their rows left out,
   * then the rest is COPYed in (one pass over the rows instead of a staging table, a second COPY and an
   * anti-join insert). Upserts, and tables whose `id` is not text, go through the staging table.
   *
   * Only the rows the table had before this loader's first load into it are read: the ids loaded since
   * are remembered (see the top of this file).
   */
  async loadCopyRows(
    schema: string,
    table: string,
    batch: CopyRowsBatch,
    mode: DedupMode,
  ): Promise<UpsertResult> {
    const { columns } = batch
    checkColumns(table, columns, this.capabilities.maxColumnsPerTable)
    if (batch.rows === 0) return { inserted: 0, updated: 0 }
    if (mode === 'merge' || columns[0]?.name !== ID_COLUMN || columns[0].type !== 'varchar')
      return this.stageAndMerge(schema, table, columns, [batch.data], mode)
    const target = this.tableName(schema, table)
    const names = this.quote(columns)
      .map((c) => c.sql)
      .join(', ')
    const lock = await this.locks.hold(schema).catch((e: unknown) => {
      throw this.wrap(e)
    })
    // Text never holds NUL in PostgreSQL: the COPY rows left it out of the stored id as well.
    const ids = batch.ids.map((id) => (id.includes('\0') ? id.replaceAll('\0', '') : id))
    return this.inTurn(target, () => this.loadStraight(target, names, batch, ids, lock))
  }

  /**
   * `load` after this loader's loads of `target` before it, whichever way they go (they would wait for
   * each other's table lock anyway), so that each knows what those before remembered or forgot.
   */
  private inTurn<T>(target: string, load: () => Promise<T>): Promise<T> {
    const done = (this.turns.get(target) ?? Promise.resolve()).then(load)
    const next = done.then(
      () => {},
      () => {},
    )
    this.turns.set(target, next)
    void next.then(() => {
      if (this.turns.get(target) === next) this.turns.delete(target)
    })
    return done
  }

  private async loadStraight(
    target: string,
    names: string,
    batch: CopyRowsBatch,
    ids: readonly string[],
    lock: SchemaLock,
  ): Promise<UpsertResult> {
    const forgotten = this.forgotten
    let result: { loaded: Measured & { ids: readonly string[] }; inserted: number }
    try {
      result = await this.loadStraightNow(target, names, batch, ids, lock)
    } catch (e) {
      // A COMMIT whose outcome is unknown may have loaded the rows: measure the table again.
      this.forgetLoaded(target)
      throw e
    }
    const { loaded, inserted } = result
    this.remember(target, loaded, forgotten)
    return { inserted, updated: 0 }
  }

  private loadStraightNow(
    target: string,
    names: string,
    batch: CopyRowsBatch,
    ids: readonly string[],
    lock: SchemaLock,
  ): Promise<{ loaded: Measured & { ids: readonly string[] }; inserted: number }> {
    const check = schemaLockCheckSql(target, lock, batch.columns)
    return this.transaction(target, check, async (client, checked) => {
      const now = schemaLockChecked(checked, lock, batch.columns)
      let known = this.loaded.get(target)
      if (known !== undefined && known.filenode !== now.filenode) {
        // Rewritten since it was measured: measured again now (and again at the next load).
        this.forgetLoaded(target)
        known = undefined
      }
      const measured: Measured = known ?? { pagesBefore: now.pages, filenode: now.filenode }
      const { pagesBefore } = measured
      const existing = new Set<string>()
      if (pagesBefore > 0) {
        const found = await client.query<[string]>({
          ...existingIdsQuery(target, ids, pagesBefore),
          rowMode: 'array',
        })
        for (const [id] of found.rows) existing.add(id)
      }
      if (known !== undefined) addKnown(existing, ids, known.ids)
      const fresh = existing.size === 0 ? ids : ids.filter((id) => !existing.has(id))
      if (fresh.length === 0) return { loaded: { ...measured, ids: fresh }, inserted: 0 }
      const rows = existing.size === 0 ? [batch.data] : rowsWithout(batch.data, ids, existing)
      if (now.binary) await copyIn(client, `COPY ${target} (${names}) FROM STDIN`, rows, 'binary')
      else {
        const text = rows.map((piece) => Buffer.from(copyRowsAsText(piece, batch.columns)))
        await copyIn(client, `COPY ${target} (${names}) FROM STDIN`, text, 'text')
      }
      return { loaded: { ...measured, ids: fresh }, inserted: fresh.length }
    })
  }

  /**
   * Notes ids loaded into `target` (committed, under the schema lock) by a load that began when
   * `forgotten` was the count of forgets: after a forget meanwhile, the table is forgotten instead
   * (its state may have been made again without the loads before).
   */
  private remember(
    target: string,
    { pagesBefore, filenode, ids }: Measured & { ids: readonly string[] },
    forgotten: number,
  ): void {
    // Past the bound, its next load measures the table again and looks up all the rows it has then.
    if (forgotten !== this.forgotten || this.rememberedIds + ids.length > MAX_REMEMBERED_IDS) {
      this.forgetLoaded(target)
      return
    }
    let known = this.loaded.get(target)
    if (known === undefined) this.loaded.set(target, (known = { pagesBefore, filenode, ids: new Set() }))
    for (const id of ids) known.ids.add(id)
    this.rememberedIds += ids.length
  }

  /** Forgets what this loader loaded into `target` (every table without it). */
  private forgetLoaded(target?: string): void {
    this.forgotten++
    if (target === undefined) {
      this.loaded.clear()
      this.rememberedIds = 0
      return
    }
    const known = this.loaded.get(target)
    if (known === undefined) return
    this.rememberedIds -= known.ids.size
    this.loaded.delete(target)
  }

  private async stageAndMerge(
    schema: string,
    table: string,
    columns: readonly ColumnSpec[],
    data: Iterable<Uint8Array>,
    mode: DedupMode,
  ): Promise<UpsertResult> {
    const target = this.tableName(schema, table)
    const quoted = this.quote(columns)
    const names = quoted.map((c) => c.sql).join(', ')
    return this.inTurn(target, () => {
      // Rows added another way than `loadCopyRows`'s: the table's next such load measures it again.
      this.forgetLoaded(target)
      return this.stageAndMergeNow(target, quoted, names, data, mode)
    })
  }

  private stageAndMergeNow(
    target: string,
    quoted: readonly QuotedColumn[],
    names: string,
    data: Iterable<Uint8Array>,
    mode: DedupMode,
  ): Promise<UpsertResult> {
    return this.transaction(undefined, undefined, async (client) => {
      await client.query(createStageSql(STAGE, quoted, POSTGRES_TYPES, ' ON COMMIT DROP'))
      await copyIn(client, `COPY ${STAGE} (${names}) FROM STDIN`, data, 'binary')
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
   * (taken in the same round trip as BEGIN, as is `first`, a query without parameters, whose first row
   * `work` gets). On failure the connection is dropped, which rolls back whatever was done.
   */
  private transaction<T>(
    locked: string | undefined,
    first: string | undefined,
    work: (client: pg.PoolClient, firstRow: Record<string, unknown> | undefined) => Promise<T>,
  ): Promise<T> {
    return this.run(async (client) => {
      const begin = locked === undefined ? 'BEGIN' : `BEGIN; ${lockSql(locked)}`
      // Several statements in one simple query: a result each, `first`'s last.
      const results = await client.query(first === undefined ? begin : `${begin}; ${first}`)
      const firstRow =
        first === undefined ? undefined : (results as unknown as pg.QueryResult[]).at(-1)!.rows[0]
      const result = await work(client, firstRow as Record<string, unknown> | undefined)
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

/**
 * Streams `data` (binary COPY rows without header and trailer, or COPY text) into the COPY `sql` starts;
 * a failure aborts the COPY (and fails the transaction).
 */
async function copyIn(
  client: pg.PoolClient,
  sql: string,
  data: Iterable<Uint8Array>,
  format: 'binary' | 'text',
): Promise<void> {
  if (format === 'text') {
    await pipeline(Readable.from(copyMessages(data)), client.query(copyFrom(sql)))
    return
  }
  const framed = [COPY_BINARY_HEADER, ...data, COPY_BINARY_TRAILER]
  await pipeline(Readable.from(copyMessages(framed)), client.query(copyFrom(`${sql} (FORMAT binary)`)))
}

/**
 * Adds to `existing` the ids of `ids` that are in `known`. A function of its own, not a loop in the load
 * that calls it: the loop over every id makes its function hot, and V8 compiles a hot function again
 * after each garbage collection that drops its code (a load's whole callback, with what it inlines,
 * took 70-100 ms of compiling each time).
 */
function addKnown(existing: Set<string>, ids: readonly string[], known: ReadonlySet<string>): void {
  for (const id of ids) if (known.has(id)) existing.add(id)
}

/** The rows of `data` whose id (`ids`, in row order) is not in `existing`, as runs of adjacent rows. */
function rowsWithout(data: Uint8Array, ids: readonly string[], existing: ReadonlySet<string>): Uint8Array[] {
  const ends = copyRowEnds(data)
  const runs: Uint8Array[] = []
  let runStart = -1
  for (let i = 0; i <= ends.length; i++) {
    const keep = i < ends.length && !existing.has(ids[i]!)
    const start = i === 0 ? 0 : ends[i - 1]!
    if (keep && runStart < 0) runStart = start
    if (!keep && runStart >= 0) {
      runs.push(data.subarray(runStart, start))
      runStart = -1
    }
  }
  return runs
}

/**
 * The bytes of a COPY message at most (each write is one CopyData message). The server reads a message
 * whole into memory before parsing it: a chunk's text sent as one message of several megabytes would
 * be copied into a buffer of that size and parsed from main memory, where pieces this size stay in the
 * CPU's cache. Messages need not end at a row's end.
 */
const COPY_MESSAGE_BYTES = 256 * 1024

function* copyMessages(data: Iterable<Uint8Array>): Iterable<Uint8Array> {
  for (const piece of data) {
    if (piece.length <= COPY_MESSAGE_BYTES) yield piece
    else
      for (let at = 0; at < piece.length; at += COPY_MESSAGE_BYTES)
        yield piece.subarray(at, at + COPY_MESSAGE_BYTES)
  }
}

/** The table lock of a load: other loads of the table wait, readers do not. */
const lockSql = (table: string) => `LOCK TABLE ${table} IN SHARE ROW EXCLUSIVE MODE`

/**
 * The ids of `ids` that `target` has in its first `pages` pages. The ids go as one text, split by the
 * server, which is cheaper on both sides than an array parameter, unless an id holds the separator.
 */
function existingIdsQuery(
  target: string,
  ids: readonly string[],
  pages: number,
): { text: string; values: unknown[] } {
  const where = (list: string) =>
    `SELECT ${QUOTED_ID} FROM ${target} WHERE ctid < '(${pages},0)'::tid AND ${QUOTED_ID} = ANY(${list})`
  if (ids.some((id) => id.includes('\n'))) return { text: where('$1::text[]'), values: [ids] }
  return { text: where("string_to_array($1, E'\\n')"), values: [ids.join('\n')] }
}

/** A schema lock held by a loader's lock session. */
interface SchemaLock {
  readonly schema: string
  /** The lock session's backend. */
  readonly pid: number
  /** `pg_locks.objid` of the lock. */
  readonly key: number
}

/**
 * The schema locks of a loader: session-level advisory locks, on a connection of their own, taken the
 * first time the loader loads a schema straight from COPY text and held until it closes. Another
 * loader's first load there waits for them (up to a timeout, then fails as transient: the next sync
 * retries); a lock session that dies releases them, which the next load notices (`schemaLockCheckSql`).
 */
class SchemaLocks {
  #session: Promise<{ client: pg.Client }> | undefined
  readonly #held = new Map<string, Promise<SchemaLock>>()

  constructor(
    private readonly connect: () => pg.Client,
    private readonly timeoutMs: number,
    /** The lock session ended: every lock it held is gone. */
    private readonly onLost: () => void,
  ) {}

  hold(schema: string): Promise<SchemaLock> {
    let lock = this.#held.get(schema)
    if (lock === undefined) {
      lock = this.#take(schema)
      // Tried again by the next load when it failed.
      lock.catch(() => this.#held.delete(schema))
      this.#held.set(schema, lock)
    }
    return lock
  }

  async close(): Promise<void> {
    const session = this.#session
    this.#session = undefined
    this.#held.clear()
    if (session !== undefined) await session.then(({ client }) => client.end()).catch(() => {})
  }

  async #take(schema: string): Promise<SchemaLock> {
    const { client } = await this.#open()
    const key = schemaKey(schema)
    let pid: number
    try {
      // The backend that holds the lock, from the same statement.
      const { rows } = await client.query<{ pid: number }>(
        'SELECT pg_backend_pid() AS pid FROM pg_advisory_lock($1, $2)',
        [SCHEMA_LOCK_CLASS, key],
      )
      pid = rows[0]!.pid
    } catch (e) {
      if ((e as { code?: string }).code === '55P03')
        throw new WarehouseError(
          'transient',
          `Another process is loading schema "${schema}" (its lock was not released within ${Math.round(this.timeoutMs / 1000)} s).`,
          {
            hint: 'Nothing to do: the next sync loads this data. If it repeats, look for another Switchyard worker syncing the same source into this warehouse.',
            code: '55P03',
          },
        )
      throw e
    }
    return { schema, pid, key: key >>> 0 }
  }

  #open(): Promise<{ client: pg.Client }> {
    if (this.#session !== undefined) return this.#session
    const session: Promise<{ client: pg.Client }> = (async () => {
      const client = this.connect()
      // A session that fails releases its locks; the loads notice (`schemaLockCheckSql`). Locks taken
      // from then on go to a new session.
      const ended = () => {
        if (this.#session !== session) return
        this.#session = undefined
        this.#held.clear()
        this.onLost()
      }
      client.on('error', ended)
      client.on('end', ended)
      await client.connect()
      // How long `pg_advisory_lock` waits for another loader's lock.
      await client.query(`SET lock_timeout = ${Math.max(1, Math.round(this.timeoutMs))}`)
      return { client }
    })()
    this.#session = session
    session.catch(() => {
      if (this.#session === session) this.#session = undefined
    })
    return session
  }
}

/** The schema's lock key: a 32-bit FNV-1a hash of its name, as a signed int (`pg_locks.objid` unsigned). */
export function schemaKey(schema: string): number {
  let hash = 0x811c9dc5
  for (const byte of Buffer.from(schema, 'utf8')) hash = Math.imul(hash ^ byte, 0x01000193)
  return hash | 0
}

/**
 * Run under `target`'s table lock (in the lock's round trip, so without parameters): whether this
 * loader's lock session still holds the schema lock (else another loader may have added rows it would
 * not look up), the table's size in pages and its file, and the types of `columns` (whether they all
 * have the type their binary form is for: `BINARY_TYPE_OIDS`). The lock keeps the types as they are
 * until the COPY is done (changing one takes an exclusive lock).
 */
function schemaLockCheckSql(target: string, lock: SchemaLock, columns: readonly ColumnSpec[]): string {
  const table = `${escapedLiteral(target)}::regclass`
  const names = columns.map((c) => escapedLiteral(c.name)).join(', ')
  return `SELECT pg_relation_size(${table}) / current_setting('block_size')::bigint AS pages,
            pg_relation_filenode(${table}) AS filenode,
            EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND classid = '${SCHEMA_LOCK_CLASS}'::oid
                      AND objid = '${lock.key}'::oid AND objsubid = 2 AND pid = ${lock.pid} AND granted) AS held,
            ARRAY(SELECT a.atttypid::int FROM unnest(ARRAY[${names}]::text[]) WITH ORDINALITY AS c(name, n)
                  LEFT JOIN pg_attribute a ON a.attrelid = ${table} AND a.attname = c.name
                    AND a.attnum > 0 AND NOT a.attisdropped
                  ORDER BY c.n) AS types`
}

/** A string literal read alike whatever `standard_conforming_strings` is (names never hold NUL). */
const escapedLiteral = (value: string) => `E'${value.replaceAll('\\', '\\\\').replaceAll("'", "''")}'`

/** What `schemaLockCheckSql` found; fails when the lock is gone. */
function schemaLockChecked(
  row: Record<string, unknown> | undefined,
  lock: SchemaLock,
  columns: readonly ColumnSpec[],
): { pages: number; filenode: number; binary: boolean } {
  const { pages, filenode, held, types } = row as {
    pages: bigint
    filenode: number
    held: boolean
    types: number[]
  }
  if (!held)
    throw new WarehouseError(
      'network',
      `The lock on schema "${lock.schema}" was lost with its connection; nothing of this batch was loaded.`,
      { hint: DEFAULT_HINTS.network },
    )
  const binary = columns.every((c, i) => BINARY_TYPE_OIDS[c.type].includes(types[i]!))
  return { pages: Number(pages), filenode: Number(filenode), binary }
}
