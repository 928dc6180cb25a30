import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, test } from 'node:test'
import SqliteDatabase from 'better-sqlite3'
import { WalCheckpointer } from './sqlite-checkpointer.ts'

const dirs: string[] = []
after(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })))

function openWal(): { db: SqliteDatabase.Database; path: string } {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-checkpoint-'))
  dirs.push(dir)
  const path = join(dir, 'stream.sqlite')
  const db = new SqliteDatabase(path)
  db.pragma('journal_mode = WAL')
  db.exec('CREATE TABLE t (value BLOB NOT NULL)')
  return { db, path }
}

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

describe('WalCheckpointer', () => {
  test('turns the writer’s own checkpoint off and copies the WAL into the database from its thread', async () => {
    const { db, path } = openWal()
    const errors: Error[] = []
    const checkpointer = new WalCheckpointer(db, {
      path,
      synchronous: 'FULL',
      trigger: { bytes: 1_000_000, transactions: 3 },
      onError: (error) => errors.push(error),
    })
    try {
      assert.equal(db.pragma('wal_autocheckpoint', { simple: true }), 0)
      const insert = db.prepare('INSERT INTO t (value) VALUES (?)')
      const before = statSync(path).size
      for (let i = 0; i < 3; i++) {
        insert.run(Buffer.alloc(100_000, i))
        checkpointer.committed(100_000)
      }
      await until(() => statSync(path).size > before + 250_000, 'the database file holds the rows')
      assert.equal((db.prepare('SELECT count(*) AS n FROM t').get() as { n: number }).n, 3)
      assert.deepEqual(errors, [])
    } finally {
      await checkpointer.close()
      db.close()
    }
  })

  test('below the trigger no thread starts, and close resolves at once', async () => {
    const { db, path } = openWal()
    const checkpointer = new WalCheckpointer(db, { path, synchronous: 'FULL', onError: assert.fail })
    checkpointer.committed(10)
    await checkpointer.close()
    checkpointer.committed(10_000_000) // after close: ignored, no thread starts
    await checkpointer.close()
    db.close()
  })

  test('when the thread cannot open the file, the writer checkpoints on its own again', async () => {
    const { db } = openWal()
    const errors: Error[] = []
    const checkpointer = new WalCheckpointer(db, {
      path: join(tmpdir(), 'no-such-dir', 'nested', 'stream.sqlite'),
      synchronous: 'FULL',
      trigger: { bytes: 1, transactions: 1 },
      onError: (error) => errors.push(error),
    })
    try {
      checkpointer.committed(1)
      await until(() => errors.length > 0, 'the failure is reported')
      assert.equal(db.pragma('wal_autocheckpoint', { simple: true }), 1000)
    } finally {
      await checkpointer.close()
      db.close()
    }
  })
})
