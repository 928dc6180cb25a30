import { api } from '../api/client.ts'
import type { Source, SyncReport } from '../api/models.ts'
import { useApi } from '../app/use-api.ts'
import { SyncStatus } from './sync-now.tsx'
import { EmptyState, ErrorNote, Loading, Panel, formatCount, formatTime } from './ui.tsx'

/** Sync history: one report per source and run, with rows per table and notices. */
export function SyncHistory(props: { warehouseId: string; sources: Source[]; refreshKey: number }) {
  const reports = useApi(
    async () =>
      (
        await api<{ reports: SyncReport[] }>(`/warehouses/${props.warehouseId}/syncs`, {
          query: { 'pagination[count]': 20 },
        })
      ).reports,
    `history-${props.warehouseId}-${props.refreshKey}`,
  )
  const sourceName = (id: string) => props.sources.find((s) => s.id === id)?.name ?? id
  return (
    <Panel title="Sync history">
      <ErrorNote error={reports.error} />
      {!reports.data ? (
        <Loading />
      ) : reports.data.length === 0 ? (
        <EmptyState title="No syncs yet">
          Sync now, or wait for the schedule: each run shows here with its rows per table.
        </EmptyState>
      ) : (
        <table className="table" aria-label="Sync history">
          <thead>
            <tr>
              <th>Started</th>
              <th>Source</th>
              <th>Status</th>
              <th className="num">Rows</th>
              <th>Tables</th>
              <th>Took</th>
            </tr>
          </thead>
          <tbody>
            {reports.data.map((r) => (
              <tr key={`${r.syncId}-${r.sourceId}`}>
                <td className="nowrap">{formatTime(r.start)}</td>
                <td>{sourceName(r.sourceId)}</td>
                <td>
                  <SyncStatus status={r.status} />
                  {r.notices.map((n, i) => (
                    <div key={i} className="notice small">
                      {n.table ? `${n.table}: ` : ''}
                      {n.message}
                      {n.hint && <div className="muted">{n.hint}</div>}
                    </div>
                  ))}
                </td>
                <td className="num">{formatCount(r.count)}</td>
                <td className="small">
                  {Object.entries(r.tables ?? {})
                    .map(([table, rows]) => `${table} ${formatCount(rows)}`)
                    .join(', ') || '—'}
                </td>
                <td>{r.humanDuration ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Panel>
  )
}
