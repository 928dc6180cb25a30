import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import {
  isWarehouseError,
  openWarehouseLoader,
  type WarehouseErrorKind,
} from '../../src/warehouses/loaders/index.ts'
import { POSTGRES_ADMIN_URL, postgresUnavailable } from '../support/services.ts'
import { createDuckDBWarehouse } from './engines.ts'

const REPO = new URL('../..', import.meta.url).pathname

const failsWith = (kind: WarehouseErrorKind, message?: RegExp) => (e: unknown) => {
  assert.ok(isWarehouseError(e), `expected a WarehouseError, got ${String(e)}`)
  assert.equal(e.kind, kind, e.message)
  assert.ok(e.hint.length > 20, 'an actionable hint')
  if (message) assert.match(e.message, message)
  return true
}

describe('PostgreSQL connection errors', async () => {
  const skip = await postgresUnavailable()
  const expectFailure = async (url: string, kind: WarehouseErrorKind, message: RegExp) => {
    const loader = openWarehouseLoader({ engine: 'postgres', url, connectTimeoutMs: 3000 })
    try {
      await assert.rejects(loader.testConnection(), failsWith(kind, message))
    } finally {
      await loader.close()
    }
  }
  const withPath = (path: string, user?: string) => {
    const url = new URL(POSTGRES_ADMIN_URL)
    url.pathname = path
    if (user !== undefined) url.username = user
    return url.toString()
  }

  test('nothing listening: network', { skip }, () =>
    expectFailure(
      'postgres://postgres@127.0.0.1:1/postgres',
      'network',
      /127\.0\.0\.1:1\/postgres.*ECONNREFUSED/,
    ),
  )
  test('an unknown database: credentials', { skip }, () =>
    expectFailure(withPath('/switchyard_no_such_db'), 'credentials', /SQLSTATE 3D000/),
  )
  test('an unknown role: credentials', { skip }, () =>
    expectFailure(withPath('/postgres', 'switchyard_no_such_role'), 'credentials', /SQLSTATE 28000/),
  )
  test('an unknown host: credentials', { skip }, () =>
    expectFailure(
      'postgres://postgres@no-such-host.invalid:5432/postgres',
      'credentials',
      /no-such-host\.invalid/,
    ),
  )
  test('the settings-object form connects too', { skip }, async () => {
    const url = new URL(POSTGRES_ADMIN_URL)
    const loader = openWarehouseLoader({
      engine: 'postgres',
      host: url.hostname,
      port: Number(url.port || 5432),
      database: url.pathname.slice(1),
      user: decodeURIComponent(url.username),
      password: decodeURIComponent(url.password),
      ssl: false,
    })
    try {
      await loader.testConnection()
    } finally {
      await loader.close()
    }
  })
})

describe('DuckDB file errors', () => {
  test('a file another process holds open: misconfiguration naming the one-process rule', async () => {
    const warehouse = createDuckDBWarehouse()
    const path = (warehouse.connection as { path: string }).path
    const holder = spawn(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { DuckDBInstance } from '@duckdb/node-api'
         const db = await DuckDBInstance.create(${JSON.stringify(path)})
         await db.connect()
         process.stdout.write('open\\n')
         setTimeout(() => {}, 60_000)`,
      ],
      { cwd: REPO, stdio: ['ignore', 'pipe', 'inherit'] },
    )
    try {
      await new Promise<void>((resolve, reject) => {
        holder.stdout.once('data', () => resolve())
        holder.once('exit', (code) => reject(new Error(`the holder exited with ${code}`)))
      })
      const loader = warehouse.open()
      await assert.rejects(loader.testConnection(), failsWith('misconfiguration', /lock/))
      await loader.close()
    } finally {
      holder.kill()
      await warehouse.drop()
    }
  })

  test('a path whose directory cannot be created: misconfiguration', async () => {
    const warehouse = createDuckDBWarehouse()
    const file = join(warehouse.dir, 'a-file')
    writeFileSync(file, '')
    const loader = openWarehouseLoader({ engine: 'duckdb', path: join(file, 'sub', 'warehouse.duckdb') })
    try {
      await assert.rejects(loader.testConnection(), failsWith('misconfiguration', /not a directory/))
    } finally {
      await loader.close()
      await warehouse.drop()
    }
  })
})
