import type { ReactNode } from 'react'
import { api, listAll } from '../api/client.ts'
import type { LineageDestination, LineageStep, MessageLineage, SyncReport, Warehouse } from '../api/models.ts'
import { warehouseName } from '../api/queries.ts'
import { Link } from '../app/router.tsx'
import { useApi } from '../app/use-api.ts'
import { Badge, EmptyState, formatTime } from './ui.tsx'

/**
 * One message's lineage (`getMessageLineage`) drawn for people: the steps in time order as a
 * timeline, where it stands with each destination (the page's own destination first and
 * highlighted), and the warehouses that load its source.
 */

type Tone = 'good' | 'bad' | 'warn' | 'neutral'

const OUTCOMES: Record<string, { label: string; tone: Tone }> = {
  received: { label: 'Received', tone: 'good' },
  routed: { label: 'Processed', tone: 'good' },
  blocked: { label: 'Blocked', tone: 'warn' },
  queued: { label: 'Queued', tone: 'neutral' },
  delivered: { label: 'Delivered', tone: 'good' },
  filtered: { label: 'Filtered', tone: 'neutral' },
  retrying: { label: 'Failed, retrying', tone: 'warn' },
  dropped: { label: 'Failed', tone: 'bad' },
  dead_lettered: { label: 'Dead-lettered', tone: 'bad' },
}

const outcomeOf = (outcome: string) =>
  OUTCOMES[outcome] ?? { label: outcome.replace(/_/g, ' '), tone: 'neutral' }

export function OutcomeBadge({ outcome }: { outcome: string }) {
  const { label, tone } = outcomeOf(outcome)
  return <Badge tone={tone}>{label}</Badge>
}

/** A code as people read it: `HTTP 200`, `filtered by destination filter`, `ETIMEDOUT`. */
export function describeCode(code: string | null | undefined): string | undefined {
  if (!code) return undefined
  if (/^\d{3}$/.test(code)) return `HTTP ${code}`
  return /^[a-z_]+$/.test(code) ? code.replace(/_/g, ' ') : code
}

/** A filter's detail with its title in place of its id (`filter 2uL0…: dropped` → `“No tests”: dropped`). */
export function describeDetail(detail: string | null | undefined, filterTitles: ReadonlyMap<string, string>) {
  if (!detail) return undefined
  return detail.replace(/^filter (\S+): /, (whole, id: string) => {
    const title = filterTitles.get(id)
    return title ? `filter “${title}”: ` : whole
  })
}

const time = (iso: string) =>
  new Date(iso).toLocaleTimeString(undefined, {
    hourCycle: 'h23',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    fractionalSecondDigits: 3,
  })

export function LineageTimeline(props: {
  lineage: MessageLineage
  destinationId: string
  filterTitles: ReadonlyMap<string, string>
}) {
  const { events } = props.lineage
  return (
    <ol className="lineage-timeline" aria-label="Timeline">
      {events.map((step, i) => {
        const ours = step.destinationId === props.destinationId
        const { tone } = outcomeOf(step.outcome)
        return (
          <li
            key={i}
            className={`lineage-step tone-${tone} ${ours ? 'ours' : ''} ${step.destinationId && !ours ? 'other' : ''}`}
          >
            <time className="lineage-time" dateTime={step.at} title={formatTime(step.at)}>
              {time(step.at)}
            </time>
            <div className="lineage-body">
              <div className="lineage-title">
                <strong>{stepTitle(step)}</strong> <OutcomeBadge outcome={step.outcome} />
                {ours && <Badge tone="neutral">this destination</Badge>}
              </div>
              <StepFacts step={step} filterTitles={props.filterTitles} />
            </div>
          </li>
        )
      })}
    </ol>
  )
}

function stepTitle(step: LineageStep): string {
  if (step.stage === 'ingest') return 'Collector'
  if (step.stage === 'process') return 'Processing'
  if (step.destinationId) return step.destinationName ?? `Destination ${step.destinationId}`
  return step.stage
}

function StepFacts({ step, filterTitles }: { step: LineageStep; filterTitles: ReadonlyMap<string, string> }) {
  const facts: ReactNode[] = []
  if (step.stage === 'ingest') facts.push('accepted by the Tracking API and stored')
  if (step.attempt !== undefined && step.outcome !== 'filtered') facts.push(`attempt ${step.attempt}`)
  const code = step.status !== undefined ? `HTTP ${step.status}` : describeCode(step.code)
  if (code) facts.push(code)
  if (step.latencyMs !== undefined) facts.push(`${Math.round(step.latencyMs)} ms`)
  if (step.nextAttemptAt) facts.push(`next attempt ${formatTime(step.nextAttemptAt)}`)
  const detail = describeDetail(step.detail, filterTitles)
  return (
    <>
      {facts.length > 0 && <div className="muted small">{facts.join(' · ')}</div>}
      {detail && (
        <div className={`small ${step.outcome === 'delivered' ? 'muted' : 'lineage-detail'}`}>{detail}</div>
      )}
    </>
  )
}

/** Where the message stands with each destination it was routed to; ours first. */
export function LineageDestinations(props: {
  lineage: MessageLineage
  destinationId: string
  filterTitles: ReadonlyMap<string, string>
}) {
  const rows = [...props.lineage.destinations].sort(
    (a, b) =>
      Number(b.destinationId === props.destinationId) - Number(a.destinationId === props.destinationId),
  )
  const oursRouted = rows.some((r) => r.destinationId === props.destinationId)
  return (
    <>
      {!oursRouted && (
        <p className="notice">
          This message wasn’t routed to this destination: it was disabled, not yet connected, or the source
          was blocked from it when the message was processed.
        </p>
      )}
      {rows.length === 0 ? (
        <EmptyState title="No destinations">
          No enabled destination was connected to the source then.
        </EmptyState>
      ) : (
        <table className="table lineage-destinations" aria-label="Destinations">
          <thead>
            <tr>
              <th>Destination</th>
              <th>Outcome</th>
              <th className="num">Attempts</th>
              <th>Status</th>
              <th>Details</th>
              <th>At</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((d) => (
              <DestinationRow
                key={d.destinationId}
                state={d}
                ours={d.destinationId === props.destinationId}
                messageId={props.lineage.messageId}
                filterTitles={props.filterTitles}
              />
            ))}
          </tbody>
        </table>
      )}
    </>
  )
}

function DestinationRow(props: {
  state: LineageDestination
  ours: boolean
  messageId: string
  filterTitles: ReadonlyMap<string, string>
}) {
  const d = props.state
  const name = d.destinationName ?? d.destinationId
  return (
    <tr className={props.ours ? 'lineage-ours' : ''}>
      <td>
        {props.ours ? (
          <strong>{name}</strong>
        ) : (
          <Link
            to={`/destinations/${d.destinationId}/lineage?messageId=${encodeURIComponent(props.messageId)}`}
          >
            {name}
          </Link>
        )}
        {props.ours && (
          <>
            {' '}
            <Badge tone="neutral">this destination</Badge>
          </>
        )}
      </td>
      <td>
        <OutcomeBadge outcome={d.outcome} />
      </td>
      <td className="num">{d.attempts}</td>
      <td className="nowrap">{describeCode(d.code) ?? '—'}</td>
      <td className="lineage-detail-cell">{describeDetail(d.detail, props.filterTitles) ?? '—'}</td>
      <td className="nowrap">
        {d.at ? (
          <time dateTime={d.at} title={formatTime(d.at)}>
            {time(d.at)}
          </time>
        ) : (
          '—'
        )}
      </td>
    </tr>
  )
}

interface WarehouseState {
  warehouse: Warehouse
  /** The first sync of the source that started after the message was processed. */
  loadedBy: SyncReport | undefined
}

/**
 * The warehouses that load the source. Lineage doesn't follow a message into a warehouse, so this
 * says what the sync history implies: a sync of the source that started after the message was
 * processed has loaded it (or failed to); otherwise it waits for the next sync.
 */
export function LineageWarehouses({
  sourceId,
  processedAt,
}: {
  sourceId: string
  processedAt: string | null
}) {
  const warehouses = useApi(
    async (): Promise<WarehouseState[]> => {
      const connected = await listAll<Warehouse>(`/sources/${sourceId}/connected-warehouses`, 'warehouses')
      return Promise.all(
        connected.map(async (warehouse) => {
          const { reports } = await api<{ reports: SyncReport[] }>(
            `/warehouses/${warehouse.id}/connected-sources/${sourceId}/syncs`,
            { query: { 'pagination[count]': 50 } },
          )
          const after = processedAt
            ? reports.filter((r) => Date.parse(r.start) >= Date.parse(processedAt))
            : []
          return { warehouse, loadedBy: after.at(-1) }
        }),
      )
    },
    `lineage-warehouses-${sourceId}-${processedAt ?? ''}`,
  )
  if (warehouses.error) return <p className="muted small">Warehouses: {warehouses.error.message}</p>
  if (!warehouses.data) return <p className="loading">Loading the warehouses…</p>
  if (warehouses.data.length === 0) return <p className="muted">No warehouse loads this source.</p>
  return (
    <ul className="plain-list lineage-warehouses" aria-label="Warehouses">
      {warehouses.data.map(({ warehouse, loadedBy }) => (
        <li key={warehouse.id}>
          <Link to={`/warehouses/${warehouse.id}`}>{warehouseName(warehouse)}</Link>{' '}
          {!processedAt ? (
            <span className="muted">— not processed yet</span>
          ) : !loadedBy ? (
            <>
              <Badge tone="neutral">Staged</Badge> <span className="muted">loads with the next sync</span>
            </>
          ) : loadedBy.status === 'success' || loadedBy.status === 'partial' ? (
            <>
              <Badge tone={loadedBy.status === 'success' ? 'good' : 'warn'}>Synced</Badge>{' '}
              <span className="muted">by the sync of {formatTime(loadedBy.start)}</span>
            </>
          ) : (
            <>
              <Badge tone={loadedBy.status === 'failure' ? 'bad' : 'neutral'}>{loadedBy.status}</Badge>{' '}
              <span className="muted">sync of {formatTime(loadedBy.start)}</span>
            </>
          )}
        </li>
      ))}
    </ul>
  )
}
