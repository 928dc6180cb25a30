/**
 * Tests a warehouse's connection settings (the sync's "ping" step, warehouse spec §1). Failures are
 * `WarehouseError`s classified as in Segment's warehouse error catalogue (spec §6), each with a hint
 * that says what to fix.
 *
 * - PostgreSQL: the loader's own `testConnection()` (connect, and check that the user may create
 *   schemas), so a test fails exactly where a sync would.
 * - DuckDB: the file's folder must be writable and the file, if it exists, a readable and writable
 *   file. The file is not opened: DuckDB lets one process hold it, and a sync may be holding it.
 */
import { constants } from 'node:fs'
import { access, mkdir, stat } from 'node:fs/promises'
import { dirname } from 'node:path'
import {
  dataLakeRoot,
  duckDbPath,
  warehouseConnection,
  type DuckDbWarehouseSettings,
  type WarehouseKind,
} from './catalog.ts'
import { WarehouseError, openWarehouseLoader } from './loaders/index.ts'

export interface ConnectionTestOptions {
  /** The data directory (absolute), where DuckDB files live. */
  dataDir: string
  /** How long connecting may take. Default 10 s. */
  timeoutMs?: number
}

/**
 * Resolves when validated settings connect; throws a `WarehouseError` saying what to fix otherwise.
 */
export async function testWarehouseConnection(
  engine: WarehouseKind,
  settings: Readonly<Record<string, unknown>>,
  options: ConnectionTestOptions,
): Promise<void> {
  if (engine === 'lake') return testWritableFolder(dataLakeRoot(settings, options.dataDir))
  if (engine === 'duckdb')
    return testDuckDbFile(duckDbPath(settings as unknown as DuckDbWarehouseSettings, options.dataDir))
  const connection = warehouseConnection(engine, settings, options.dataDir)
  if (connection.engine !== 'postgres') return
  const loader = openWarehouseLoader({
    ...connection,
    poolSize: 1,
    connectTimeoutMs: options.timeoutMs ?? 10_000,
  })
  try {
    await loader.testConnection()
  } finally {
    await loader.close()
  }
}

/** The folder exists (created if missing) and Switchyard may write in it. */
async function testWritableFolder(folder: string): Promise<void> {
  try {
    await mkdir(folder, { recursive: true })
    await access(folder, constants.W_OK)
  } catch (e) {
    const code = (e as { code?: unknown }).code
    if (code === 'ENOTDIR' || code === 'EEXIST') {
      throw new WarehouseError('misconfiguration', `${pathOf(e, folder)} is not a folder.`, {
        hint: 'Choose another path in the warehouse settings, or move that file away.',
        code,
        cause: e,
      })
    }
    throw new WarehouseError('permissions', `Switchyard cannot write to the folder ${folder}.`, {
      hint: 'Give the user Switchyard runs as write access to its data directory (SWITCHYARD_DATA_DIR), or choose another path.',
      cause: e,
      ...(typeof code === 'string' && { code }),
    })
  }
}

async function testDuckDbFile(path: string): Promise<void> {
  await testWritableFolder(dirname(path))
  const existing = await stat(path).catch(() => undefined)
  if (existing === undefined) return
  if (!existing.isFile()) {
    throw new WarehouseError('misconfiguration', `${path} exists and is not a file.`, {
      hint: 'Choose another file name in the warehouse settings.',
    })
  }
  try {
    await access(path, constants.R_OK | constants.W_OK)
  } catch (e) {
    throw new WarehouseError('permissions', `Switchyard cannot read and write ${path}.`, {
      hint: 'Give the user Switchyard runs as read and write access to the file.',
      cause: e,
    })
  }
}

/** The path that is in the way, as Node.js reports it. */
function pathOf(e: unknown, fallback: string): string {
  const path = (e as { path?: unknown }).path
  return typeof path === 'string' ? path : fallback
}
