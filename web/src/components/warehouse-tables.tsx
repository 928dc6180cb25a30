import { useState } from 'react'
import { api, errorMessage } from '../api/client.ts'
import type { SelectiveSyncItem, Source } from '../api/models.ts'
import { useApi } from '../app/use-api.ts'
import { EmptyState, ErrorNote, Loading, Panel, Toggle } from './ui.tsx'

/** The tables each connected source has in the warehouse (Selective Sync): turn one off to stop loading it. */
export function WarehouseTables(props: { warehouseId: string; sources: Source[]; refreshKey: number }) {
  const [error, setError] = useState<string>()
  const tables = useApi(
    async () =>
      Promise.all(
        props.sources.map(async (source) => ({
          source,
          items: (
            await api<{ items: SelectiveSyncItem[] }>(
              `/warehouses/${props.warehouseId}/connected-sources/${source.id}/selective-syncs`,
              {
                query: { 'pagination[count]': 1000 },
              },
            )
          ).items,
        })),
      ),
    `tables-${props.warehouseId}-${props.sources.map((s) => s.id).join(',')}-${props.refreshKey}`,
  )
  const setTable = async (sourceId: string, collection: string, enabled: boolean) => {
    setError(undefined)
    try {
      await api(`/warehouses/${props.warehouseId}/selective-sync`, {
        method: 'PATCH',
        body: { syncOverrides: [{ sourceId, collection, enabled }] },
      })
      tables.reload()
    } catch (e) {
      setError(errorMessage(e))
    }
  }
  return (
    <Panel title="Tables">
      <ErrorNote error={tables.error} />
      {error && <p className="error-note">{error}</p>}
      {!tables.data ? (
        <Loading />
      ) : tables.data.every((t) => t.items.length === 0) ? (
        <EmptyState title="No tables yet">
          Tables appear after the first sync that loads events: one per event type and per track event.
        </EmptyState>
      ) : (
        tables.data.map(({ source, items }) => (
          <div key={source.id} className="table-group">
            <h3>
              Schema <code>{source.slug}</code>
            </h3>
            <table className="table" aria-label={`Tables of ${source.slug}`}>
              <thead>
                <tr>
                  <th>Table</th>
                  <th className="num">Columns</th>
                  <th>Sync</th>
                </tr>
              </thead>
              <tbody>
                {items.map((item) => (
                  <tr key={item.collection}>
                    <td>
                      <code>{item.collection}</code>
                    </td>
                    <td className="num">{Object.keys(item.properties).length}</td>
                    <td>
                      <Toggle
                        checked={item.enabled}
                        onChange={(on) => void setTable(source.id, item.collection, on)}
                        label={item.enabled ? 'Loaded' : 'Skipped'}
                      />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ))
      )}
    </Panel>
  )
}
