/**
 * Settings of a DuckDB warehouse: a database file, by default `<data dir>/warehouse.duckdb` (the
 * embedded warehouse of a fresh install).
 *
 * DuckDB lets one process open a file for writing, and while it is open no other process can open it,
 * not even to read. The loader opens the file on first use and holds it until `close()`, so a sync should
 * open a loader for its run and close it afterwards: between syncs, analysts can open the file
 * (`duckdb data/warehouse.duckdb`). Within the process, the loader runs one call at a time.
 */
export interface DuckDBWarehouseConfig {
  /** The database file; its directory is created if missing. `:memory:` for a throwaway warehouse. */
  readonly path: string
  /**
   * DuckDB settings passed when the file is opened (`{ threads: '4', memory_limit: '2GB' }`). Default: none,
   * DuckDB's own defaults.
   */
  readonly settings?: Readonly<Record<string, string>>
}

/** The file name of the embedded warehouse in the data dir. */
export const DUCKDB_WAREHOUSE_FILE = 'warehouse.duckdb'
