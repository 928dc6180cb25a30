/**
 * Schema evolution, planned without touching the warehouse (warehouse spec §2.5): given the columns the
 * warehouse has and a batch of rows, which tables to create, which columns to add, and each row with its
 * values in their columns' types. A column is created only for a non-null value; its type comes from the
 * first such value in the batch (system columns have fixed types) and never changes afterwards: a later
 * value that does not fit is cast, or left NULL, and reported. Nothing is ever dropped or retyped.
 */
import type { TableRow } from './tables.ts'
import { SYSTEM_COLUMNS } from './tables.ts'
import { coerce, inferType, type CoerceOptions, type CoerceOutcome, type ColumnType } from './types.ts'

/** What the warehouse has: table → column → type. */
export type TableColumns = Readonly<Record<string, Readonly<Record<string, ColumnType>>>>

export interface ColumnDefinition {
  name: string
  type: ColumnType
}

/** Values of one table, column and type that did not fit the column as they were. */
export interface ValueConflict {
  table: string
  column: string
  columnType: ColumnType
  /** The type the value would have given a new column. */
  valueType: ColumnType
  outcome: Exclude<CoerceOutcome, 'fit'>
  /** How many values of the batch. */
  count: number
  /** The first such value, as it was in the row. */
  example: unknown
}

export interface SkippedColumn {
  table: string
  column: string
  /** How many values of the batch were left out. */
  count: number
}

export interface SchemaPlan {
  /** Tables to create, each with its columns in the order they first appear in the batch. */
  createTables: { table: string; columns: ColumnDefinition[] }[]
  /** Columns to add to existing tables, in the order they first appear. */
  addColumns: { table: string; columns: ColumnDefinition[] }[]
  /** The schema once the plan is applied. */
  schema: TableColumns
  /** The batch's rows in the same order, every value in its column's type; NULLs left out, empty rows too. */
  rows: TableRow[]
  /** Values cast, cut or left NULL, per table, column, value type and outcome. */
  conflicts: ValueConflict[]
  /** Columns not created because their table has `maxColumnsPerTable` columns; their values are left out. */
  skippedColumns: SkippedColumn[]
}

export interface PlanOptions extends CoerceOptions {
  /** Most columns a table may have: default 1600, PostgreSQL's and Redshift's limit. */
  maxColumnsPerTable?: number
}

export const MAX_COLUMNS_PER_TABLE = 1600

/** The type a new column gets from its first non-null value: fixed for system columns, else inferred. */
export const columnTypeFor = (column: string, value: unknown): ColumnType | undefined =>
  Object.hasOwn(SYSTEM_COLUMNS, column) ? SYSTEM_COLUMNS[column] : inferType(value)

export function planSchema(
  current: TableColumns,
  rows: readonly TableRow[],
  options: PlanOptions = {},
): SchemaPlan {
  const maxColumns = options.maxColumnsPerTable ?? MAX_COLUMNS_PER_TABLE
  const schema = new Map<string, Map<string, ColumnType>>()
  for (const [table, columns] of Object.entries(current)) schema.set(table, new Map(Object.entries(columns)))
  const added = new Map<string, ColumnDefinition[]>()
  const conflicts = new Map<string, ValueConflict>()
  const skipped = new Map<string, SkippedColumn>()
  const planned: TableRow[] = []

  for (const { table, row } of rows) {
    let columns = schema.get(table)
    if (columns === undefined) schema.set(table, (columns = new Map()))
    const out: Record<string, unknown> = {}
    let kept = 0
    for (const column in row) {
      const value = row[column]
      if (value === null || value === undefined) continue
      let type = columns.get(column)
      if (type === undefined) {
        type = columnTypeFor(column, value)
        if (type === undefined) continue
        if (columns.size >= maxColumns) {
          count(skipped, `${table}\0${column}`, () => ({ table, column, count: 0 }))
          continue
        }
        columns.set(column, type)
        let definitions = added.get(table)
        if (definitions === undefined) added.set(table, (definitions = []))
        definitions.push({ name: column, type })
      }
      const coerced = coerce(value, type, options)
      if (coerced.outcome !== 'fit') {
        const { outcome } = coerced
        const valueType = inferType(value) ?? 'varchar'
        count(conflicts, `${table}\0${column}\0${valueType}\0${outcome}`, () => ({
          table,
          column,
          columnType: type,
          valueType,
          outcome,
          count: 0,
          example: value,
        }))
      }
      if (coerced.value !== null) {
        out[column] = coerced.value
        kept++
      }
    }
    if (kept > 0) planned.push({ table, row: out as TableRow['row'] })
  }

  const createTables: SchemaPlan['createTables'] = []
  const addColumns: SchemaPlan['addColumns'] = []
  for (const [table, columns] of added) {
    if (Object.hasOwn(current, table)) addColumns.push({ table, columns })
    else createTables.push({ table, columns })
  }
  return {
    createTables,
    addColumns,
    schema: Object.fromEntries(
      [...schema]
        .filter(([table, columns]) => columns.size > 0 || Object.hasOwn(current, table))
        .map(([table, columns]) => [table, Object.fromEntries(columns)]),
    ),
    rows: planned,
    conflicts: [...conflicts.values()],
    skippedColumns: [...skipped.values()],
  }
}

function count<T extends { count: number }>(counts: Map<string, T>, key: string, create: () => T): void {
  let entry = counts.get(key)
  if (entry === undefined) counts.set(key, (entry = create()))
  entry.count++
}
