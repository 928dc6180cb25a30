import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { TableRow } from './tables.ts'
import { mergeUpserts } from './upserts.ts'

// Warehouse spec §2.2: users upserted on user id, accounts on group id; identifies and groups keep history.
test('one users row per id: later values win, columns a later call lacks keep earlier values', () => {
  const rows: TableRow[] = [
    { table: 'identifies', row: { id: 'm1', user_id: 'u1', email: 'old@acme.example' } },
    { table: 'users', row: { id: 'u1', received_at: 't1', email: 'old@acme.example', plan: 'free' } },
    { table: 'users', row: { id: 'u2', received_at: 't1', email: 'b@acme.example' } },
    { table: 'identifies', row: { id: 'm2', user_id: 'u1', email: 'new@acme.example' } },
    { table: 'users', row: { id: 'u1', received_at: 't2', email: 'new@acme.example' } },
  ]
  assert.deepEqual(mergeUpserts(rows), [
    rows[0],
    { table: 'users', row: { id: 'u1', received_at: 't2', email: 'new@acme.example', plan: 'free' } },
    rows[2],
    rows[3],
  ])
})

test('accounts are merged per group id; users and accounts with one id stay apart', () => {
  const rows: TableRow[] = [
    { table: 'accounts', row: { id: 'x', name: 'Acme' } },
    { table: 'users', row: { id: 'x', name: 'Ada' } },
    { table: 'accounts', row: { id: 'x', employees: 120 } },
  ]
  assert.deepEqual(mergeUpserts(rows), [
    { table: 'accounts', row: { id: 'x', name: 'Acme', employees: 120 } },
    { table: 'users', row: { id: 'x', name: 'Ada' } },
  ])
})

test('the input rows are not modified', () => {
  const first = { id: 'u1', a: 1 }
  mergeUpserts([
    { table: 'users', row: first },
    { table: 'users', row: { id: 'u1', a: 2 } },
  ])
  assert.deepEqual(first, { id: 'u1', a: 1 })
})
