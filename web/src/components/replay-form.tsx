import { useState, type FormEvent } from 'react'
import { api, fieldErrors } from '../api/client.ts'
import type { Destination, Replay } from '../api/models.ts'
import { Link } from '../app/router.tsx'
import { EmptyState, EnabledBadge, ErrorNote, Field, FieldError, Loading } from './ui.tsx'

const EVENT_TYPES = ['track', 'page', 'screen', 'identify', 'group', 'alias'] as const
const HOUR = 3600_000

/** Quick ranges, ending at the next whole minute. */
const RANGES: Array<{ label: string; ms: number }> = [
  { label: 'Last hour', ms: HOUR },
  { label: 'Last 24 hours', ms: 24 * HOUR },
  { label: 'Last 7 days', ms: 7 * 24 * HOUR },
]

/** A `datetime-local` value (local time, to the minute) for a moment. */
export function toLocalInput(ms: number): string {
  const d = new Date(ms)
  return new Date(ms - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16)
}

function rangeEndingNow(ms: number) {
  const end = Math.ceil(Date.now() / 60_000) * 60_000
  return { start: toLocalInput(end - ms), end: toLocalInput(end) }
}

/**
 * A new replay: the time range of the archived events to send again, to every enabled destination
 * of the source or to the ones ticked, optionally only some call types or track events. The API's
 * problems show under the field they concern.
 */
export function ReplayForm(props: {
  sourceId: string
  destinations: Destination[] | undefined
  onStarted(replay: Replay): void
}) {
  const initial = rangeEndingNow(24 * HOUR)
  const [start, setStart] = useState(initial.start)
  const [end, setEnd] = useState(initial.end)
  const [everyDestination, setEveryDestination] = useState(true)
  const [destinationIds, setDestinationIds] = useState<string[]>([])
  const [eventTypes, setEventTypes] = useState<string[]>([])
  const [eventNames, setEventNames] = useState('')
  const [error, setError] = useState<unknown>()
  const [localErrors, setLocalErrors] = useState<Record<string, string>>({})
  const [submitting, setSubmitting] = useState(false)
  const errors = { ...fieldErrors(error), ...localErrors }
  const fieldsShown = ['startTime', 'endTime', 'destinationIds', 'eventTypes', 'eventNames']
  const otherError = error && !fieldsShown.some((f) => fieldErrors(error)[f]) ? error : undefined

  const flip = (list: string[], value: string, on: boolean) =>
    on ? [...list, value] : list.filter((v) => v !== value)

  const submit = async (event: FormEvent) => {
    event.preventDefault()
    setError(undefined)
    const problems: Record<string, string> = {}
    if (!start) problems.startTime = 'Choose when the events to replay start.'
    if (!end) problems.endTime = 'Choose when the events to replay end.'
    if (!everyDestination && destinationIds.length === 0)
      problems.destinationIds = 'Tick at least one destination, or choose every enabled destination.'
    setLocalErrors(problems)
    if (Object.keys(problems).length > 0) return
    const names = eventNames
      .split(',')
      .map((n) => n.trim())
      .filter(Boolean)
    setSubmitting(true)
    try {
      const { replay } = await api<{ replay: Replay }>(`/sources/${props.sourceId}/replays`, {
        method: 'POST',
        body: {
          startTime: new Date(start).toISOString(),
          endTime: new Date(end).toISOString(),
          ...(!everyDestination && { destinationIds }),
          ...(eventTypes.length > 0 && { eventTypes }),
          ...(names.length > 0 && { eventNames: names }),
        },
      })
      props.onStarted(replay)
    } catch (e) {
      setError(e)
    } finally {
      setSubmitting(false)
    }
  }

  if (!props.destinations) return <Loading what="the destinations" />
  if (props.destinations.length === 0)
    return (
      <EmptyState
        title="No destinations to replay to"
        action={
          <Link to="/destinations/catalog" className="button small">
            Add a destination
          </Link>
        }
      >
        A replay sends this source’s archived events again to its destinations. Connect one first.
      </EmptyState>
    )

  const enabledCount = props.destinations.filter((d) => d.enabled).length
  return (
    <form className="form replay-form" onSubmit={(e) => void submit(e)} noValidate>
      <div className="replay-range">
        <Field id="replay-start" label="From" error={errors.startTime}>
          <input
            id="replay-start"
            type="datetime-local"
            value={start}
            aria-invalid={Boolean(errors.startTime)}
            onChange={(e) => setStart(e.target.value)}
          />
        </Field>
        <Field id="replay-end" label="To" error={errors.endTime}>
          <input
            id="replay-end"
            type="datetime-local"
            value={end}
            aria-invalid={Boolean(errors.endTime)}
            onChange={(e) => setEnd(e.target.value)}
          />
        </Field>
        <div className="replay-quick" role="group" aria-label="Quick ranges">
          {RANGES.map((r) => (
            <button
              key={r.label}
              type="button"
              className="button small ghost"
              onClick={() => {
                const range = rangeEndingNow(r.ms)
                setStart(range.start)
                setEnd(range.end)
              }}
            >
              {r.label}
            </button>
          ))}
        </div>
      </div>
      <p className="hint block replay-range-hint">
        Events received from the first time up to (not including) the second, in this browser’s time zone, as
        long as the archive still holds them.
      </p>

      <fieldset className={`field replay-choices ${errors.destinationIds ? 'has-error' : ''}`}>
        <legend className="field-label">Destinations</legend>
        <label className="check">
          <input
            type="radio"
            name="replay-destinations"
            checked={everyDestination}
            onChange={() => setEveryDestination(true)}
          />
          Every enabled destination ({enabledCount})
        </label>
        <label className="check">
          <input
            type="radio"
            name="replay-destinations"
            checked={!everyDestination}
            onChange={() => setEveryDestination(false)}
          />
          Only these:
        </label>
        <div className="replay-destination-list">
          {props.destinations.map((d) => (
            <label key={d.id} className="check">
              <input
                type="checkbox"
                disabled={everyDestination}
                checked={!everyDestination && destinationIds.includes(d.id)}
                onChange={(e) => setDestinationIds(flip(destinationIds, d.id, e.target.checked))}
              />
              {d.name} <EnabledBadge enabled={d.enabled} />
            </label>
          ))}
        </div>
        <FieldError message={errors.destinationIds} />
        <small className="hint">
          A disabled destination gets its replayed events when it is enabled again.
        </small>
      </fieldset>

      <fieldset className={`field replay-choices ${errors.eventTypes ? 'has-error' : ''}`}>
        <legend className="field-label">Call types</legend>
        <div className="replay-types">
          {EVENT_TYPES.map((type) => (
            <label key={type} className="check">
              <input
                type="checkbox"
                checked={eventTypes.includes(type)}
                onChange={(e) => setEventTypes(flip(eventTypes, type, e.target.checked))}
              />
              {type}
            </label>
          ))}
        </div>
        <FieldError message={errors.eventTypes} />
        <small className="hint">
          With none ticked and no track events named below, every call is replayed.
        </small>
      </fieldset>

      <Field
        id="replay-event-names"
        label="Track events"
        error={errors.eventNames}
        hint="Optional, separated by commas: these track events, besides the call types ticked above."
      >
        <input
          id="replay-event-names"
          type="text"
          value={eventNames}
          placeholder="Order Completed, Product Viewed"
          aria-invalid={Boolean(errors.eventNames)}
          onChange={(e) => setEventNames(e.target.value)}
        />
      </Field>

      <ErrorNote error={otherError} />
      <div>
        <button type="submit" className="button primary" disabled={submitting}>
          {submitting ? 'Starting…' : 'Start replay'}
        </button>
      </div>
    </form>
  )
}
