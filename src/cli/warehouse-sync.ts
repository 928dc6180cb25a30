import { setTimeout as sleep } from 'node:timers/promises'
import type { SwitchyardConfig } from '../config/index.ts'
import { createLogger, openMigratedStore } from '../server/index.ts'
import { FINISHED_SYNC_STATUSES, type WarehouseSync, type WarehouseSyncReport } from '../store/index.ts'
import type { ReplayOutput } from './replay.ts'
import { UsageError } from './usage-error.ts'

export interface WarehouseSyncCommand {
  warehouse?: string
  /** Ask for the sync and exit without waiting for it. */
  detach?: boolean
}

/**
 * `switchyard warehouse-sync --warehouse <id>`: asks for a sync now (a worker process runs it; one
 * already waiting or running is joined) and draws its progress on stderr until it ends, then its
 * rows per source and table and any notices. Resolves to the exit status: 0 when it succeeded.
 */
export async function warehouseSync(
  config: SwitchyardConfig,
  command: WarehouseSyncCommand,
  out: ReplayOutput = process.stderr,
  pollMs = 500,
): Promise<number> {
  if (!command.warehouse) throw new UsageError('warehouse-sync needs --warehouse <id>')
  const store = await openMigratedStore(config, createLogger('warn'))
  try {
    const warehouse = await store.warehouses.byId(command.warehouse)
    if (!warehouse) throw new UsageError(`No warehouse with id ${command.warehouse}`)
    const { sync: requested, created } = await store.warehouseSyncs.request({
      workspaceId: warehouse.workspaceId,
      warehouseId: warehouse.id,
      trigger: 'manual',
      requestedBy: 'Switchyard CLI',
    })
    let sync = requested
    out.write(
      `${created ? 'Sync' : 'Joined sync'} ${sync.id} of warehouse "${warehouse.name}" (${warehouse.id}) ${created ? 'requested' : `already ${sync.status}`}.\n`,
    )
    if (command.detach) return 0
    out.write(
      'A worker runs it (`switchyard start` with the worker role). Ctrl-C stops watching, not the sync.\n',
    )
    let shown = ''
    for (;;) {
      const line = syncProgressLine(sync)
      if (out.isTTY) out.write(`\r${line}\x1b[K`)
      else if (line !== shown) out.write(`${line}\n`)
      shown = line
      if (FINISHED_SYNC_STATUSES.has(sync.status)) break
      await sleep(pollMs)
      sync = (await store.warehouseSyncs.get(warehouse.workspaceId, sync.id)) ?? sync
    }
    if (out.isTTY) out.write('\n')
    const reports = await store.warehouseSyncs.listReports(
      warehouse.workspaceId,
      warehouse.id,
      { syncId: sync.id },
      { offset: 0, limit: 1000 },
    )
    for (const report of reports.items) out.write(reportLines(report))
    if (sync.error) out.write(`${sync.error.message}${sync.error.hint ? `\n  ${sync.error.hint}` : ''}\n`)
    return sync.status === 'success' ? 0 : 1
  } finally {
    await store.close()
  }
}

/** One line of progress: a bar over the staged messages, counts and the status. Pure. */
export function syncProgressLine(
  sync: Pick<WarehouseSync, 'status' | 'recordsTotal' | 'recordsDone' | 'rowsLoaded'>,
  width = 30,
): string {
  const done = FINISHED_SYNC_STATUSES.has(sync.status) && sync.status !== 'failure'
  const ratio = done ? 1 : sync.recordsTotal > 0 ? Math.min(1, sync.recordsDone / sync.recordsTotal) : 0
  const filled = Math.round(ratio * width)
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(Math.floor(ratio * 100)).padStart(3)}%  ${sync.recordsDone}/${sync.recordsTotal} messages, ${sync.rowsLoaded} rows  ${sync.status}`
}

/** A source's report: status, rows per table, notices. Pure. */
export function reportLines(report: WarehouseSyncReport): string {
  const tables = Object.entries(report.tables)
    .map(([table, rows]) => `${table} ${rows}`)
    .join(', ')
  const notices = report.notices.map((n) => `  ${n.level}: ${n.message}\n`).join('')
  return `source ${report.sourceId}: ${report.status}, ${report.rows} rows${tables ? ` (${tables})` : ''}\n${notices}`
}
