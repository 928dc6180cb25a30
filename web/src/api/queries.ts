import { api, listAll } from './client.ts'
import type { CatalogEntry, DeliveryMetric, Destination, Source, VolumeSeries, Warehouse } from './models.ts'

/** Loaders several pages share, named for what they answer. */

export const loadSources = () => listAll<Source>('/sources', 'sources')
export const loadDestinations = () => listAll<Destination>('/destinations', 'destinations')
export const loadWarehouses = () => listAll<Warehouse>('/warehouses', 'warehouses')
export const loadSourceCatalog = () => listAll<CatalogEntry>('/catalog/sources', 'sourcesCatalog')
export const loadDestinationCatalog = () =>
  listAll<CatalogEntry>('/catalog/destinations', 'destinationsCatalog')
export const loadWarehouseCatalog = () => listAll<CatalogEntry>('/catalog/warehouses', 'warehousesCatalog')

export type TimeWindow = '24h' | '7d'

/** The range and granularity of a rolling window, aligned to whole buckets. */
export function windowRange(window: TimeWindow, now = Date.now()) {
  const hour = 3600_000
  const end = Math.ceil(now / hour) * hour
  if (window === '24h')
    return {
      startTime: new Date(end - 24 * hour).toISOString(),
      endTime: new Date(end).toISOString(),
      granularity: 'HOUR',
    }
  const day = 24 * hour
  const endDay = Math.ceil(now / day) * day
  return {
    startTime: new Date(endDay - 7 * day).toISOString(),
    endTime: new Date(endDay).toISOString(),
    granularity: 'DAY',
  }
}

/** Events received over the window, all sources together (or one). */
export async function loadEventVolume(window: TimeWindow, sourceId?: string): Promise<VolumeSeries> {
  const answer = await api<{ result: VolumeSeries[] }>('/events/volume', {
    query: { ...windowRange(window), sourceId },
  })
  return answer.result[0] ?? { total: 0, series: [] }
}

/** A destination's delivery over the window, as the few numbers people look at. */
export interface DeliveryHealth {
  delivered: number
  retrying: number
  discarded: number
  expired: number
  filtered: number
  p95Ms: number
  /** Failed share of the attempts that finished (0 to 1), or undefined with nothing to count. */
  errorRate: number | undefined
  reasons: Array<{ reason: string; count: number }>
}

export async function loadDeliveryHealth(
  destination: Destination,
  window: TimeWindow,
): Promise<DeliveryHealth> {
  const { deliveryMetricsSummary } = await api<{ deliveryMetricsSummary: { metrics: DeliveryMetric[] } }>(
    `/destinations/${destination.id}/delivery-metrics`,
    { query: { sourceId: destination.sourceId, ...windowRange(window) } },
  )
  const metric = (name: string) => deliveryMetricsSummary.metrics.find((m) => m.metricName === name)
  const total = (name: string) => metric(name)?.total ?? 0
  const delivered = total('successes')
  const failed = total('discarded') + total('expired')
  const reasons = ['discarded', 'expired', 'retried']
    .flatMap((name) => metric(name)?.breakdown ?? [])
    .map((b) => ({ reason: b.metricName.split('.').slice(2).join('.') || b.metricName, count: b.value }))
    .filter((r) => r.count > 0)
  return {
    delivered,
    retrying: total('retried'),
    discarded: total('discarded'),
    expired: total('expired'),
    filtered: total('filtered'),
    p95Ms: metric('latency')?.breakdown.find((b) => b.metricName === 'latency.p95')?.value ?? 0,
    errorRate: delivered + failed > 0 ? failed / (delivered + failed) : undefined,
    reasons,
  }
}

/** The name a warehouse is shown by (Segment's WarehouseV1 keeps it in settings). */
export const warehouseName = (w: Warehouse) =>
  (typeof w.settings.name === 'string' && w.settings.name) || w.metadata.name
