/**
 * Warehouses: Segment's schema (pure), the catalog of warehouse kinds, the loaders that apply the
 * schema to DuckDB and PostgreSQL, the syncs that load staged messages through them, and the Parquet
 * lake export.
 */
export * from './schema/index.ts'
export {
  WAREHOUSE_CATALOG,
  POSTGRES_METADATA_ID,
  DUCKDB_METADATA_ID,
  DEFAULT_DUCKDB_FILE,
  DEFAULT_WAREHOUSE,
  POSTGRES_SSL_MODES,
  findWarehouseEntry,
  findWarehouseEntryBySlug,
  warehouseLogoPath,
  postgresPort,
  warehouseConnection,
  duckDbPath,
  type WarehouseCatalogEntry,
  type WarehouseMetadata,
  type WarehouseOption,
  type WarehouseSettingsError,
  type WarehouseSettingsResult,
  type PostgresWarehouseSettings,
  type PostgresSslMode,
  type DuckDbWarehouseSettings,
} from './catalog.ts'
export { testWarehouseConnection, type ConnectionTestOptions } from './connection-test.ts'
export * from './loaders/index.ts'
export * from './lake/index.ts'
export * from './sync/index.ts'
