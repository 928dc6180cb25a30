import { useState } from 'react'
import { api } from '../api/client.ts'
import type { Source } from '../api/models.ts'
import {
  loadDeliveryHealth,
  loadDestinations,
  loadEventVolume,
  loadSources,
  loadWarehouses,
  warehouseName,
  type TimeWindow,
} from '../api/queries.ts'
import { Link } from '../app/router.tsx'
import { useApi } from '../app/use-api.ts'
import { BarChart } from '../components/bar-chart.tsx'
import { ConnectionsMap, type MapNode } from '../components/connections-map.tsx'
import { DeliveryHealthTable } from '../components/delivery-health-table.tsx'
import { AccessNote } from '../components/workspace-access.tsx'
import { EmptyState, Loading, PageHeader, Panel, formatCount } from '../components/ui.tsx'

/** Workspace home: what is connected to what, events received, and how delivery is going. */
export function HomePage() {
  const [span, setSpan] = useState<TimeWindow>('24h')
  const graph = useApi(loadGraph, 'graph')
  const volume = useApi(() => loadEventVolume(span), `volume-${span}`, 15_000)
  const health = useApi(
    async () => {
      if (!graph.data) return undefined
      const { destinations } = graph.data
      return Promise.all(
        destinations.map(async (d) => ({ destination: d, health: await loadDeliveryHealth(d, span) })),
      )
    },
    `health-${span}-${graph.data?.destinations.map((d) => d.id).join(',') ?? 'loading'}`,
    15_000,
  )

  return (
    <>
      <PageHeader
        title="Home"
        subtitle="Your workspace at a glance."
        actions={
          <div className="segmented" role="group" aria-label="Time window">
            {(['24h', '7d'] as const).map((w) => (
              <button key={w} type="button" className={w === span ? 'active' : ''} onClick={() => setSpan(w)}>
                {w === '24h' ? 'Last 24 hours' : 'Last 7 days'}
              </button>
            ))}
          </div>
        }
      />
      <Panel title="Connections">
        <AccessNote error={graph.error} what="the sources and their connections" />
        {!graph.data ? (
          <Loading />
        ) : graph.data.sources.length === 0 ? (
          <EmptyState
            title="Nothing connected yet"
            action={
              <Link to="/sources/new" className="button primary">
                Add your first source
              </Link>
            }
          >
            Add a source to get a write key, send it events, then connect destinations and warehouses.
          </EmptyState>
        ) : (
          <ConnectionsMap
            sources={graph.data.sourceNodes}
            targets={graph.data.targetNodes}
            edges={graph.data.edges}
          />
        )}
      </Panel>
      <div className="grid-2">
        <Panel title="Events received">
          <AccessNote error={volume.error} what="event volume (usage)" />
          {volume.data ? (
            <>
              <p className="big-number">{formatCount(volume.data.total)}</p>
              <BarChart points={volume.data.series} label="Events received over time" />
            </>
          ) : (
            <Loading />
          )}
        </Panel>
        <Panel title="Delivery health">
          <AccessNote error={health.error} what="delivery health" />
          {!health.data ? (
            <Loading />
          ) : health.data.length === 0 ? (
            <EmptyState
              title="No destinations yet"
              action={
                <Link to="/destinations/catalog" className="button">
                  Browse the catalog
                </Link>
              }
            >
              Connect a destination to a source to send it events; its delivery shows here.
            </EmptyState>
          ) : (
            <DeliveryHealthTable rows={health.data} sources={graph.data?.sources ?? []} />
          )}
        </Panel>
      </div>
    </>
  )
}

async function loadGraph() {
  const [sources, destinations, warehouses] = await Promise.all([
    loadSources(),
    loadDestinations(),
    loadWarehouses(),
  ])
  const connections = await Promise.all(
    warehouses.map(async (w) => {
      const { sources: connected } = await api<{ sources: Source[] }>(
        `/warehouses/${w.id}/connected-sources`,
        {
          query: { 'pagination[count]': 1000 },
        },
      )
      return connected.map((s) => [s.id, w.id] as [string, string])
    }),
  )
  const sourceNodes: MapNode[] = sources.map((s) => ({
    id: s.id,
    label: s.name,
    kind: s.metadata.name,
    enabled: s.enabled,
    href: `/sources/${s.id}`,
  }))
  const targetNodes: MapNode[] = [
    ...destinations.map((d) => ({
      id: d.id,
      label: d.name,
      kind: d.metadata.name,
      enabled: d.enabled,
      href: `/destinations/${d.id}`,
    })),
    ...warehouses.map((w) => ({
      id: w.id,
      label: warehouseName(w),
      kind: `Warehouse · ${w.metadata.name}`,
      enabled: w.enabled,
      href: `/warehouses/${w.id}`,
    })),
  ]
  const edges: Array<[string, string]> = [
    ...destinations.map((d) => [d.sourceId, d.id] as [string, string]),
    ...connections.flat(),
  ]
  return { sources, destinations, warehouses, sourceNodes, targetNodes, edges }
}
