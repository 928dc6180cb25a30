import { useState } from 'react'
import { api } from '../api/client.ts'
import type { DeliverySample, Destination, VolumePoint } from '../api/models.ts'
import { loadDeliveryHealth, windowRange, type TimeWindow } from '../api/queries.ts'
import { useApi } from '../app/use-api.ts'
import { BarChart } from './bar-chart.tsx'
import { HealthBadge } from './delivery-health-table.tsx'
import { Badge, EmptyState, ErrorNote, Loading, Panel, formatCount, formatTime } from './ui.tsx'

interface Series {
  series: Array<VolumePoint & { retryCount?: number }>
}

/** Delivery Overview for one destination: totals, deliveries over time, failure reasons and samples. */
export function DeliveryOverview({ destination }: { destination: Destination }) {
  const [span, setSpan] = useState<TimeWindow>('24h')
  const key = `${destination.id}-${span}`
  const health = useApi(() => loadDeliveryHealth(destination, span), `health-${key}`, 5000)
  const series = useApi(
    async () => {
      const query = {
        sourceId: destination.sourceId,
        destinationConfigId: destination.id,
        ...windowRange(span),
      }
      const [ok, failed] = await Promise.all(
        ['successful-delivery', 'failed-delivery'].map((step) =>
          api<{ dataset: Series[] }>(`/delivery-overview/${step}`, { query }).then(
            (r) => r.dataset[0]?.series ?? [],
          ),
        ),
      )
      return { ok: ok!, failed: failed! }
    },
    `series-${key}`,
    5000,
  )
  const samples = useApi(
    async () =>
      (await api<{ samples: DeliverySample[] }>(`/destinations/${destination.id}/delivery-samples`)).samples,
    `samples-${destination.id}`,
    5000,
  )
  const h = health.data
  return (
    <Panel
      title="Delivery Overview"
      actions={
        <div className="segmented" role="group" aria-label="Time window">
          {(['24h', '7d'] as const).map((w) => (
            <button key={w} type="button" className={w === span ? 'active' : ''} onClick={() => setSpan(w)}>
              {w === '24h' ? '24 hours' : '7 days'}
            </button>
          ))}
        </div>
      }
    >
      <ErrorNote error={health.error ?? series.error} />
      {!h ? (
        <Loading />
      ) : (
        <>
          <div className="stats" aria-label="Delivery totals">
            <Stat label="Delivered" value={h.delivered} />
            <Stat label="Retrying" value={h.retrying} />
            <Stat label="Discarded" value={h.discarded} />
            <Stat label="Expired" value={h.expired} />
            <Stat label="Filtered" value={h.filtered} />
            <div className="stat">
              <span className="stat-label">Health</span>
              <HealthBadge health={h} enabled={destination.enabled} />
            </div>
          </div>
          {series.data && (
            <div className="grid-2">
              <div>
                <h3>Delivered</h3>
                <BarChart points={series.data.ok} label="Successful deliveries over time" height={90} />
              </div>
              <div>
                <h3>Failed or retried</h3>
                <BarChart
                  points={series.data.failed.map((p) => ({
                    time: p.time,
                    count: p.count + (p.retryCount ?? 0),
                  }))}
                  label="Failed deliveries over time"
                  tone="bad"
                  height={90}
                />
              </div>
            </div>
          )}
          {h.reasons.length > 0 && (
            <>
              <h3>Failure reasons</h3>
              <ul className="plain-list">
                {h.reasons.map((r) => (
                  <li key={r.reason}>
                    <code>{r.reason}</code> · {formatCount(r.count)}
                  </li>
                ))}
              </ul>
            </>
          )}
        </>
      )}
      <h3>Failure samples</h3>
      {!samples.data ? (
        <Loading />
      ) : samples.data.length === 0 ? (
        <EmptyState title="No failures to show">
          {destination.enabled
            ? 'Requests that fail or wait for a retry show here, with the reason.'
            : 'Enable the destination to start sending.'}
        </EmptyState>
      ) : (
        <table className="table" aria-label="Failure samples">
          <thead>
            <tr>
              <th>When</th>
              <th>Event</th>
              <th>Outcome</th>
              <th>Detail</th>
            </tr>
          </thead>
          <tbody>
            {samples.data.slice(0, 20).map((s) => (
              <tr key={s.id}>
                <td className="nowrap">{formatTime(s.at)}</td>
                <td>
                  {s.eventType}
                  {s.eventName ? ` · ${s.eventName}` : ''}
                </td>
                <td>
                  <Badge
                    tone={s.outcome === 'delivered' ? 'good' : s.outcome === 'retrying' ? 'warn' : 'bad'}
                  >
                    {s.outcome}
                  </Badge>
                </td>
                <td className="muted small">
                  {s.response ? `HTTP ${s.response.status}` : (s.detail ?? s.reason)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Panel>
  )
}

function Stat({ label, value }: { label: string; value: number }) {
  return (
    <div className="stat">
      <span className="stat-label">{label}</span>
      <span className="stat-value">{formatCount(value)}</span>
    </div>
  )
}
