/**
 * Warehouse loaders: one interface (`WarehouseLoader`), a folder per engine, capability flags for what
 * differs. Schema evolution and syncs decide what to create and load; loaders do the I/O.
 *
 *   const loader = openWarehouseLoader({ engine: 'duckdb', path: 'data/warehouse.duckdb' })
 *   // or: openWarehouseLoader({ engine: 'postgres', url: 'postgres://segment@db:5432/analytics' })
 *   await loader.testConnection()
 *   await loader.evolveSchema('web', {
 *     createTables: [{ table: 'tracks', columns: [{ name: 'id', type: 'varchar' }, { name: 'received_at', type: 'timestamp' }] }],
 *   })
 *   const { inserted } = await loader.load('web', 'tracks', columns, rows) // deduplicated on id
 *   await loader.close()
 */
export type {
  ColumnSpec,
  CopyRowsBatch,
  LoadResult,
  LoadRow,
  LoaderCapabilities,
  SchemaChanges,
  TableSpec,
  UpsertResult,
  WarehouseEngine,
  WarehouseLoader,
  WarehouseSchema,
} from './loader.ts'
export {
  DEFAULT_HINTS,
  WarehouseError,
  isWarehouseError,
  type WarehouseErrorKind,
  type WarehouseErrorOptions,
} from './errors.ts'
export { openWarehouseLoader, type WarehouseConnection } from './open.ts'
export { quoteIdentifier } from './identifiers.ts'
export { fitsType, readInstant, readTimestampMicros, type Instant } from './values.ts'
export { DuckDBLoader, DUCKDB_CAPABILITIES } from './duckdb/duckdb-loader.ts'
export { DUCKDB_WAREHOUSE_FILE, type DuckDBWarehouseConfig } from './duckdb/duckdb-config.ts'
export { PostgresLoader, POSTGRES_CAPABILITIES } from './postgres/postgres-loader.ts'
export {
  POSTGRES_DEFAULTS,
  type PostgresFieldsConfig,
  type PostgresSsl,
  type PostgresUrlConfig,
  type PostgresWarehouseConfig,
} from './postgres/postgres-config.ts'
