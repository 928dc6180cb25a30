/**
 * A source's rows of a chunk, made ready for `COPY … FROM STDIN` as they come (pure): what
 * `mergeUpserts`, `applySelectiveSync`, `planSchema`, `dedupeRows` and `copyBinaryChunks` do one after the
 * other, in one pass and without keeping the chunk's rows. Its outcome is theirs, value for value and in
 * the same order (copy-plan.test.ts holds it to them): the same tables to create and columns to add, the
 * same conflicts and skipped columns, and per table the rows those would load, one per id (the first row
 * of an id for events, rows merged in order for `users` and `accounts`).
 *
 * Rows are planned and written as binary COPY rows as they are added, so that each message's objects die young;
 * only rows of `users` and `accounts` wait for the end of the chunk, where they are merged per id. They
 * are then planned in the place of their id's first row: everything whose order the plan reports (new
 * tables and columns, conflicts, tables) is ordered by the place of the row that first caused it.
 *
 * Each batch is rows in COPY's binary format (`postgres-copy-binary.ts`) with its columns (`id` first,
 * then in order of first appearance), and the id of each row, so that the loader can leave out ids the
 * table already has without reading the rows again.
 */
import type { ColumnSpec } from '../loaders/index.ts'
import { ID_COLUMN, type DedupMode } from '../loaders/batch.ts'
import { CopyRowWriter } from '../loaders/postgres/postgres-copy-binary.ts'
import { formatTimestamp } from '../../spec/index.ts'
import {
  canonicalTimestampMillis,
  coerce,
  columnTypeFor,
  fitsAsIs,
  inferType,
  internedColumnType,
  MAX_COLUMNS_PER_TABLE,
  MAX_VARCHAR_LENGTH,
  UPSERT_TABLES,
  type ColumnDefinition,
  type ColumnType,
  type PlanOptions,
  type Row,
  type RowSink,
  type SchemaPlan,
  type SkippedColumn,
  type TableColumns,
  type TableRow,
  type ValueConflict,
  type WarehouseValue,
} from '../schema/index.ts'
import type { SelectiveSyncRules } from './selective-sync.ts'

/** One table's rows of the chunk as binary COPY rows. */
export interface CopyBatch {
  readonly table: string
  /** `first` for events, `merge` for `users` and `accounts` (`UPSERT_TABLES`). */
  readonly mode: DedupMode
  /** The columns of the rows, `id` first; only columns that have a value in some row. */
  readonly columns: ColumnSpec[]
  /** Rows of `data`: one per id. */
  readonly rows: number
  /** The rows in COPY's binary format (`postgres-copy-binary.ts`), without its header and trailer. */
  readonly data: Uint8Array
  /** The id of each row, in order (as the row has it: NUL characters not yet removed). */
  readonly ids: string[]
  /** Set when a row has no id: nothing of the table's batch may load (`dedupeRows`' error). */
  readonly error?: { readonly message: string; readonly hint: string }
}

/** `planSchema`'s outcome, with the rows as COPY batches in order of each table's first row. */
export interface CopyPlan extends CopySchemaPlan {
  batches: CopyBatch[]
}

/** `planSchema`'s outcome without the rows, plus every table's new columns in one list, in order. */
export interface CopySchemaPlan extends Omit<SchemaPlan, 'rows'> {
  /** `createTables` and `addColumns` as one list, in the order the plan found them. */
  added: { table: string; columns: ColumnDefinition[] }[]
}

interface Column {
  readonly type: ColumnType
  /** Its place in the batch's columns; -1 until a row of the batch has a value for it. */
  slot: number
}

/** Something the plan reports, with the place of the row that first caused it. */
interface Placed<T> {
  readonly at: number
  readonly value: T
}

const NO_ID_HINT =
  'Every row needs an id (the messageId, or the user or group id); this is a bug in the caller.'
/**
 * A field's value as the rows are planned, in its column's type as `coerce` leaves it, except that a
 * timestamp is its instant in epoch milliseconds (its text is read once); `undefined` is NULL.
 */
type SlotValue = string | number | boolean | undefined
/** A NULL field's length (-1), appended to rows written before the batch's last columns appeared. */
const NULL_FIELD = Buffer.from([0xff, 0xff, 0xff, 0xff])

class TableBatch {
  readonly columns: Map<string, Column>
  /** The batch's columns by slot; slot 0 is kept for `id`. */
  readonly specs: (ColumnSpec | undefined)[] = [undefined]
  /**
   * The row being planned: its values by slot (NULL, `undefined`, where it has none). A new array for
   * each row: V8 records every store of a young value into an old object (a write barrier, about 60
   * instructions), and an array this young costs less to make than its stores did.
   */
  row: SlotValue[] = [undefined]
  /** `first`: the rows so far, with where each ends and how many slots it has values or NULLs for. */
  readonly data = new CopyRowWriter()
  readonly ends: number[] = []
  readonly widths: number[] = []
  /** `merge`: each id's values by slot, merged in order. */
  readonly merged: SlotValue[][] = []
  readonly ids: string[] = []
  /** `merge`: each id's place in `merged`. */
  readonly places = new Map<string, number>()
  /** `first`: the ids written (one lookup a row: added, or already there when the size stays). */
  readonly written = new Set<string>()
  /** Names the rows written value by value have used (`CopyPlanner.put`). */
  readonly names = new Map<string, NameState>()
  /** The names of the last row written value by value, in order, with their states. */
  readonly shapeNames: string[] = []
  readonly shapeStates: NameState[] = []
  /** Rows planned (with at least one value), duplicates included: `dedupeRows`' row index. */
  planned = 0
  error: CopyBatch['error']
  /** Where the table was first seen, first had a planned row, first got a new column. */
  readonly seenAt: number
  plannedAt = -1
  addedAt = -1
  readonly added: ColumnDefinition[] = []

  constructor(
    readonly table: string,
    readonly mode: DedupMode,
    existing: Readonly<Record<string, ColumnType>> | undefined,
    at: number,
  ) {
    this.seenAt = at
    this.columns = new Map()
    if (existing !== undefined)
      for (const name in existing)
        this.columns.set(name, { type: internedColumnType(existing[name]!), slot: -1 })
  }

  slotOf(name: string, column: Column): number {
    if (column.slot < 0) {
      column.slot = name === ID_COLUMN ? 0 : this.specs.length
      this.specs[column.slot] = { name, type: column.type }
      if (column.slot > 0) this.row.push(undefined)
    }
    return column.slot
  }

  /** A value of the row being planned (`SlotValue`), in its column's slot. */
  put(slot: number, value: string | number | boolean): void {
    this.row[slot] = value
  }

  /** Adds the row being planned, with its (coerced) id. */
  addRow(id: unknown): void {
    const index = this.planned++
    if (this.error === undefined) {
      if (id == null || id === '')
        this.error = {
          message: `Row ${index} of table "${this.table}" has no "id"; nothing of this batch was loaded.`,
          hint: NO_ID_HINT,
        }
      else this.#keep(typeof id === 'string' ? id : String(id))
    }
    this.row = new Array<SlotValue>(this.specs.length)
  }

  #keep(key: string): void {
    if (this.mode === 'merge') {
      const place = this.places.get(key)
      if (place === undefined) {
        this.places.set(key, this.merged.length)
        this.merged.push(this.row)
        this.ids.push(key)
      } else {
        // A later non-null value replaces an earlier one (`dedupeRows`' merge).
        const earlier = this.merged[place]!
        const { row } = this
        for (let slot = 0; slot < row.length; slot++) if (row[slot] !== undefined) earlier[slot] = row[slot]
      }
      return
    }
    const { written } = this
    const before = written.size
    if (written.add(key).size === before) return
    this.ids.push(key)
    this.data.values(this.row, this.specs as ColumnSpec[])
    this.ends.push(this.data.length)
    this.widths.push(this.row.length)
  }

  finish(): CopyBatch {
    const { table, mode } = this
    const columns = this.specs as ColumnSpec[]
    if (this.error !== undefined)
      return { table, mode, columns, rows: 0, data: new Uint8Array(0), ids: [], error: this.error }
    const width = this.specs.length
    if (mode === 'merge') {
      const data = new CopyRowWriter()
      for (const values of this.merged) {
        while (values.length < width) values.push(undefined)
        data.values(values, this.specs as ColumnSpec[])
      }
      return { table, mode, columns, rows: this.ids.length, data: data.rows(), ids: this.ids }
    }
    return { table, mode, columns, rows: this.ids.length, data: this.padded(width), ids: this.ids }
  }

  /** The rows, those written before the batch's last columns appeared given NULLs for them. */
  padded(width: number): Uint8Array {
    const { ends, widths, data } = this
    let extra = 0
    for (const w of widths) extra += (width - w) * NULL_FIELD.length
    if (extra === 0) return data.rows()
    const out = Buffer.allocUnsafeSlow(data.length + extra)
    let at = 0
    let start = 0
    for (let i = 0; i < ends.length; i++) {
      const end = ends[i]!
      const rowAt = at
      at += data.bytes.copy(out, at, start, end)
      if (widths[i]! < width) {
        out.writeInt16BE(width, rowAt) // the row's field count
        for (let w = widths[i]!; w < width; w++) at += NULL_FIELD.copy(out, at)
      }
      start = end
    }
    return new Uint8Array(out.buffer, 0, at)
  }
}

/** A row of `users` or `accounts`, waiting for the end of the chunk: merged per id, planned in its place. */
interface Waiting {
  readonly at: number
  readonly table: string
  readonly row: Row
}

/**
 * A row's values as put (the first of each name), for a row that continues it: the first `length` of
 * each array. With each value, the column type it fitted and the value stored, if it was kept whole.
 */
class CarriedValues {
  length = 0
  readonly names: string[]
  readonly values: unknown[]
  readonly types: (ColumnType | undefined)[]
  readonly stored: SlotValue[]

  /** Room for `size` values (they may go past it). */
  constructor(size: number) {
    this.names = new Array<string>(size)
    this.values = new Array<unknown>(size)
    this.types = new Array<ColumnType | undefined>(size)
    this.stored = new Array<SlotValue>(size)
  }
}

/** What a row that no row continues keeps: nothing (`#write` keeps no values in it). */
const NOTHING_CARRIED = new CarriedValues(0)

/** A name as a table's rows have used it. */
interface NameState {
  /** The row that last used the name (a row keeps the first value of a name). */
  stamp: number
  /** Turned off by Selective Sync. */
  readonly off: boolean
  /** The table's column, once it has one. */
  column: Column | undefined
}

/**
 * Plans and writes a source's rows of a chunk as they are added, as objects (`add`) or value by value
 * (`RowSink`: `writeRows` straight into the planner); `finish` gives the plan.
 */
export class CopyPlanner implements RowSink {
  readonly #current: TableColumns
  readonly #options: PlanOptions
  readonly #maxColumns: number
  readonly #maxVarchar: number
  readonly #rules: SelectiveSyncRules | undefined
  readonly #tables = new Map<string, TableBatch>()
  readonly #conflicts = new Map<string, Placed<ValueConflict>>()
  readonly #skipped = new Map<string, Placed<SkippedColumn>>()
  readonly #waiting: Waiting[] = []
  readonly #merged = new Map<string, Row>()
  /** The place of the next row, in the order `planSchema` would see it. */
  #at = 0
  /** The last timestamp found canonical, and its instant. */
  #canonical: unknown
  #canonicalMs = 0

  // The row being written (`RowSink`).
  /** Its table's batch when it is planned value by value; else it is built as an object (`#object`). */
  #batch: TableBatch | undefined
  #object: Row | undefined
  /** A row of a table turned off: its values are only kept for a row that continues it. */
  #off = false
  #stamp = 0
  #rowAt = 0
  #kept = 0
  #id: unknown
  /**
   * Its values as put, for a row that continues it (`NOTHING_CARRIED` when none does). New arrays for each row
   * (young arrays: see `TableBatch.row`), with room for as many values as the most a row kept so far.
   */
  #carried = new CarriedValues(0)
  #carriedRoom = 0
  #fitType: ColumnType | undefined
  #fitValue: SlotValue
  /** How many values it has put: where it is in its table's `shapeNames`. */
  #pos = 0
  /** Names of rows of tables turned off (their first-value rule still holds). */
  readonly #offNames = new Map<string, NameState>()
  constructor(current: TableColumns, options: PlanOptions = {}, rules?: SelectiveSyncRules) {
    this.#current = current
    this.#options = options
    this.#maxColumns = options.maxColumnsPerTable ?? MAX_COLUMNS_PER_TABLE
    this.#maxVarchar = options.maxVarcharLength ?? MAX_VARCHAR_LENGTH
    this.#rules = rules
  }

  /** Adds a row, in stream order. */
  add(table: string, row: Row): void {
    const rules = this.#rules
    if (rules !== undefined) {
      // Selective Sync: rows of tables turned off are dropped, columns turned off removed.
      if (rules.disabledTables.has(table)) return
      const off = rules.disabledColumns.get(table)
      if (off !== undefined) {
        row = { ...row }
        for (const column of off) delete row[column]
      }
    }
    if (!UPSERT_TABLES.has(table)) {
      this.#plan(table, row, this.#at++)
      return
    }
    // `mergeUpserts`: one row per id, taking the place of the id's first row.
    const id = row.id
    if (id === undefined) {
      this.#waiting.push({ at: this.#at++, table, row })
      return
    }
    const key = `${table}\0${String(id)}`
    const existing = this.#merged.get(key)
    if (existing !== undefined) {
      Object.assign(existing, row)
      return
    }
    const copy = { ...row }
    this.#merged.set(key, copy)
    this.#waiting.push({ at: this.#at++, table, row: copy })
  }

  row(table: string, continues = false, continued = true): void {
    this.#endRow()
    const before = this.#carried
    if (before.length > this.#carriedRoom) this.#carriedRoom = before.length
    this.#carried = continued ? new CarriedValues(this.#carriedRoom) : NOTHING_CARRIED
    this.#stamp++
    this.#pos = 0
    this.#off = this.#rules?.disabledTables.has(table) ?? false
    this.#batch = undefined
    this.#object = undefined
    if (this.#off) {
      // Its table is turned off, but a row that continues it still starts with its values.
    } else if (UPSERT_TABLES.has(table)) {
      // Merged per id at the end: built as an object, then added as one.
      this.#object = {}
      this.#objectTable = table
    } else {
      this.#batch = this.#tableBatch(table, this.#at)
      this.#rowAt = this.#at++
      this.#kept = 0
      this.#id = undefined
    }
    if (continues)
      for (let i = 0; i < before.length; i++)
        this.#write(before.names[i]!, before.values[i], before.types[i], before.stored[i])
  }

  put(name: string, value: unknown): void {
    this.#write(name, value, undefined, undefined)
  }

  /**
   * `put`; `known` is the column type and stored value the value already fitted as in the row this one
   * continues (a `tracks` row's values in its event row): used as it is when the column has that type.
   */
  #write(name: string, value: unknown, knownType: ColumnType | undefined, knownValue: SlotValue): void {
    // Each `typeof` compared where it is taken: V8 then tests the value's type in place, where a
    // `typeof` kept in a variable is a call.
    if (typeof value !== 'string' && typeof value !== 'boolean' && !Number.isFinite(value)) return
    this.#fitType = undefined
    this.#fitValue = undefined
    const object = this.#object
    if (object !== undefined) {
      if (Object.hasOwn(object, name)) return
      object[name] = value as WarehouseValue
    } else {
      const batch = this.#batch
      let state: NameState | undefined
      if (batch !== undefined) {
        // Rows of a table mostly name the same columns in the same order: the last row's names first.
        const i = this.#pos++
        if (batch.shapeNames[i] === name) state = batch.shapeStates[i]!
        else {
          state = this.#state(batch.names, batch, name)
          batch.shapeNames[i] = name
          batch.shapeStates[i] = state
        }
      } else state = this.#state(this.#offNames, undefined, name)
      if (state.stamp === this.#stamp) return
      state.stamp = this.#stamp
      if (batch !== undefined && !state.off) this.#put(batch, name, state, value, knownType, knownValue)
    }
    const carried = this.#carried
    if (carried !== NOTHING_CARRIED) {
      const i = carried.length++
      carried.names[i] = name
      carried.values[i] = value
      carried.types[i] = this.#fitType
      carried.stored[i] = this.#fitValue
    }
  }

  #state(names: Map<string, NameState>, batch: TableBatch | undefined, name: string): NameState {
    let state = names.get(name)
    if (state === undefined) {
      const off = batch !== undefined && (this.#rules?.disabledColumns.get(batch.table)?.has(name) ?? false)
      names.set(name, (state = { stamp: 0, off, column: batch?.columns.get(name) }))
    }
    return state
  }

  /** Plans a value of the row being written (`planSchema`'s loop body). */
  #put(
    batch: TableBatch,
    name: string,
    state: NameState,
    value: unknown,
    knownType: ColumnType | undefined,
    knownValue: SlotValue,
  ): void {
    let column = state.column
    const at = this.#rowAt
    if (column === undefined) {
      column = batch.columns.get(name) ?? this.#newColumn(batch, name, value, at)
      if (column === undefined) return
      state.column = column
    }
    const type = column.type
    let stored = type === knownType ? knownValue! : this.#fitted(value, type)
    if (stored === undefined) {
      const coerced = coerce(value, type, this.#options)
      this.#conflict(batch.table, name, type, value, coerced.outcome, at)
      if (coerced.value === null) return
      stored = slotValue(coerced.value, type)
      if (coerced.outcome !== 'fit') {
        this.#keep(batch, name, column, stored)
        return
      }
    }
    // Kept whole: a row that continues this one may take it as it is.
    this.#fitType = type
    this.#fitValue = stored
    this.#keep(batch, name, column, stored)
  }

  #keep(batch: TableBatch, name: string, column: Column, stored: string | number | boolean): void {
    const slot = batch.slotOf(name, column)
    batch.put(slot, stored)
    // Slot 0 is `id`'s (a number compared, not the name).
    if (slot === 0) this.#id = idOf(stored, column.type)
    this.#kept++
  }

  #endRow(): void {
    const batch = this.#batch
    if (batch !== undefined) {
      this.#batch = undefined
      if (this.#kept > 0) {
        if (batch.plannedAt < 0) batch.plannedAt = this.#rowAt
        batch.addRow(this.#id)
      }
    }
    const object = this.#object
    if (object !== undefined) {
      this.#object = undefined
      this.add(this.#objectTable, object)
    }
  }

  #objectTable = ''

  finish(): CopyPlan {
    this.#endRow()
    for (const { at, table, row } of this.#waiting) this.#plan(table, row, at)
    const current = this.#current
    const tables = [...this.#tables.values()]
    const added = byPlace(tables, (t) => t.addedAt).map((t) => ({ table: t.table, columns: t.added }))
    const { createTables, addColumns } = splitAdded(added, current)
    const schema: Record<string, Record<string, ColumnType>> = {}
    for (const table in current) {
      const batch = this.#tables.get(table)
      schema[table] = batch === undefined ? { ...current[table] } : columnTypes(batch)
    }
    for (const batch of byPlace(tables, (t) => t.seenAt))
      if (!Object.hasOwn(schema, batch.table) && batch.columns.size > 0)
        schema[batch.table] = columnTypes(batch)
    return {
      createTables,
      addColumns,
      added,
      schema,
      batches: byPlace(tables, (t) => t.plannedAt).map((batch) => batch.finish()),
      conflicts: inPlace(this.#conflicts),
      skippedColumns: inPlace(this.#skipped),
    }
  }

  #tableBatch(table: string, at: number): TableBatch {
    let batch = this.#tables.get(table)
    if (batch === undefined) {
      const mode: DedupMode = UPSERT_TABLES.has(table) ? 'merge' : 'first'
      const existing = Object.hasOwn(this.#current, table) ? this.#current[table] : undefined
      this.#tables.set(table, (batch = new TableBatch(table, mode, existing, at)))
    }
    return batch
  }

  /** A column for a name the table lacks, typed by its first value; `undefined` past the table's limit. */
  #newColumn(batch: TableBatch, name: string, value: unknown, at: number): Column | undefined {
    const type = columnTypeFor(name, value)
    if (type === undefined) return undefined
    const table = batch.table
    if (batch.columns.size >= this.#maxColumns) {
      const key = `${table}\0${name}`
      let entry = this.#skipped.get(key)
      if (entry === undefined)
        this.#skipped.set(key, (entry = { at, value: { table, column: name, count: 0 } }))
      entry.value.count++
      return undefined
    }
    const column: Column = { type, slot: -1 }
    batch.columns.set(name, column)
    if (batch.addedAt < 0) batch.addedAt = at
    batch.added.push({ name, type })
    return column
  }

  /** `planSchema` for one row object, at its place; then the row is added to its table's batch. */
  #plan(table: string, row: Row, at: number): void {
    const batch = this.#tableBatch(table, at)
    const columns = batch.columns
    let kept = 0
    let id: unknown
    for (const name in row) {
      const value = row[name]
      if (value === null || value === undefined) continue
      const column = columns.get(name) ?? this.#newColumn(batch, name, value, at)
      if (column === undefined) continue
      const type = column.type
      let stored = this.#fitted(value, type)
      if (stored === undefined) {
        const coerced = coerce(value, type, this.#options)
        this.#conflict(table, name, type, value, coerced.outcome, at)
        if (coerced.value === null) continue
        stored = slotValue(coerced.value, type)
      }
      const slot = batch.slotOf(name, column)
      batch.put(slot, stored)
      if (slot === 0) id = idOf(stored, type)
      kept++
    }
    if (kept === 0) return
    if (batch.plannedAt < 0) batch.plannedAt = at
    batch.addRow(id)
  }

  /** `value` as a slot holds it (`SlotValue`) when it fits `type` as it is (`fitsAsIs`); else `undefined`. */
  #fitted(value: unknown, type: ColumnType): SlotValue {
    if (type !== 'timestamp')
      return fitsAsIs(value, type, this.#maxVarchar) ? (value as string | number | boolean) : undefined
    // `uuid_ts` is one string for the whole chunk.
    if (value === this.#canonical) return this.#canonicalMs
    const ms = canonicalTimestampMillis(value)
    if (ms === undefined) return undefined
    this.#canonical = value
    this.#canonicalMs = ms
    return ms
  }

  #conflict(
    table: string,
    column: string,
    columnType: ColumnType,
    value: unknown,
    outcome: ValueConflict['outcome'] | 'fit',
    at: number,
  ): void {
    if (outcome === 'fit') return
    const valueType = inferType(value) ?? 'varchar'
    const key = `${table}\0${column}\0${valueType}\0${outcome}`
    let entry = this.#conflicts.get(key)
    if (entry === undefined) {
      const conflict = { table, column, columnType, valueType, outcome, count: 0, example: value }
      this.#conflicts.set(key, (entry = { at, value: conflict }))
    }
    entry.value.count++
  }
}

/** `planSchema(current, rows, options)`, then per table `dedupeRows` and `copyBinaryChunks`. */
export function planCopyBatches(
  current: TableColumns,
  rows: readonly TableRow[],
  options: PlanOptions = {},
  rules?: SelectiveSyncRules,
): CopyPlan {
  const planner = new CopyPlanner(current, options, rules)
  for (const { table, row } of rows) planner.add(table, row)
  return planner.finish()
}

/**
 * A plan made against `base` (the schema known when the chunk was sent off to be planned), restated
 * against `actual`: `base` plus what the chunks before it added. Nothing a plan decides depends on the
 * schema except the types of the columns its rows use, so the plan stands as long as every column it
 * added has, if `actual` has it too, the same type there; only which of its tables and columns are new
 * changes. `undefined` when it does not stand (a column the chunks before added with another type, a
 * table near its column limit): the chunk is then planned again against `actual`.
 */
export function rebasePlan<P extends CopySchemaPlan>(
  plan: P,
  base: TableColumns,
  actual: TableColumns,
  maxColumnsPerTable: number = MAX_COLUMNS_PER_TABLE,
): P | undefined {
  if (actual === base) return plan
  if (plan.skippedColumns.length > 0) return undefined
  const schema: Record<string, Record<string, ColumnType>> = {}
  for (const table in actual) schema[table] = { ...actual[table] }
  for (const table in plan.schema) {
    const columns = plan.schema[table]!
    const known = Object.hasOwn(actual, table) ? actual[table]! : undefined
    const merged = (schema[table] ??= {})
    for (const column in columns) {
      const type = columns[column]!
      if (known !== undefined && Object.hasOwn(known, column)) {
        if (known[column] !== type) return undefined
      } else merged[column] = type
    }
    if (Object.keys(merged).length > maxColumnsPerTable) return undefined
    if (known === undefined && Object.keys(merged).length === 0) delete schema[table]
  }
  const added: CopySchemaPlan['added'] = []
  for (const { table, columns } of plan.added) {
    const known = Object.hasOwn(actual, table) ? actual[table]! : undefined
    const fresh = known === undefined ? columns : columns.filter((c) => !Object.hasOwn(known, c.name))
    if (fresh.length > 0) added.push({ table, columns: fresh })
  }
  return { ...plan, schema, added, ...splitAdded(added, actual) }
}

function splitAdded(added: CopySchemaPlan['added'], current: TableColumns) {
  const createTables: SchemaPlan['createTables'] = []
  const addColumns: SchemaPlan['addColumns'] = []
  for (const entry of added) (Object.hasOwn(current, entry.table) ? addColumns : createTables).push(entry)
  return { createTables, addColumns }
}

/** The tables that have a place for `place`, in order of it (sorts are stable: ties keep their order). */
function byPlace(tables: readonly TableBatch[], place: (t: TableBatch) => number): TableBatch[] {
  return tables.filter((t) => place(t) >= 0).sort((a, b) => place(a) - place(b))
}

function inPlace<T>(entries: ReadonlyMap<string, Placed<T>>): T[] {
  return [...entries.values()].sort((a, b) => a.at - b.at).map((e) => e.value)
}

/** A value `coerce` made fit `type`, as a slot holds it (`SlotValue`). */
const slotValue = (value: string | number | boolean, type: ColumnType): string | number | boolean =>
  type === 'timestamp' ? canonicalTimestampMillis(value)! : value

/** The id of a row from its slot value (an `id` of a timestamp column is its text, as `coerce` left it). */
const idOf = (stored: string | number | boolean, type: ColumnType): unknown =>
  type === 'timestamp' ? formatTimestamp(new Date(stored as number)) : stored

function columnTypes(batch: TableBatch): Record<string, ColumnType> {
  const types: Record<string, ColumnType> = {}
  for (const [name, column] of batch.columns) types[name] = column.type
  return types
}
