import { DuckDBLoader } from './duckdb/duckdb-loader.ts'
import type { DuckDBWarehouseConfig } from './duckdb/duckdb-config.ts'
import type { WarehouseLoader } from './loader.ts'
import { PostgresLoader } from './postgres/postgres-loader.ts'
import type { PostgresWarehouseConfig } from './postgres/postgres-config.ts'

/** Which warehouse, and how to reach it. */
export type WarehouseConnection =
  | ({ readonly engine: 'duckdb' } & DuckDBWarehouseConfig)
  | ({ readonly engine: 'postgres' } & PostgresWarehouseConfig)

/**
 * A loader for the warehouse. Nothing connects until the first call (`testConnection` is the usual one),
 * so connection failures come out of that call as a `WarehouseError`.
 */
export function openWarehouseLoader(connection: WarehouseConnection): WarehouseLoader {
  switch (connection.engine) {
    case 'duckdb':
      return new DuckDBLoader(connection)
    case 'postgres':
      return new PostgresLoader(connection)
  }
}
