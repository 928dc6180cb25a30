import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import {
  DUCKDB_METADATA_ID,
  POSTGRES_METADATA_ID,
  duckDbPath,
  findWarehouseEntry,
  warehouseConnection,
} from './catalog.ts'

const postgres = findWarehouseEntry(POSTGRES_METADATA_ID)!
const duckdb = findWarehouseEntry(DUCKDB_METADATA_ID)!
const base = { hostname: 'db.internal', database: 'analytics', username: 'loader' }

describe('Postgres settings', () => {
  test('defaults are filled in, the argument is left alone', () => {
    const input = { ...base }
    const result = postgres.validateSettings(input)
    assert.deepEqual(result, {
      ok: true,
      settings: { ...base, port: 5432, sslMode: 'disable', syncIntervalMinutes: 60 },
    })
    assert.deepEqual(input, base)
    assert.deepEqual(postgres.secrets, ['password'])
  })

  const refused: [string, Record<string, unknown>, string, RegExp][] = [
    ['port as text', { port: 'abc' }, 'port', /whole number from 1 to 65535/],
    ['port 0', { port: 0 }, 'port', /got 0/],
    ['port too big as text', { port: '65536' }, 'port', /got "65536"/],
    ['fractional port', { port: 5432.5 }, 'port', /must be a whole number/],
    ['a URL for the host', { hostname: 'postgres://u:p@h:5432/db' }, 'hostname', /not a URL/],
    ['a host with spaces', { hostname: 'db internal' }, 'hostname', /without spaces/],
    ['an unknown SSL mode', { sslMode: 'prefer' }, 'sslMode', /one of disable, require, verify-full/],
    ['a database name over 63 bytes', { database: 'd'.repeat(64) }, 'database', /at most 63/],
    ['a number for the password', { password: 1234 }, 'password', /must be a string/],
    ['an unknown setting', { ciphertext: 'x' }, 'ciphertext', /not a setting of Postgres/],
  ]
  for (const [name, change, field, message] of refused) {
    test(`refuses ${name}, naming ${field}`, () => {
      const result = postgres.validateSettings({ ...base, ...change })
      assert.equal(result.ok, false)
      if (result.ok) return
      assert.equal(result.errors[0]!.field, field)
      assert.match(result.errors[0]!.message, message)
    })
  }

  test("accepts Segment's string port and IPv6 addresses", () => {
    assert.equal(postgres.validateSettings({ ...base, port: '5439' }).ok, true)
    assert.equal(postgres.validateSettings({ ...base, hostname: '::1' }).ok, true)
  })

  test('settings become the loader connection: numeric port, TLS per sslMode', () => {
    const checked = postgres.validateSettings({
      ...base,
      port: '6543',
      password: 'pw',
      sslMode: 'verify-full',
    })
    assert.ok(checked.ok)
    assert.deepEqual(warehouseConnection('postgres', checked.settings, '/data'), {
      engine: 'postgres',
      host: 'db.internal',
      port: 6543,
      database: 'analytics',
      user: 'loader',
      password: 'pw',
      ssl: true,
    })
    const required = postgres.validateSettings({ ...base, sslMode: 'require' })
    assert.ok(required.ok)
    assert.deepEqual(warehouseConnection('postgres', required.settings, '/data'), {
      engine: 'postgres',
      host: 'db.internal',
      port: 5432,
      database: 'analytics',
      user: 'loader',
      ssl: { rejectUnauthorized: false },
    })
  })
})

describe('DuckDB settings', () => {
  test('the file defaults to warehouse.duckdb in the data directory', () => {
    const result = duckdb.validateSettings({})
    assert.deepEqual(result, { ok: true, settings: { file: 'warehouse.duckdb', syncIntervalMinutes: 60 } })
    assert.equal(
      duckDbPath({ file: 'lake/w.duckdb' }, '/var/lib/switchyard'),
      '/var/lib/switchyard/lake/w.duckdb',
    )
  })

  for (const file of [
    '../w.duckdb',
    '/etc/w.duckdb',
    'a/../w.duckdb',
    '.hidden.duckdb',
    'w.db',
    'a//w.duckdb',
  ]) {
    test(`refuses the file ${file}`, () => {
      const result = duckdb.validateSettings({ file })
      assert.equal(result.ok, false)
      if (!result.ok) assert.equal(result.errors[0]!.field, 'file')
    })
  }
})
