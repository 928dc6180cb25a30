/**
 * From staged records to warehouse rows, per source (pure): each record is an ingest envelope (its key
 * the source id, its `message` the stored message); each message gives the rows of Segment's tables (`rowsForMessage`), the rows of the
 * upserted tables merged per id, and Selective Sync takes out what the warehouse should not get.
 */
import { tableName, type IngestEnvelope, type StoredMessage } from '../../spec/index.ts'
import { mergeUpserts, rowsForMessage, type TableRow } from '../schema/index.ts'
import type { SelectiveSyncRules } from './selective-sync.ts'

/** A staged record as the sync reads it. */
export interface StagedRecord {
  readonly key: string
  readonly value: string | Uint8Array
}

export interface SourceRows {
  /** Messages of the source in the chunk. */
  messages: number
  rows: TableRow[]
  /** Records that were not a message (corrupt staging): counted, never loaded. */
  unreadable: number
}

/**
 * Groups a chunk's records by source and turns each message into its rows, in order. Records of sources
 * `include` turns down are left out, unread.
 */
export function stagedRows(
  records: readonly StagedRecord[],
  uuidTs: Date,
  include?: (sourceId: string) => boolean,
): Map<string, SourceRows> {
  const bySource = new Map<string, SourceRows>()
  const excluded = new Set<string>()
  for (const record of records) {
    let entry = bySource.get(record.key)
    if (entry === undefined) {
      if (excluded.has(record.key)) continue
      if (include !== undefined && !include(record.key)) {
        excluded.add(record.key)
        continue
      }
      bySource.set(record.key, (entry = { messages: 0, rows: [], unreadable: 0 }))
    }
    const message = stagedMessage(record.value)
    if (message === undefined) {
      entry.unreadable++
      continue
    }
    entry.messages++
    for (const row of rowsForMessage(message, { uuidTs })) entry.rows.push(row)
  }
  for (const entry of bySource.values()) entry.rows = mergeUpserts(entry.rows)
  return bySource
}

/** The message of a staged record (an ingest envelope), or `undefined` when it is not one. */
export function stagedMessage(value: string | Uint8Array): StoredMessage | undefined {
  // A view of the bytes, not a copy (`Buffer.from(value)` would copy them).
  const text =
    typeof value === 'string'
      ? value
      : Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('utf8')
  let message: StoredMessage | undefined
  try {
    message = (JSON.parse(text) as Partial<IngestEnvelope> | null)?.message
  } catch {
    return undefined
  }
  if (typeof message !== 'object' || message === null || typeof message.messageId !== 'string')
    return undefined
  return message
}

/**
 * The warehouse schema a source loads into: its slug, snake_cased and made a safe identifier
 * (`ios-app` → `ios_app`), or `source_<id>` when the slug leaves nothing.
 */
export function sourceSchemaName(slug: string, sourceId: string): string {
  return tableName(slug) ?? tableName(`source_${sourceId}`)!
}

/** Rows left out by Selective Sync, per table. */
export interface SelectiveSyncOutcome {
  rows: TableRow[]
  /** Tables turned off: rows not loaded. */
  skippedRows: Record<string, number>
}

/** Takes out the rows of tables and the values of columns that Selective Sync turned off. */
export function applySelectiveSync(
  rows: readonly TableRow[],
  rules: SelectiveSyncRules,
): SelectiveSyncOutcome {
  const skippedRows: Record<string, number> = {}
  const kept: TableRow[] = []
  for (const tableRow of rows) {
    if (rules.disabledTables.has(tableRow.table)) {
      skippedRows[tableRow.table] = (skippedRows[tableRow.table] ?? 0) + 1
      continue
    }
    const columns = rules.disabledColumns.get(tableRow.table)
    if (columns === undefined) {
      kept.push(tableRow)
      continue
    }
    const row = { ...tableRow.row }
    for (const column of columns) delete row[column]
    kept.push({ table: tableRow.table, row })
  }
  return { rows: kept, skippedRows }
}
