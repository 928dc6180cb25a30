/**
 * How a sync is summed up (warehouse spec §5), pure: a source's status from its rows and notices,
 * notices from what the schema plan cast or left out, and Segment's human-readable duration.
 */
import type { WarehouseSyncNotice } from '../../store/index.ts'
import type { SkippedColumn, ValueConflict } from '../schema/index.ts'

/**
 * Segment's Sync History statuses: *success* when every row synced or there was nothing to sync,
 * *partial* when there are error notices and some rows synced, *failure* when there are error
 * notices and no row synced. Warnings (values cast to fit their column) do not make a sync partial.
 */
export function reportStatus(
  rows: number,
  notices: readonly WarehouseSyncNotice[],
): 'success' | 'partial' | 'failure' {
  if (!notices.some((n) => n.level === 'error')) return 'success'
  return rows > 0 ? 'partial' : 'failure'
}

/** The sync as a whole, from its sources' statuses and whether it ended early. */
export function syncStatus(
  reports: readonly { status: string; rows: number }[],
  aborted: boolean,
): 'success' | 'partial' | 'failure' {
  const rows = reports.reduce((sum, r) => sum + r.rows, 0)
  if (aborted) return rows > 0 ? 'partial' : 'failure'
  if (reports.every((r) => r.status === 'success')) return 'success'
  return rows > 0 ? 'partial' : 'failure'
}

/** `1h 2m 3s`, `4m 5s`, `6s`, `0.4s`: Segment's `humanDuration`. */
export function humanDuration(ms: number): string {
  if (ms < 1000) return `${(Math.max(0, ms) / 1000).toFixed(1)}s`
  const total = Math.round(ms / 1000)
  const h = Math.floor(total / 3600)
  const m = Math.floor((total % 3600) / 60)
  const s = total % 60
  return [h > 0 && `${h}h`, (h > 0 || m > 0) && `${m}m`, `${s}s`].filter(Boolean).join(' ')
}

const show = (value: unknown): string => {
  const text = typeof value === 'string' ? JSON.stringify(value) : String(JSON.stringify(value) ?? value)
  return text.length > 80 ? `${text.slice(0, 77)}…` : text
}

const OUTCOME_WORDS: Record<ValueConflict['outcome'], string> = {
  cast: 'were cast to fit it',
  truncated: 'were cut to 512 characters',
  nulled: 'did not fit it and were loaded as NULL',
}

/** Warning notices for values the plan cast, cut or nulled, and columns past the table's limit. */
export function planNotices(
  conflicts: readonly ValueConflict[],
  skipped: readonly SkippedColumn[],
  createdAt: string,
): WarehouseSyncNotice[] {
  const notices: WarehouseSyncNotice[] = []
  for (const c of conflicts) {
    const words = OUTCOME_WORDS[c.outcome]
    notices.push({
      level: 'warning',
      table: c.table,
      createdAt,
      message: `${c.count} ${c.valueType} value(s) of ${c.table}.${c.column} (a ${c.columnType} column) ${words}, for example ${show(c.example)}`,
      hint:
        c.outcome === 'truncated'
          ? 'Strings are kept to 512 characters, as Segment keeps them.'
          : 'A column keeps the type of its first value. To retype it, drop the table; the next sync creates it again.',
    })
  }
  for (const s of skipped) {
    notices.push({
      level: 'warning',
      table: s.table,
      createdAt,
      message: `${s.count} value(s) of ${s.table}.${s.column} were not loaded: the table has the most columns a table may have`,
      hint: 'Turn off columns you do not need with Selective Sync, or send fewer distinct properties.',
    })
  }
  return notices
}
