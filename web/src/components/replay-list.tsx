import { useEffect, useState } from 'react'
import { api, errorMessage } from '../api/client.ts'
import type { Destination, Replay } from '../api/models.ts'
import { Badge, EmptyState, ProgressBar, formatCount } from './ui.tsx'

/** Statuses a replay can still leave: it is followed, and can be cancelled. */
const ACTIVE = new Set(['QUEUED', 'RUNNING'])

export const isActive = (replay: Replay) => ACTIVE.has(replay.status)

/** A source's replays, newest first; a queued or running one follows its progress once a second. */
export function ReplayList(props: {
  sourceId: string
  replays: Replay[]
  destinations: Destination[]
  onUpdate(replay: Replay): void
}) {
  if (props.replays.length === 0)
    return (
      <EmptyState title="No replays yet">
        Start one above to send archived events again: to a destination you just connected, or to one that was
        failing before you fixed it.
      </EmptyState>
    )
  const nameOf = (id: string) => props.destinations.find((d) => d.id === id)?.name ?? `${id} (deleted)`
  return (
    <table className="table replay-table" aria-label="Replays">
      <thead>
        <tr>
          <th>Status</th>
          <th>Events received</th>
          <th>Destinations</th>
          <th className="replay-progress-head">Progress</th>
          <th>Created</th>
          <th />
        </tr>
      </thead>
      <tbody>
        {props.replays.map((r) => (
          <ReplayRow
            key={r.id}
            sourceId={props.sourceId}
            replay={r}
            nameOf={nameOf}
            onUpdate={props.onUpdate}
          />
        ))}
      </tbody>
    </table>
  )
}

function ReplayRow(props: {
  sourceId: string
  replay: Replay
  nameOf(id: string): string
  onUpdate(replay: Replay): void
}) {
  const { replay, sourceId, onUpdate } = props
  const [error, setError] = useState<string>()
  const [cancelling, setCancelling] = useState(false)

  // Follows a queued or running replay until it ends.
  useEffect(() => {
    if (!isActive(replay)) return
    const timer = setTimeout(async () => {
      try {
        onUpdate((await api<{ replay: Replay }>(`/sources/${sourceId}/replays/${replay.id}`)).replay)
      } catch (e) {
        setError(errorMessage(e))
      }
    }, 1000)
    return () => clearTimeout(timer)
  }, [replay, sourceId, onUpdate])

  const cancel = async () => {
    setCancelling(true)
    setError(undefined)
    try {
      onUpdate(
        (
          await api<{ replay: Replay }>(`/sources/${sourceId}/replays/${replay.id}/cancel`, {
            method: 'POST',
          })
        ).replay,
      )
    } catch (e) {
      setError(errorMessage(e))
    } finally {
      setCancelling(false)
    }
  }

  const p = replay.progress
  const filters = [...(replay.eventTypes ?? []), ...(replay.eventNames ?? []).map((n) => `“${n}”`)]
  return (
    <tr aria-label={`Replay ${replay.id}`}>
      <td>
        <ReplayStatus status={replay.status} />
      </td>
      <td className="small">
        <span className="nowrap">{shortTime(replay.startTime)} –</span>{' '}
        <span className="nowrap">{shortTime(replay.endTime)}</span>
        {filters.length > 0 && <div className="muted">only {filters.join(', ')}</div>}
      </td>
      <td className="small">{replay.destinationIds.map(props.nameOf).join(', ')}</td>
      <td>
        <div className="replay-progress">
          <ProgressBar label={`Progress of replay ${replay.id}`} value={p.percent / 100} />
          <span className="muted small">
            {p.total === null
              ? isActive(replay)
                ? 'Waiting to start…'
                : 'Not started'
              : `${formatCount(p.processed)} of ${formatCount(p.total)} events (${p.percent}%)`}
          </span>
          {replay.error && <span className="field-error">{replay.error}</span>}
        </div>
      </td>
      <td className="small muted">
        <span className="nowrap">{shortTime(replay.createdAt)}</span>
        {replay.finishedAt && <div className="nowrap">ended {shortTime(replay.finishedAt)}</div>}
      </td>
      <td className="num">
        {isActive(replay) && (
          <button
            type="button"
            className="button small danger"
            disabled={cancelling}
            onClick={() => void cancel()}
          >
            {cancelling ? 'Cancelling…' : 'Cancel'}
          </button>
        )}
        {error && (
          <span className="field-error block" role="alert">
            {error}
          </span>
        )}
      </td>
    </tr>
  )
}

const TONES: Record<string, 'good' | 'bad' | 'warn' | 'neutral'> = {
  SUCCEEDED: 'good',
  FAILED: 'bad',
  CANCELLED: 'warn',
}

export function ReplayStatus({ status }: { status: string }) {
  return <Badge tone={TONES[status] ?? 'neutral'}>{status.charAt(0) + status.slice(1).toLowerCase()}</Badge>
}

/** A moment to the minute, as a replay's range is chosen. */
function shortTime(iso: string): string {
  return new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' })
}
