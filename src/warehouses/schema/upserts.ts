/**
 * `users` and `accounts` hold the latest state of each user and group (warehouse spec §2.2): rows are
 * upserted on `id`. A row carries only the columns its call had, so an upsert sets those columns and
 * keeps the others: traits sent once stay until a later call sends a new value.
 */
import type { Row, TableRow } from './tables.ts'

/** Tables whose rows are upserted on `id` rather than appended. */
export const UPSERT_TABLES: ReadonlySet<string> = new Set(['users', 'accounts'])

/**
 * One row per id for the upserted tables, merged in batch order: a later row's values replace an earlier
 * one's, columns a later row lacks keep the earlier values. Each merged row takes the place of the id's
 * first row; rows of other tables, and upserted rows without an `id`, pass unchanged.
 */
export function mergeUpserts(rows: readonly TableRow[]): TableRow[] {
  const merged: TableRow[] = []
  const byKey = new Map<string, Row>()
  for (const { table, row } of rows) {
    const id = row.id
    if (!UPSERT_TABLES.has(table) || id === undefined) {
      merged.push({ table, row })
      continue
    }
    const key = `${table}\0${String(id)}`
    const existing = byKey.get(key)
    if (existing === undefined) {
      const copy = { ...row }
      byKey.set(key, copy)
      merged.push({ table, row: copy })
    } else {
      Object.assign(existing, row)
    }
  }
  return merged
}
