/**
 * The rows a message gives (warehouse spec §2.2, §2.3): every call is a row in its type's table (`tracks`,
 * `identifies`, `pages`, `screens`, `groups`, `aliases`); a track call is also a row in its event's table,
 * an identify call with a user id a row of `users`, a group call a row of `accounts`.
 *
 * Every event row has Segment's system columns: `id` (the `messageId`), `anonymous_id`, `user_id`,
 * `context_*` (the context flattened), `received_at`, `sent_at`, `original_timestamp`, `timestamp` and
 * `uuid_ts` (when the row was staged). Properties and traits become unprefixed columns, so one whose name
 * is a system column is dropped. `integrations`, `channel`, `type`, `version`, `_metadata`, `writeKey`
 * and any other top-level field are left out. Columns without a value (null, absent) are left out of the
 * row; the loader writes NULL.
 */
import { formatTimestamp, safeIdentifier, tableName, type StoredMessage } from '../../spec/index.ts'
import { flatten, isObject } from './flatten.ts'
import type { ColumnType, WarehouseValue } from './types.ts'

/** A row as it goes to a table: column name → value; absent columns are NULL. */
export type Row = Record<string, WarehouseValue>

export interface TableRow {
  table: string
  row: Row
}

/** The tables every source schema may have, apart from one table per track event. */
export const STANDARD_TABLES = [
  'tracks',
  'identifies',
  'users',
  'pages',
  'screens',
  'groups',
  'accounts',
  'aliases',
] as const

/**
 * Columns whose values come from the message itself, with their fixed types. A property or trait with
 * one of these names (after snake_casing: `userId` is `user_id`), or whose name starts with `context_`,
 * is dropped (§2.1, reserved column collisions). `uuid` and `loaded_at` are reserved for loaders.
 */
export const SYSTEM_COLUMNS: Readonly<Record<string, ColumnType>> = Object.freeze({
  id: 'varchar',
  anonymous_id: 'varchar',
  user_id: 'varchar',
  group_id: 'varchar',
  previous_id: 'varchar',
  event: 'varchar',
  event_text: 'varchar',
  received_at: 'timestamp',
  sent_at: 'timestamp',
  original_timestamp: 'timestamp',
  timestamp: 'timestamp',
  uuid_ts: 'timestamp',
  uuid: 'varchar',
  loaded_at: 'timestamp',
})

/** Whether a snake_cased property or trait name collides with a system column (and is dropped). */
export const isReservedColumn = (name: string): boolean =>
  Object.hasOwn(SYSTEM_COLUMNS, name) || name.startsWith('context_')

/**
 * The table of a track event: its snake_cased name (`Order Completed` → `order_completed`), with a `_`
 * before a standard table's name (`Tracks` → `_tracks`), a reserved word (`Open` → `_open`) or a
 * leading digit. `undefined` for a name with nothing left after snake_casing (`購入`): such events are
 * rows of `tracks` only.
 */
export function eventTableName(event: string): string | undefined {
  const name = tableName(event)
  if (name === undefined) return undefined
  return (STANDARD_TABLES as readonly string[]).includes(name) ? `_${name}` : name
}

export interface RowOptions {
  /** When the rows were staged: the `uuid_ts` column. */
  uuidTs: Date
}

/** The rows `message` adds to the warehouse, in the order: the call's table, then the event, user or account. */
export function rowsForMessage(message: StoredMessage, options: RowOptions): TableRow[] {
  const uuidTs = formatTimestamp(options.uuidTs)
  switch (message.type) {
    case 'track': {
      const table = eventTableName(message.event)
      const tracks = eventRow(message, uuidTs, { event: table, event_text: message.event })
      const rows = [{ table: 'tracks', row: tracks }]
      if (table !== undefined) rows.push({ table, row: withFields({ ...tracks }, message.properties) })
      return rows
    }
    case 'identify': {
      const rows = [{ table: 'identifies', row: withFields(eventRow(message, uuidTs, {}), message.traits) }]
      if (nonEmpty(message.userId)) {
        rows.push({ table: 'users', row: latestState(message.userId, message, uuidTs, message.traits) })
      }
      return rows
    }
    case 'page':
    case 'screen': {
      const own = { name: message.name, category: message.category }
      const row = withFields(eventRow(message, uuidTs, own), message.properties)
      return [{ table: message.type === 'page' ? 'pages' : 'screens', row }]
    }
    case 'group': {
      const row = withFields(eventRow(message, uuidTs, { group_id: message.groupId }), message.traits)
      const rows = [{ table: 'groups', row }]
      if (nonEmpty(message.groupId)) {
        rows.push({ table: 'accounts', row: latestState(message.groupId, message, uuidTs, message.traits) })
      }
      return rows
    }
    case 'alias': {
      const own = { previous_id: message.previousId }
      return [{ table: 'aliases', row: withFields(eventRow(message, uuidTs, own), message.traits) }]
    }
  }
}

/** System columns in a fixed order: ids, the call's own columns, context, times. */
function eventRow(message: StoredMessage, uuidTs: string, own: Record<string, unknown>): Row {
  const row: Row = {}
  put(row, 'id', message.messageId)
  put(row, 'anonymous_id', message.anonymousId)
  put(row, 'user_id', message.userId)
  for (const [column, value] of Object.entries(own)) put(row, column, value)
  if (isObject(message.context)) {
    for (const { name, value } of flatten(message.context)) put(row, contextColumn(name), value)
  }
  put(row, 'received_at', message.receivedAt)
  put(row, 'sent_at', message.sentAt)
  put(row, 'original_timestamp', message.originalTimestamp)
  put(row, 'timestamp', message.timestamp)
  put(row, 'uuid_ts', uuidTs)
  return row
}

/** A `users` or `accounts` row: the id, when it was received and staged, and the traits. */
function latestState(id: string, message: StoredMessage, uuidTs: string, traits: unknown): Row {
  const row: Row = {}
  put(row, 'id', id)
  put(row, 'received_at', message.receivedAt)
  put(row, 'uuid_ts', uuidTs)
  return withFields(row, traits)
}

/** Adds properties or traits, flattened; system names are dropped and the first of two equal names wins. */
function withFields(row: Row, fields: unknown): Row {
  if (!isObject(fields)) return row
  for (const { name, value } of flatten(fields)) {
    if (!isReservedColumn(name)) put(row, cached(FIELD_COLUMNS, name, safeIdentifier), value)
  }
  return row
}

function put(row: Row, column: string, value: unknown): void {
  if (Object.hasOwn(row, column)) return
  if (typeof value === 'string' || typeof value === 'boolean') row[column] = value
  else if (typeof value === 'number' && Number.isFinite(value)) row[column] = value
}

const nonEmpty = (value: unknown): value is string => typeof value === 'string' && value !== ''

const CONTEXT_COLUMNS = new Map<string, string>()
const FIELD_COLUMNS = new Map<string, string>()
const contextColumn = (name: string) => cached(CONTEXT_COLUMNS, name, (n) => safeIdentifier(`context_${n}`))

/** Names repeat from message to message: columns are kept (up to a bound). */
function cached(cache: Map<string, string>, name: string, make: (name: string) => string): string {
  let column = cache.get(name)
  if (column === undefined) {
    if (cache.size >= 10_000) cache.clear()
    cache.set(name, (column = make(name)))
  }
  return column
}
