import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, test } from 'node:test'
import SqliteDatabase from 'better-sqlite3'
import { SQLITE_STREAM_FILE, openStream } from '../../src/stream/index.ts'

const dirs: string[] = []
after(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })))
function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-dedupe-'))
  dirs.push(dir)
  return dir
}
const options = { retention: { intervalMs: 0 } }

describe('SQLite stream dedupe', () => {
  test('two streams sharing a file see each other’s dedupe ids', async () => {
    const dir = dataDir()
    const a = await openStream({ kind: 'sqlite', dataDir: dir, ...options })
    const b = await openStream({ kind: 'sqlite', dataDir: dir, ...options })
    try {
      const [first] = await a.append('ingest', [{ key: 's', value: 'a', dedupeId: 'm1' }], {
        dedupeScope: 's',
      })
      // b opened before a claimed m1: it learns of it from the log inside its next write.
      assert.deepEqual(
        await b.append('ingest', [{ key: 's', value: 'a', dedupeId: 'm1' }], { dedupeScope: 's' }),
        [{ offset: first!.offset, duplicate: true }],
      )
      const [second] = await b.append('ingest', [{ key: 's', value: 'b', dedupeId: 'm2' }], {
        dedupeScope: 's',
      })
      assert.deepEqual(
        await a.append('ingest', [{ key: 's', value: 'b', dedupeId: 'm2' }], { dedupeScope: 's' }),
        [{ offset: second!.offset, duplicate: true }],
      )
      assert.equal((await a.read('ingest', 'g', { max: 10 })).length, 2)
    } finally {
      await a.close()
      await b.close()
    }
  })

  test('a stream file of schema 1 keeps its dedupe ids when upgraded', async () => {
    const dir = dataDir()
    const db = new SqliteDatabase(join(dir, SQLITE_STREAM_FILE))
    db.exec(`CREATE TABLE stream_dedupe (topic TEXT NOT NULL, scope TEXT NOT NULL, dedupe_id TEXT NOT NULL,
      record_offset INTEGER NOT NULL, appended_at INTEGER NOT NULL, PRIMARY KEY (topic, scope, dedupe_id)) WITHOUT ROWID;
      CREATE INDEX stream_dedupe_by_age ON stream_dedupe (appended_at);`)
    db.prepare('INSERT INTO stream_dedupe VALUES (?, ?, ?, ?, ?)').run(
      'ingest',
      's',
      'old-id',
      41,
      Date.now(),
    )
    db.pragma('user_version = 1')
    db.close()
    const stream = await openStream({ kind: 'sqlite', dataDir: dir, ...options })
    try {
      assert.deepEqual(
        await stream.append('ingest', [{ key: 's', value: 'x', dedupeId: 'old-id' }], { dedupeScope: 's' }),
        [{ offset: 41, duplicate: true }],
      )
    } finally {
      await stream.close()
    }
  })
})
