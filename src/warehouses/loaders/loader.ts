/**
 * The loader contract: one interface that every warehouse engine answers, so that syncs never ask
 * which engine they talk to. Differences are stated as capability flags.
 *
 * - Identifiers (schema, table, column names) come from user data after snake_casing; loaders quote
 *   every one of them and refuse names the engine would silently change (too long, NUL characters).
 * - Values arrive already coerced to their column's type (`coerce` in `../schema`); loaders only map
 *   them to the engine's types, and reject (the whole batch, before anything is visible) a value that
 *   does not fit.
 * - `load` and `upsert` are atomic: a load killed half way leaves no rows, and loading the same batch
 *   again inserts nothing twice, because rows are deduplicated on `id`, within the batch and against
 *   the table.
 */
import type { ColumnType } from '../schema/index.ts'

export type { ColumnType }

export type WarehouseEngine = 'duckdb' | 'postgres'

export interface ColumnSpec {
  readonly name: string
  readonly type: ColumnType
}

/**
 * A row: column name → value; a column the row lacks, `null` or `undefined`, is NULL. Values by
 * column type:
 * - `varchar`: a string (numbers and booleans are written as text);
 * - `bigint`: an integer `number`, a `bigint`, or a decimal integer string, within signed 64 bits;
 * - `double`: a `number` (or a `bigint`);
 * - `boolean`: a `boolean`;
 * - `timestamp`: a `Date` or an ISO-8601 string (`2024-05-01T12:00:00.123Z`; a string without a zone
 *   is UTC), years 0001–9999, kept to the microsecond.
 */
export type LoadRow = Readonly<Record<string, unknown>>

/** A table and some of its columns. */
export interface TableSpec {
  readonly table: string
  readonly columns: readonly ColumnSpec[]
}

/** Tables to create and columns to add (a sync's schema plan); what exists is left as it is. */
export interface SchemaChanges {
  readonly createTables?: readonly TableSpec[]
  readonly addColumns?: readonly TableSpec[]
}

/** Tables → columns → type, as `describe` finds them. */
export type WarehouseSchema = Map<string, Map<string, ColumnType>>

export interface LoadResult {
  /** Rows added to the table (new ids). */
  readonly inserted: number
}

export interface UpsertResult extends LoadResult {
  /** Rows already in the table whose columns were replaced. */
  readonly updated: number
}

/**
 * A table's rows already planned, deduplicated on `id` (one row per id) and written as PostgreSQL COPY
 * rows in the binary format (`planCopyBatches` in `../sync`), for loaders that take them
 * (`loadCopyRows`).
 */
export interface CopyRowsBatch {
  /** The columns of the rows, `id` first. */
  readonly columns: readonly ColumnSpec[]
  /** Rows of `data`. */
  readonly rows: number
  /** The rows in COPY's binary format, without its header and trailer (`postgres-copy-binary.ts`). */
  readonly data: Uint8Array
  /** The id of each row, in order. */
  readonly ids: readonly string[]
}

/** What differs between engines, stated as data. */
export interface LoaderCapabilities {
  readonly engine: WarehouseEngine
  /** How rows reach the staging table. */
  readonly bulkLoad: 'copy' | 'appender'
  /**
   * Whether several processes may load into the same warehouse at once. DuckDB allows one process
   * per database file (and the loader serialises its own calls); PostgreSQL takes a table lock per load.
   */
  readonly multipleWriters: boolean
  /** Longest identifier, in UTF-8 bytes (PostgreSQL cuts longer names silently, so loaders refuse them). */
  readonly maxIdentifierBytes: number
  /** Most columns a table can have. */
  readonly maxColumnsPerTable: number
  /** Whether text may hold U+0000. When not, loaders remove the character from varchar values. */
  readonly textAllowsNul: boolean
}

export interface WarehouseLoader {
  readonly engine: WarehouseEngine
  readonly capabilities: LoaderCapabilities
  /**
   * Connects and checks that the loader may create schemas: the sync's "ping" step. Throws a
   * `WarehouseError` whose message says what to fix (credentials, network, permissions).
   */
  testConnection(): Promise<void>
  /** The base tables of a schema with their columns' types; empty when the schema does not exist. */
  describe(schema: string): Promise<WarehouseSchema>
  /**
   * Creates the schema unless it exists, then the tables of `createTables` unless they exist (an
   * existing table is left as it is) and the columns of `addColumns` the tables lack (existing columns
   * keep their type): all in one transaction, on PostgreSQL in one round trip.
   */
  evolveSchema(schema: string, changes: SchemaChanges): Promise<void>
  /**
   * Bulk-loads rows (COPY on PostgreSQL, the appender on DuckDB) into a staging table, then inserts, in
   * one transaction, those whose `id` is not in the table yet. Within the batch the first row of an id
   * wins. `columns` must include `id` (non-null in every row); other table columns are left NULL.
   */
  load(
    schema: string,
    table: string,
    columns: readonly ColumnSpec[],
    rows: readonly LoadRow[],
  ): Promise<LoadResult>
  /**
   * Like `load`, but a row whose `id` exists replaces that row's columns (users, accounts): a NULL in
   * the batch keeps the stored value, as a call only carries the traits it sent. Rows of one id within
   * the batch are merged in order, later values winning.
   */
  upsert(
    schema: string,
    table: string,
    columns: readonly ColumnSpec[],
    rows: readonly LoadRow[],
  ): Promise<UpsertResult>
  /**
   * `load` (`first`) or `upsert` (`merge`) of a batch already in COPY rows, one row per id: the same
   * outcome, without building the rows again. Only loaders whose `bulkLoad` is `copy` have it.
   */
  loadCopyRows?(
    schema: string,
    table: string,
    batch: CopyRowsBatch,
    mode: 'first' | 'merge',
  ): Promise<UpsertResult>
  /**
   * Runs a read-only query (row counts, checks, tests). Values come back alike on every engine:
   * `bigint` columns and counts as `bigint`, timestamps as `Date`, doubles as `number`. Parameters are
   * `$1`, `$2`, …
   */
  query(
    sql: string,
    params?: readonly (string | number | boolean | null)[],
  ): Promise<Record<string, unknown>[]>
  /** Closes connections; the loader cannot be used afterwards. */
  close(): Promise<void>
}
