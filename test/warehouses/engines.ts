import { rmSync } from 'node:fs'
import { join } from 'node:path'
import {
  openWarehouseLoader,
  type ColumnSpec,
  type LoadRow,
  type WarehouseConnection,
  type WarehouseLoader,
} from '../../src/warehouses/loaders/index.ts'
import { createPostgresDatabase, postgresUnavailable, tempDir } from '../support/services.ts'

/** A warehouse of its own for one suite; `drop()` removes it. */
export interface TestWarehouse {
  readonly connection: WarehouseConnection
  open(): WarehouseLoader
  drop(): Promise<void>
}

export interface EngineCase {
  readonly name: 'duckdb' | 'postgres'
  /** Set when the suite must skip this engine, with the reason. */
  readonly skip: string | undefined
  create(): Promise<TestWarehouse>
}

/** The engines every loader test runs against, filterable with SWITCHYARD_TEST_WAREHOUSES=duckdb,postgres. */
export async function engines(): Promise<EngineCase[]> {
  const wanted = (process.env.SWITCHYARD_TEST_WAREHOUSES ?? 'duckdb,postgres').split(',')
  const all: EngineCase[] = [
    { name: 'duckdb', skip: undefined, create: async () => createDuckDBWarehouse() },
    { name: 'postgres', skip: await postgresUnavailable(), create: createPostgresWarehouse },
  ]
  return all.filter((e) => wanted.includes(e.name))
}

export function createDuckDBWarehouse(): TestWarehouse & { dir: string } {
  const dir = tempDir()
  const connection: WarehouseConnection = { engine: 'duckdb', path: join(dir, 'warehouse.duckdb') }
  return {
    dir,
    connection,
    open: () => openWarehouseLoader(connection),
    async drop() {
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

export async function createPostgresWarehouse(): Promise<TestWarehouse> {
  const database = await createPostgresDatabase()
  const connection: WarehouseConnection = { engine: 'postgres', url: database.url! }
  return { connection, open: () => openWarehouseLoader(connection), drop: () => database.drop() }
}

export const CRASH_COLUMNS: ColumnSpec[] = [
  { name: 'id', type: 'varchar' },
  { name: 'received_at', type: 'timestamp' },
  { name: 'n', type: 'bigint' },
  { name: 'text', type: 'varchar' },
]

/** The batch `crash-load.ts` loads, the same every time. */
export const crashBatch = (count: number): LoadRow[] =>
  Array.from({ length: count }, (_, i) => ({
    id: `m${i}`,
    received_at: new Date(Date.UTC(2024, 4, 1) + i).toISOString(),
    n: i,
    text: `row ${i} with some text to make it longer`,
  }))
