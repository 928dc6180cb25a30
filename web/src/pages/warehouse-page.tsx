import { useState } from 'react'
import { api, errorMessage } from '../api/client.ts'
import type { Source, Warehouse } from '../api/models.ts'
import { loadSources, warehouseName } from '../api/queries.ts'
import { useApi } from '../app/use-api.ts'
import { SyncHistory } from '../components/sync-history.tsx'
import { SyncNow } from '../components/sync-now.tsx'
import { WarehouseTables } from '../components/warehouse-tables.tsx'
import { EmptyState, EnabledBadge, ErrorNote, Loading, PageHeader, Panel, Toggle } from '../components/ui.tsx'

export function WarehousePage({ id }: { id: string }) {
  const warehouse = useApi(
    async () => (await api<{ warehouse: Warehouse }>(`/warehouses/${id}`)).warehouse,
    `warehouse-${id}`,
  )
  const connections = useApi(async () => {
    const [all, { sources }] = await Promise.all([
      loadSources(),
      api<{ sources: Source[] }>(`/warehouses/${id}/connected-sources`, {
        query: { 'pagination[count]': 1000 },
      }),
    ])
    return { all, connected: new Set(sources.map((s) => s.id)) }
  }, `connections-${id}`)
  const [syncs, setSyncs] = useState(0)
  const [toggleError, setToggleError] = useState<string>()

  if (!warehouse.data)
    return warehouse.error ? <ErrorNote error={warehouse.error} /> : <Loading what="the warehouse" />
  const w = warehouse.data
  const setEnabled = async (enabled: boolean) => {
    setToggleError(undefined)
    try {
      await api(`/warehouses/${id}`, { method: 'PATCH', body: { enabled } })
      warehouse.reload()
    } catch (e) {
      setToggleError(errorMessage(e))
    }
  }
  const connect = async (sourceId: string, on: boolean) => {
    setToggleError(undefined)
    try {
      await api(`/warehouses/${id}/connected-sources/${sourceId}`, { method: on ? 'POST' : 'DELETE' })
      connections.reload()
    } catch (e) {
      setToggleError(errorMessage(e))
    }
  }
  const connected = connections.data
    ? connections.data.all.filter((s) => connections.data!.connected.has(s.id))
    : []

  return (
    <>
      <PageHeader
        title={warehouseName(w)}
        subtitle={
          <>
            {w.metadata.name} · syncs every {String(w.settings.syncIntervalMinutes ?? 60)} minutes ·{' '}
            <EnabledBadge enabled={w.enabled} />
          </>
        }
        back={{ to: '/warehouses', label: 'Warehouses' }}
        actions={
          <Toggle
            checked={w.enabled}
            onChange={(v) => void setEnabled(v)}
            label={w.enabled ? 'Receiving data' : 'Paused'}
          />
        }
      />
      {toggleError && <p className="error-note">{toggleError}</p>}
      <SyncNow warehouseId={id} onFinished={() => setSyncs((n) => n + 1)} />
      <div className="grid-2">
        <Panel title="Sources">
          <ErrorNote error={connections.error} />
          {!connections.data ? (
            <Loading />
          ) : connections.data.all.length === 0 ? (
            <EmptyState title="No sources yet">Add a source; it is connected to every warehouse.</EmptyState>
          ) : (
            <ul className="plain-list">
              {connections.data.all.map((s) => (
                <li key={s.id}>
                  <Toggle
                    checked={connections.data!.connected.has(s.id)}
                    onChange={(on) => void connect(s.id, on)}
                    label={s.name}
                  />
                </li>
              ))}
            </ul>
          )}
        </Panel>
        <Panel title="Settings">
          <dl className="settings-list">
            {Object.entries(w.settings).map(([key, value]) => (
              <div key={key}>
                <dt>{w.metadata.options.find((o) => o.name === key)?.label ?? key}</dt>
                <dd>{String(value)}</dd>
              </div>
            ))}
          </dl>
        </Panel>
      </div>
      <SyncHistory warehouseId={id} sources={connections.data?.all ?? []} refreshKey={syncs} />
      <WarehouseTables warehouseId={id} sources={connected} refreshKey={syncs} />
    </>
  )
}
