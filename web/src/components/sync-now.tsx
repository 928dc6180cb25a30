import { useEffect, useState } from 'react'
import { api } from '../api/client.ts'
import type { WarehouseSync } from '../api/models.ts'
import { Badge, ErrorNote, Panel, ProgressBar, formatCount } from './ui.tsx'

const FINISHED = new Set(['success', 'partial', 'failure'])

/** "Sync now": asks for a sync, then follows it (once a second) with a progress bar until it ends. */
export function SyncNow({ warehouseId, onFinished }: { warehouseId: string; onFinished(): void }) {
  const [sync, setSync] = useState<WarehouseSync>()
  const [error, setError] = useState<unknown>()
  const running = sync !== undefined && !FINISHED.has(sync.status)

  useEffect(() => {
    if (!sync || FINISHED.has(sync.status)) return
    const timer = setTimeout(async () => {
      try {
        const next = (await api<{ sync: WarehouseSync }>(`/warehouses/${warehouseId}/syncs/${sync.id}`)).sync
        setSync(next)
        if (FINISHED.has(next.status)) onFinished()
      } catch (e) {
        setError(e)
      }
    }, 1000)
    return () => clearTimeout(timer)
  }, [sync, warehouseId, onFinished])

  const start = async () => {
    setError(undefined)
    try {
      setSync(
        (await api<{ sync: WarehouseSync }>(`/warehouses/${warehouseId}/syncs`, { method: 'POST' })).sync,
      )
    } catch (e) {
      setError(e)
    }
  }
  const p = sync?.progress
  return (
    <Panel
      title="Sync"
      actions={
        <button type="button" className="button primary" onClick={() => void start()} disabled={running}>
          {running ? 'Syncing…' : 'Sync now'}
        </button>
      }
    >
      <ErrorNote error={error} />
      {!sync ? (
        <p className="muted">Syncs run on the schedule. Sync now to load what arrived since the last one.</p>
      ) : (
        <div className="sync-status" aria-live="polite">
          <ProgressBar
            label="Sync progress"
            value={FINISHED.has(sync.status) ? 1 : p && p.recordsTotal ? p.recordsDone / p.recordsTotal : 0}
          />
          <p>
            <SyncStatus status={sync.status} />{' '}
            {p ? `${formatCount(p.recordsDone)} of ${formatCount(p.recordsTotal)} events, ` : ''}
            {p ? `${formatCount(p.rowsLoaded)} rows loaded` : ''}
          </p>
          {sync.error && (
            <p className="error-note">
              {typeof sync.error === 'string' ? sync.error : (sync.error.message ?? 'The sync failed')}
            </p>
          )}
        </div>
      )}
    </Panel>
  )
}

export function SyncStatus({ status }: { status: string }) {
  const tone =
    status === 'success' ? 'good' : status === 'failure' ? 'bad' : status === 'partial' ? 'warn' : 'neutral'
  return <Badge tone={tone}>{status}</Badge>
}
