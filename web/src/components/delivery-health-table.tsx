import type { Destination, Source } from '../api/models.ts'
import type { DeliveryHealth } from '../api/queries.ts'
import { Link } from '../app/router.tsx'
import { Badge, formatCount } from './ui.tsx'

/** One row per destination: delivered, retrying, failed, error rate; worst first. */
export function DeliveryHealthTable(props: {
  rows: Array<{ destination: Destination; health: DeliveryHealth }>
  sources: Source[]
}) {
  const sourceName = (id: string) => props.sources.find((s) => s.id === id)?.name ?? id
  const rows = [...props.rows].sort((a, b) => (b.health.errorRate ?? -1) - (a.health.errorRate ?? -1))
  return (
    <table className="table">
      <thead>
        <tr>
          <th>Destination</th>
          <th className="num">Delivered</th>
          <th className="num">Retrying</th>
          <th className="num">Failed</th>
          <th>Health</th>
        </tr>
      </thead>
      <tbody>
        {rows.map(({ destination, health }) => (
          <tr key={destination.id}>
            <td>
              <Link to={`/destinations/${destination.id}`}>{destination.name}</Link>
              <div className="muted small">from {sourceName(destination.sourceId)}</div>
            </td>
            <td className="num">{formatCount(health.delivered)}</td>
            <td className="num">{formatCount(health.retrying)}</td>
            <td className="num">{formatCount(health.discarded + health.expired)}</td>
            <td>
              <HealthBadge health={health} enabled={destination.enabled} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}

export function HealthBadge({ health, enabled }: { health: DeliveryHealth; enabled: boolean }) {
  if (!enabled) return <Badge tone="neutral">Disabled</Badge>
  if (health.errorRate === undefined && health.retrying === 0) return <Badge tone="neutral">No traffic</Badge>
  if ((health.errorRate ?? 0) > 0.05)
    return <Badge tone="bad">{Math.round((health.errorRate ?? 0) * 100)}% failing</Badge>
  if (health.retrying > 0) return <Badge tone="warn">Retrying</Badge>
  return <Badge tone="good">Healthy</Badge>
}
