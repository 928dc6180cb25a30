/**
 * A batch as it goes to the staging table: checked columns, one row per `id`. Pure; both engines share it.
 */
import type { ColumnSpec, LoadRow } from './loader.ts'
import { WarehouseError } from './errors.ts'

export const ID_COLUMN = 'id'

/**
 * - `first`: the first row of an id wins (events: a repeat is the same message sent again);
 * - `merge`: rows of an id are merged in order, a later non-null value replacing an earlier one
 *   (users, accounts: each call carries only the traits it sent).
 */
export type DedupMode = 'first' | 'merge'

/** Throws unless the columns are distinct, within the engine's limit, and include `id`. */
export function checkColumns(table: string, columns: readonly ColumnSpec[], maxColumns: number): void {
  const names = new Set<string>()
  for (const { name } of columns) {
    if (names.has(name))
      throw new WarehouseError('naming', `Column "${name}" is listed twice for table "${table}".`, {
        hint: 'This is a bug in the caller: each column must be listed once.',
      })
    names.add(name)
  }
  if (!names.has(ID_COLUMN))
    throw new WarehouseError('naming', `The columns for table "${table}" do not include "id".`, {
      hint: 'Every warehouse table is deduplicated on its "id" column; this is a bug in the caller.',
    })
  if (columns.length > maxColumns)
    throw new WarehouseError(
      'internal',
      `Table "${table}" would have ${columns.length} columns; the warehouse allows at most ${maxColumns}.`,
      {
        hint: 'Turn off unused properties with Selective Sync, or send fewer distinct properties in this event.',
      },
    )
}

/** One row per id, in the order ids first appear; throws a `data` error for a row without an id. */
export function dedupeRows(table: string, rows: readonly LoadRow[], mode: DedupMode): LoadRow[] {
  const byId = new Map<string, LoadRow>()
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!
    const id = row[ID_COLUMN]
    if (id == null || id === '')
      throw new WarehouseError(
        'data',
        `Row ${i} of table "${table}" has no "id"; nothing of this batch was loaded.`,
        {
          hint: 'Every row needs an id (the messageId, or the user or group id); this is a bug in the caller.',
        },
      )
    const key = typeof id === 'string' ? id : String(id)
    const seen = byId.get(key)
    if (seen === undefined) byId.set(key, row)
    else if (mode === 'merge') byId.set(key, mergeRow(seen, row))
  }
  return [...byId.values()]
}

function mergeRow(earlier: LoadRow, later: LoadRow): LoadRow {
  const merged: Record<string, unknown> = { ...earlier }
  for (const [column, value] of Object.entries(later)) if (value != null) merged[column] = value
  return merged
}
