import type { Database, Statement } from 'better-sqlite3'
import { RowInserter } from './sqlite-row-inserter.ts'

export interface TopicRow {
  topic: string
  head_offset: number
  total_bytes: number
  pruned_offset: number
  pruned_bytes: number
}

export interface GroupRow {
  topic: string
  group_name: string
  committed_offset: number
  committed_bytes: number
}

/** A stream record's row as `readRecords` gives it (`end_bytes`: the topic's value bytes through it). */
export type RecordTuple = [
  offset: number,
  appendedAt: number,
  endBytes: number,
  key: string,
  value: string | Buffer,
]

export interface QueueItemRow {
  id: number
  attempts: number
  enqueued_at: number
  last_error: string | null
  value: string | Buffer
}

export interface DedupeRow {
  seq: number
  appended_at: number
  fingerprint_hi: number
  fingerprint_lo: number
  record_offset: number
}

/** Every statement the stream runs, prepared once when it opens. */
export function prepareStatements(db: Database) {
  return {
    topic: db.prepare('SELECT * FROM stream_topics WHERE topic = ?') as Statement<[string], TopicRow>,
    topics: db.prepare('SELECT * FROM stream_topics ORDER BY topic') as Statement<[], TopicRow>,
    insertTopic: db.prepare(
      'INSERT INTO stream_topics (topic, head_offset, total_bytes, pruned_offset, pruned_bytes) VALUES (?, 0, 0, 0, 0)',
    ) as Statement<[string]>,
    advanceHead: db.prepare(
      'UPDATE stream_topics SET head_offset = ?, total_bytes = ? WHERE topic = ?',
    ) as Statement<[number, number, string]>,
    advancePruned: db.prepare(
      'UPDATE stream_topics SET pruned_offset = ?, pruned_bytes = ? WHERE topic = ?',
    ) as Statement<[number, number, string]>,

    /** Rows of (topic, record_offset, appended_at, end_bytes, record_key, value). */
    insertRecords: new RowInserter(db, 'stream_records', [
      'topic',
      'record_offset',
      'appended_at',
      'end_bytes',
      'record_key',
      'value',
    ]),
    // Rows as arrays (`RecordTuple`): a read of many records makes no object per row.
    readRecords: (
      db.prepare(
        `SELECT record_offset, appended_at, end_bytes, record_key, value FROM stream_records
         WHERE topic = ? AND record_offset > ? ORDER BY record_offset LIMIT ?`,
      ) as Statement<[string, number, number], unknown>
    ).raw() as unknown as Statement<[string, number, number], RecordTuple>,
    recordEndBytes: db.prepare(
      'SELECT end_bytes FROM stream_records WHERE topic = ? AND record_offset = ?',
    ) as Statement<[string, number], { end_bytes: number }>,
    lastPrunable: db.prepare(
      `SELECT record_offset, end_bytes FROM stream_records
       WHERE topic = ? AND record_offset > ? AND record_offset <= ? AND appended_at <= ?
       ORDER BY record_offset DESC LIMIT 1`,
    ) as Statement<[string, number, number, number], { record_offset: number; end_bytes: number }>,
    deleteRecords: db.prepare(
      'DELETE FROM stream_records WHERE topic = ? AND record_offset > ? AND record_offset <= ?',
    ) as Statement<[string, number, number]>,

    groups: db.prepare('SELECT * FROM stream_groups ORDER BY topic, group_name') as Statement<[], GroupRow>,
    group: db.prepare('SELECT * FROM stream_groups WHERE topic = ? AND group_name = ?') as Statement<
      [string, string],
      GroupRow
    >,
    slowestGroup: db.prepare(
      'SELECT MIN(committed_offset) AS committed_offset FROM stream_groups WHERE topic = ?',
    ) as Statement<[string], { committed_offset: number | null }>,
    insertGroup: db.prepare(
      `INSERT INTO stream_groups (topic, group_name, committed_offset, committed_bytes, updated_at)
       VALUES (?, ?, ?, ?, ?) ON CONFLICT (topic, group_name) DO NOTHING`,
    ) as Statement<[string, string, number, number, number]>,
    updateGroup: db.prepare(
      `UPDATE stream_groups SET committed_offset = ?, committed_bytes = ?, updated_at = ?
       WHERE topic = ? AND group_name = ?`,
    ) as Statement<[number, number, number, string, string]>,
    deleteGroup: db.prepare('DELETE FROM stream_groups WHERE topic = ? AND group_name = ?') as Statement<
      [string, string]
    >,

    insertItem: db.prepare(
      `INSERT INTO queue_items (queue, due_at, attempts, enqueued_at, last_error, value)
       VALUES (?, ?, 0, ?, NULL, ?)`,
    ) as Statement<[string, number, number, string | Uint8Array]>,
    /** Hides up to `limit` due items until the lease ends and returns them. */
    claimItems: db.prepare(
      `UPDATE queue_items SET due_at = ? WHERE id IN
         (SELECT id FROM queue_items WHERE queue = ? AND due_at <= ? ORDER BY due_at LIMIT ?)
       RETURNING id, attempts, enqueued_at, last_error, value`,
    ) as Statement<[number, string, number, number], QueueItemRow>,
    anyDue: db.prepare(
      'SELECT 1 AS due FROM queue_items WHERE queue = ? AND due_at <= ? LIMIT 1',
    ) as Statement<[string, number], { due: 1 }>,
    nextDue: db.prepare(
      'SELECT MIN(due_at) AS due_at FROM queue_items WHERE queue = ? AND due_at IS NOT NULL',
    ) as Statement<[string], { due_at: number | null }>,
    deleteItem: db.prepare('DELETE FROM queue_items WHERE queue = ? AND id = ?') as Statement<
      [string, number]
    >,
    retryItem: db.prepare(
      `UPDATE queue_items SET due_at = ?, attempts = attempts + 1, last_error = ?
       WHERE queue = ? AND id = ? AND due_at IS NOT NULL`,
    ) as Statement<[number, string, string, number]>,
    parkItem: db.prepare(
      'UPDATE queue_items SET due_at = NULL, last_error = ? WHERE queue = ? AND id = ?',
    ) as Statement<[string, string, number]>,
    unparkItem: db.prepare(
      'UPDATE queue_items SET due_at = ?, attempts = 0 WHERE queue = ? AND id = ? AND due_at IS NULL',
    ) as Statement<[number, string, number]>,
    parkedItems: db.prepare(
      `SELECT id, attempts, enqueued_at, last_error, value FROM queue_items
       WHERE queue = ? AND due_at IS NULL AND id > ? ORDER BY id LIMIT ?`,
    ) as Statement<[string, number, number], QueueItemRow>,
    queueStats: db.prepare(
      `SELECT COALESCE(SUM(due_at <= ?), 0) AS ready, COALESCE(SUM(due_at > ?), 0) AS waiting,
         COALESCE(SUM(due_at IS NULL), 0) AS parked,
         MIN(CASE WHEN due_at IS NOT NULL THEN enqueued_at END) AS oldest
       FROM queue_items WHERE queue = ?`,
    ) as Statement<
      [number, number, string],
      { ready: number; waiting: number; parked: number; oldest: number | null }
    >,
    purgeQueue: db.prepare('DELETE FROM queue_items WHERE queue = ?') as Statement<[string]>,

    /** Rows of (appended_at, fingerprint_hi, fingerprint_lo, record_offset). */
    insertDedupe: new RowInserter(db, 'stream_dedupe_log', [
      'appended_at',
      'fingerprint_hi',
      'fingerprint_lo',
      'record_offset',
    ]),
    /** Entries after `seq` (claimed by another process), or every entry after seq 0 appended after a time. */
    dedupeAfter: db.prepare(
      `SELECT seq, appended_at, fingerprint_hi, fingerprint_lo, record_offset FROM stream_dedupe_log
       WHERE seq > ? AND appended_at > ? ORDER BY seq`,
    ) as Statement<[number, number], DedupeRow>,
    /** Deletes expired entries from the old end of the log, looking at no more than `limit` rows. */
    deleteExpiredDedupe: db.prepare(
      `DELETE FROM stream_dedupe_log WHERE seq IN (SELECT seq FROM
         (SELECT seq, appended_at FROM stream_dedupe_log ORDER BY seq LIMIT ?) WHERE appended_at <= ?)`,
    ) as Statement<[number, number]>,
  }
}

export type StreamStatements = ReturnType<typeof prepareStatements>
