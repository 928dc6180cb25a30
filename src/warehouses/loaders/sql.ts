/**
 * The SQL both engines share (DuckDB speaks PostgreSQL's dialect for all of it). Every name passed in is
 * already quoted with `quoteIdentifier`.
 */
import type { ColumnType } from '../schema/index.ts'
import { quoteIdentifier, type IdentifierRole } from './identifiers.ts'
import type { ColumnSpec, SchemaChanges } from './loader.ts'

/** Engine type per column type. */
export type TypeNames = Readonly<Record<ColumnType, string>>

export interface QuotedColumn {
  /** Quoted name. */
  readonly sql: string
  readonly type: ColumnType
  /** How to read the column from the stage aliased `s`; default `s.<name>`. */
  readonly staged?: string
}

const stagedSql = (c: QuotedColumn): string => c.staged ?? `s.${c.sql}`

export const QUOTED_ID = '"id"'

export function createTableSql(table: string, columns: readonly QuotedColumn[], types: TypeNames): string {
  const list = columns.map((c) => `${c.sql} ${types[c.type]}`).join(', ')
  return `CREATE TABLE IF NOT EXISTS ${table} (${list})`
}

/** A temporary staging table with the batch's columns; `suffix` adds engine clauses (`ON COMMIT DROP`). */
export function createStageSql(
  stage: string,
  columns: readonly QuotedColumn[],
  types: TypeNames,
  suffix = '',
): string {
  const list = columns.map((c) => `${c.sql} ${types[c.type]}`).join(', ')
  return `CREATE TEMP TABLE ${stage} (${list})${suffix}`
}

export function addColumnSql(table: string, column: QuotedColumn, types: TypeNames): string {
  return `ALTER TABLE ${table} ADD COLUMN IF NOT EXISTS ${column.sql} ${types[column.type]}`
}

/**
 * `evolveSchema`'s statements, in order: the schema, its new tables, then the columns they lack. The
 * one function here that takes names unquoted: it quotes them (refusing names the engine would change).
 */
export function evolveSchemaSql(
  schema: string,
  changes: SchemaChanges,
  maxIdentifierBytes: number,
  types: TypeNames,
): string[] {
  const ident = (name: string, role: IdentifierRole) => quoteIdentifier(name, role, maxIdentifierBytes)
  const quotedSchema = ident(schema, 'schema')
  const table = (name: string) => `${quotedSchema}.${ident(name, 'table')}`
  const quote = (columns: readonly ColumnSpec[]) =>
    columns.map((c): QuotedColumn => ({ sql: ident(c.name, 'column'), type: c.type }))
  const statements = [`CREATE SCHEMA IF NOT EXISTS ${quotedSchema}`]
  for (const { table: name, columns } of changes.createTables ?? [])
    statements.push(createTableSql(table(name), quote(columns), types))
  for (const { table: name, columns } of changes.addColumns ?? [])
    for (const column of quote(columns)) statements.push(addColumnSql(table(name), column, types))
  return statements
}

/** Inserts the staged rows whose id the target lacks; the stage holds one row per id. */
export function insertNewRowsSql(target: string, stage: string, columns: readonly QuotedColumn[]): string {
  const names = columns.map((c) => c.sql).join(', ')
  const staged = columns.map(stagedSql).join(', ')
  return (
    `INSERT INTO ${target} (${names}) SELECT ${staged} FROM ${stage} AS s ` +
    `WHERE NOT EXISTS (SELECT 1 FROM ${target} AS t WHERE t.${QUOTED_ID} = s.${QUOTED_ID})`
  )
}

/** Replaces the columns of target rows whose id is staged; a staged NULL keeps the stored value. */
export function updateExistingRowsSql(
  target: string,
  stage: string,
  columns: readonly QuotedColumn[],
): string {
  const others = columns.filter((c) => c.sql !== QUOTED_ID)
  const set =
    others.length === 0
      ? `${QUOTED_ID} = s.${QUOTED_ID}`
      : others.map((c) => `${c.sql} = COALESCE(${stagedSql(c)}, t.${c.sql})`).join(', ')
  return `UPDATE ${target} AS t SET ${set} FROM ${stage} AS s WHERE t.${QUOTED_ID} = s.${QUOTED_ID}`
}

const INTEGER_TYPES = new Set(
  ['bigint', 'integer', 'smallint', 'tinyint', 'hugeint', 'int', 'int2', 'int4', 'int8'].flatMap((n) => [
    n,
    `u${n}`,
  ]),
)

/**
 * The column type an engine's `information_schema.columns.data_type` stands for. Columns a user widened
 * (`varchar(1024)`, `numeric`, `integer`) read as the nearest of the five types; anything else is varchar.
 */
export function columnTypeOf(dataType: string): ColumnType {
  const t = dataType.toLowerCase()
  if (t.startsWith('timestamp') || t === 'date' || t === 'datetime') return 'timestamp'
  if (t === 'boolean' || t === 'bool') return 'boolean'
  if (INTEGER_TYPES.has(t)) return 'bigint'
  if (/^(double|real|float|numeric|decimal)/.test(t)) return 'double'
  return 'varchar'
}
