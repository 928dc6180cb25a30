import { mkdirSync } from 'node:fs'
import SqliteDatabase from 'better-sqlite3'
import type { Database } from 'better-sqlite3'
import type { StreamDurability } from '../stream-config.ts'
import { fingerprint } from './dedupe-memory.ts'

/**
 * Tables of the embedded stream.
 *
 * - `stream_topics`: one row per topic. Offsets are allocated from `head_offset`, so each topic's
 *   offsets are 1, 2, 3, … with no gaps and never reused, even after retention empties the topic.
 *   `total_bytes` counts every value byte ever appended; `pruned_*` says what retention removed.
 * - `stream_records`: the log. `end_bytes` is the topic's `total_bytes` through this record, so a
 *   backlog in bytes is one subtraction. `value` comes last so that reading the small columns never
 *   walks a large value's overflow pages. The column has no type affinity: text stays text and
 *   bytes stay a blob, and reads give back what was appended.
 * - `stream_groups`: each consumer group's committed position (and `end_bytes` there).
 * - `queue_items`: the work queues' items. `due_at` is when an item may next be claimed: claiming
 *   moves it past the lease, a retry past the delay; NULL means parked (a dead letter).
 * - `stream_dedupe_log`: every dedupe id claimed within the window, as its 64-bit fingerprint (see
 *   `dedupe-memory.ts`), in the order claimed. Append-only, so a claim costs a sequential insert;
 *   lookups go to the in-memory table rebuilt from this log when the stream opens, and retention
 *   deletes from the old end.
 */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS stream_topics (
  topic TEXT PRIMARY KEY,
  head_offset INTEGER NOT NULL,
  total_bytes INTEGER NOT NULL,
  pruned_offset INTEGER NOT NULL,
  pruned_bytes INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS stream_records (
  topic TEXT NOT NULL,
  record_offset INTEGER NOT NULL,
  appended_at INTEGER NOT NULL,
  end_bytes INTEGER NOT NULL,
  record_key TEXT NOT NULL,
  value BLOB NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS stream_records_by_offset ON stream_records (topic, record_offset);
CREATE TABLE IF NOT EXISTS stream_groups (
  topic TEXT NOT NULL,
  group_name TEXT NOT NULL,
  committed_offset INTEGER NOT NULL,
  committed_bytes INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (topic, group_name)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS queue_items (
  id INTEGER PRIMARY KEY,
  queue TEXT NOT NULL,
  due_at INTEGER,
  attempts INTEGER NOT NULL,
  enqueued_at INTEGER NOT NULL,
  last_error TEXT,
  value BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS queue_items_by_due ON queue_items (queue, due_at);
CREATE TABLE IF NOT EXISTS stream_dedupe_log (
  seq INTEGER PRIMARY KEY,
  appended_at INTEGER NOT NULL,
  fingerprint_hi INTEGER NOT NULL,
  fingerprint_lo INTEGER NOT NULL,
  record_offset INTEGER NOT NULL
);
`

const SCHEMA_VERSION = 2

/**
 * Opens (creating if needed) the stream database.
 *
 * WAL: readers never block the writer and a commit appends to one file. `synchronous`:
 * FULL fsyncs the WAL on every commit (survives power loss); NORMAL leaves it to the OS (survives
 * `kill -9`, since the data is in the OS page cache, but maybe not power loss). Group commit makes
 * the fsync cost per transaction, not per append. `busy_timeout` lets another process (a CLI
 * command) hold the write lock briefly.
 */
export function openStreamDatabase(dataDir: string, path: string, durability: StreamDurability): Database {
  mkdirSync(dataDir, { recursive: true })
  const db = new SqliteDatabase(path)
  try {
    db.pragma('journal_mode = WAL')
    db.pragma(`synchronous = ${durability === 'full' ? 'FULL' : 'NORMAL'}`)
    db.pragma('busy_timeout = 5000')
    const version = db.pragma('user_version', { simple: true }) as number
    if (version > SCHEMA_VERSION)
      throw new Error(
        `stream database ${path} has schema ${version}; this Switchyard knows up to ${SCHEMA_VERSION}`,
      )
    db.exec(SCHEMA)
    if (version === 1) db.transaction(() => moveDedupeIdsToLog(db))()
    db.pragma(`user_version = ${SCHEMA_VERSION}`)
  } catch (error) {
    db.close()
    throw error
  }
  return db
}

/** Schema 1 kept dedupe ids in a B-tree keyed by the id; schema 2 logs their fingerprints. */
function moveDedupeIdsToLog(db: Database): void {
  const insert = db.prepare(
    'INSERT INTO stream_dedupe_log (appended_at, fingerprint_hi, fingerprint_lo, record_offset) VALUES (?, ?, ?, ?)',
  )
  const rows = db
    .prepare(
      'SELECT topic, scope, dedupe_id, record_offset, appended_at FROM stream_dedupe ORDER BY appended_at',
    )
    .all() as {
    topic: string
    scope: string
    dedupe_id: string
    record_offset: number
    appended_at: number
  }[]
  for (const row of rows) {
    const id = fingerprint(row.topic, row.scope, row.dedupe_id)
    insert.run(row.appended_at, id.hi, id.lo, row.record_offset)
  }
  db.exec('DROP TABLE stream_dedupe')
}
