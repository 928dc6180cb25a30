/**
 * A chunk's rows as data lake tables (warehouse spec §8), pure: one table per `segment_type` —
 * `identify`, `page`, `screen`, `group`, `alias`, or a track event's table name — each typed from its
 * own rows. The `tracks` roll-up and the `users` / `accounts` state tables are warehouse views of the
 * same calls and have no place in an append-only lake. Rows are deduplicated on `id` within the chunk;
 * a chunk written again after a crash replaces its own files (they are named by the chunk's bounds).
 */
import type { LakeTable } from '../lake/index.ts'
import { planSchema, STANDARD_TABLES, type SchemaPlan, type TableRow } from '../schema/index.ts'

const SEGMENT_TYPES: Readonly<Record<string, string>> = {
  identifies: 'identify',
  pages: 'page',
  screens: 'screen',
  groups: 'group',
  aliases: 'alias',
}

/** The lake's `segment_type` of a warehouse table, or `undefined` for tables the lake leaves out. */
export function segmentTypeOf(table: string): string | undefined {
  if (Object.hasOwn(SEGMENT_TYPES, table)) return SEGMENT_TYPES[table]
  return (STANDARD_TABLES as readonly string[]).includes(table) ? undefined : table
}

export interface LakeChunk {
  tables: LakeTable[]
  /** Values cast or left out while typing each table (reported as sync notices). */
  conflicts: SchemaPlan['conflicts']
}

export function lakeTables(rows: readonly TableRow[]): LakeChunk {
  const byType = new Map<string, TableRow[]>()
  const seen = new Set<string>()
  for (const row of rows) {
    const segmentType = segmentTypeOf(row.table)
    if (segmentType === undefined) continue
    // A message staged twice within a chunk is written once (the first copy), as a warehouse load dedupes.
    const key = `${segmentType}\0${String(row.row.id)}`
    if (seen.has(key)) continue
    seen.add(key)
    let list = byType.get(segmentType)
    if (list === undefined) byType.set(segmentType, (list = []))
    list.push({ table: segmentType, row: row.row })
  }
  const tables: LakeTable[] = []
  const conflicts: SchemaPlan['conflicts'] = []
  for (const [segmentType, typeRows] of byType) {
    const plan = planSchema({}, typeRows)
    const columns = Object.entries(plan.schema[segmentType] ?? {}).map(([name, type]) => ({ name, type }))
    tables.push({ segmentType, columns, rows: plan.rows.map((r) => r.row) })
    conflicts.push(...plan.conflicts)
  }
  return { tables, conflicts }
}
