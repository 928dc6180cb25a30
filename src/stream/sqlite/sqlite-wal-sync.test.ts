import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, test } from 'node:test'
import type { FileSync } from '../stream-config.ts'
import { WalSync } from './sqlite-wal-sync.ts'

/** A sync the test finishes by hand: `syncs` holds the callbacks of the syncs started. */
function heldSync() {
  const syncs: Array<(error: NodeJS.ErrnoException | null) => void> = []
  const sync: FileSync = (_fd, callback) => void syncs.push(callback)
  return { sync, syncs }
}

const settled = async (promise: Promise<unknown>) => {
  let state = 'pending'
  promise.then(
    () => (state = 'resolved'),
    () => (state = 'rejected'),
  )
  await new Promise((resolve) => setImmediate(resolve))
  return state
}

let dir: string
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'switchyard-wal-'))))
afterEach(() => rmSync(dir, { recursive: true, force: true }))

test('a commit is acknowledged only after a sync that began after it', async () => {
  const { sync, syncs } = heldSync()
  const wal = new WalSync(join(dir, 'db-wal'), sync)
  const first = wal.durable()
  assert.equal(syncs.length, 1, 'the first commit starts a sync')
  assert.equal(await settled(first), 'pending')
  // Committed while the first sync runs: the first sync may not cover them.
  const second = wal.durable()
  const third = wal.durable()
  assert.equal(syncs.length, 1, 'no second sync while one runs')
  syncs[0]!(null)
  assert.equal(await settled(first), 'resolved')
  assert.equal(await settled(second), 'pending')
  assert.equal(syncs.length, 2, 'the waiting commits share one next sync')
  syncs[1]!(null)
  assert.equal(await settled(second), 'resolved')
  assert.equal(await settled(third), 'resolved')
  await wal.close()
})

test('a failed sync fails its commits and every later one', async () => {
  const { sync, syncs } = heldSync()
  const wal = new WalSync(join(dir, 'db-wal'), sync)
  const first = wal.durable()
  const waiting = wal.durable()
  syncs[0]!(Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' }))
  await assert.rejects(first, { code: 'EIO', message: /syncing the stream's WAL failed/ })
  await assert.rejects(waiting, { code: 'EIO' })
  await assert.rejects(wal.durable(), { code: 'EIO' })
  assert.equal(syncs.length, 1, 'nothing is synced after a failure')
  await wal.close()
})

test('close waits for the syncs under way', async () => {
  const { sync, syncs } = heldSync()
  const wal = new WalSync(join(dir, 'db-wal'), sync)
  const commit = wal.durable()
  const closed = wal.close()
  assert.equal(await settled(closed), 'pending')
  syncs[0]!(null)
  await closed
  assert.equal(await settled(commit), 'resolved')
})

test('the real fdatasync acknowledges commits', async () => {
  const wal = new WalSync(join(dir, 'db-wal'))
  await Promise.all([wal.durable(), wal.durable(), wal.durable()])
  await wal.close()
})
