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
import { flattenInto, isObject, PathTree } from './flatten.ts'
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
  const known = EVENT_TABLES.get(event)
  if (known !== undefined || EVENT_TABLES.has(event)) return known
  const name = tableName(event)
  const table =
    name === undefined ? undefined : (STANDARD_TABLES as readonly string[]).includes(name) ? `_${name}` : name
  if (EVENT_TABLES.size >= 10_000) EVENT_TABLES.clear()
  EVENT_TABLES.set(event, table)
  return table
}

/** Event names repeat from message to message: their tables are kept (up to a bound). */
const EVENT_TABLES = new Map<string, string | undefined>()

export interface RowOptions {
  /** When the rows were staged: the `uuid_ts` column. */
  uuidTs: Date
}

/**
 * Where a message's rows go, value by value (`writeRows`). `rowsForMessage` builds them as objects; the
 * sync's COPY planner plans and writes them as they come.
 */
export interface RowSink {
  /**
   * Starts a row of `table`; with `continues`, the row starts with every value of the row before it
   * (a track call's event row starts as its `tracks` row). `continued: false` says that no row will
   * continue this one.
   */
  row(table: string, continues?: boolean, continued?: boolean): void
  /**
   * A value of the row: kept unless the row has the column already (the first of two equal names wins)
   * or the value cannot be stored (only strings, booleans and finite numbers can).
   */
  put(column: string, value: unknown): void
}

/** The rows `message` adds to the warehouse, in the order: the call's table, then the event, user or account. */
export function rowsForMessage(message: StoredMessage, options: RowOptions): TableRow[] {
  const rows = new ObjectRows()
  writeRows(message, formatTimestamp(options.uuidTs), rows)
  return rows.rows
}

/** `rowsForMessage`, into `sink`; `uuidTs` is the `uuid_ts` column as `formatTimestamp` writes it. */
export function writeRows(message: StoredMessage, uuidTs: string, sink: RowSink): void {
  switch (message.type) {
    case 'track': {
      const table = eventTableName(message.event)
      sink.row('tracks', false, table !== undefined)
      eventRow(sink, message, uuidTs, () => {
        sink.put('event', table)
        sink.put('event_text', message.event)
      })
      if (table !== undefined) {
        sink.row(table, true, false)
        withFields(sink, message.properties)
      }
      return
    }
    case 'identify': {
      sink.row('identifies', false, false)
      eventRow(sink, message, uuidTs)
      withFields(sink, message.traits)
      if (nonEmpty(message.userId))
        latestState(sink, 'users', message.userId, message, uuidTs, message.traits)
      return
    }
    case 'page':
    case 'screen': {
      sink.row(message.type === 'page' ? 'pages' : 'screens', false, false)
      eventRow(sink, message, uuidTs, () => {
        sink.put('name', message.name)
        sink.put('category', message.category)
      })
      withFields(sink, message.properties)
      return
    }
    case 'group': {
      sink.row('groups', false, false)
      eventRow(sink, message, uuidTs, () => sink.put('group_id', message.groupId))
      withFields(sink, message.traits)
      if (nonEmpty(message.groupId))
        latestState(sink, 'accounts', message.groupId, message, uuidTs, message.traits)
      return
    }
    case 'alias': {
      sink.row('aliases', false, false)
      eventRow(sink, message, uuidTs, () => sink.put('previous_id', message.previousId))
      withFields(sink, message.traits)
      return
    }
  }
}

/** Rows as objects. */
class ObjectRows implements RowSink {
  readonly rows: TableRow[] = []
  #row: Row = {}

  row(table: string, continues = false): void {
    this.#row = continues ? { ...this.#row } : {}
    this.rows.push({ table, row: this.#row })
  }

  put(column: string, value: unknown): void {
    put(this.#row, column, value)
  }
}

/** System columns in a fixed order: ids, the call's own columns, context, times. */
function eventRow(sink: RowSink, message: StoredMessage, uuidTs: string, own?: () => void): void {
  sink.put('id', message.messageId)
  sink.put('anonymous_id', message.anonymousId)
  sink.put('user_id', message.userId)
  own?.()
  if (isObject(message.context)) flattenInto(message.context, CONTEXT_PATHS, sink)
  sink.put('received_at', message.receivedAt)
  sink.put('sent_at', message.sentAt)
  sink.put('original_timestamp', message.originalTimestamp)
  sink.put('timestamp', message.timestamp)
  sink.put('uuid_ts', uuidTs)
}

/** A `users` or `accounts` row: the id, when it was received and staged, and the traits. */
function latestState(
  sink: RowSink,
  table: string,
  id: string,
  message: StoredMessage,
  uuidTs: string,
  traits: unknown,
): void {
  sink.row(table, false, false)
  sink.put('id', id)
  sink.put('received_at', message.receivedAt)
  sink.put('uuid_ts', uuidTs)
  withFields(sink, traits)
}

/** Adds properties or traits, flattened; system names are dropped and the first of two equal names wins. */
function withFields(sink: RowSink, fields: unknown): void {
  if (isObject(fields)) flattenInto(fields, FIELD_PATHS, sink)
}

function put(row: Row, column: string, value: unknown): void {
  if (Object.hasOwn(row, column)) return
  if (typeof value === 'string' || typeof value === 'boolean') row[column] = value
  else if (typeof value === 'number' && Number.isFinite(value)) row[column] = value
}

const nonEmpty = (value: unknown): value is string => typeof value === 'string' && value !== ''

/** Paths repeat from message to message: their columns are kept (up to a bound). */
const CONTEXT_PATHS = new PathTree((name) => safeIdentifier(`context_${name}`))
/** Properties and traits named like a system column are dropped. */
const FIELD_PATHS = new PathTree((name) => (isReservedColumn(name) ? undefined : safeIdentifier(name)))
