/**
 * Segment's warehouse schema, as pure functions (warehouse spec §2): the rows a message gives per table,
 * column types and casts, and the schema-evolution plan for a batch. No database I/O: loaders apply the
 * plan and map `ColumnType` to their engine's types.
 */
export {
  COLUMN_TYPES,
  internedColumnType,
  MAX_VARCHAR_LENGTH,
  inferType,
  coerce,
  canonicalTimestampMillis,
  fitsAsIs,
  type ColumnType,
  type WarehouseValue,
  type CoerceOutcome,
  type CoerceOptions,
  type Coerced,
} from './types.ts'
export { flatten, type FlatField } from './flatten.ts'
export {
  STANDARD_TABLES,
  SYSTEM_COLUMNS,
  isReservedColumn,
  eventTableName,
  rowsForMessage,
  writeRows,
  type RowSink,
  type Row,
  type TableRow,
  type RowOptions,
} from './tables.ts'
export {
  MAX_COLUMNS_PER_TABLE,
  planSchema,
  columnTypeFor,
  type TableColumns,
  type ColumnDefinition,
  type ValueConflict,
  type SkippedColumn,
  type SchemaPlan,
  type PlanOptions,
} from './plan.ts'
export { UPSERT_TABLES, mergeUpserts } from './upserts.ts'
