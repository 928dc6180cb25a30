import { useState } from 'react'
import { api, errorMessage, fieldErrors } from '../api/client.ts'
import type { ArchivedMessage, Destination, EventTestAnswer } from '../api/models.ts'
import { Link } from '../app/router.tsx'
import type { Loaded } from '../app/use-api.ts'
import { eventLabel } from './mapping-paths.ts'
import { Field } from './ui.tsx'

/**
 * The event to test: one of the source's recent events, or JSON typed or pasted in. Its problems
 * (JSON that doesn't parse, a message the Tracking API would refuse) show under it.
 */

/** A track event to start from when the source has no events yet. */
export const EXAMPLE_EVENT = {
  type: 'track',
  event: 'Order Completed',
  userId: 'user-42',
  properties: { total: 150, currency: 'EUR' },
}

export const eventJson = (message: unknown) => JSON.stringify(message, null, 2)

/** The event typed, as an object, or the reason it isn't one. */
export function readEventJson(
  text: string,
): { ok: true; message: Record<string, unknown> } | { ok: false; error: string } {
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (e) {
    return { ok: false, error: `Not valid JSON: ${(e as Error).message}` }
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    return {
      ok: false,
      error: 'The event must be a JSON object, such as {"type": "track", "event": "…", "userId": "…"}',
    }
  return { ok: true, message: parsed as Record<string, unknown> }
}

export function EventInput(props: {
  id: string
  recent: ArchivedMessage[] | undefined
  recentLoading: boolean
  /** The recent event chosen, if the text is still that event. */
  chosenId: string | undefined
  onChoose(m: ArchivedMessage): void
  text: string
  onTextChange(text: string): void
  error: string | undefined
  sourceId: string
}) {
  const recent = props.recent ?? []
  const errorId = `${props.id}-error`
  return (
    <div className="event-input">
      <div className="field">
        <label htmlFor={`${props.id}-recent`}>Recent event</label>
        <select
          id={`${props.id}-recent`}
          value={props.chosenId ?? ''}
          disabled={recent.length === 0}
          onChange={(e) => {
            const m = recent.find((r) => r.id === e.target.value)
            if (m) props.onChoose(m)
          }}
        >
          <option value="">
            {props.recentLoading && !props.recent
              ? 'Loading the source’s events…'
              : recent.length === 0
                ? 'No events from the source yet'
                : props.chosenId
                  ? '—'
                  : 'Your own event (below)'}
          </option>
          {recent.map((m) => (
            <option key={m.id} value={m.id}>
              {eventLabel(m)}
            </option>
          ))}
        </select>
        {!props.recentLoading && recent.length === 0 && (
          <small className="hint">
            The source hasn’t received events yet: send some to it (its{' '}
            <Link to={`/sources/${props.sourceId}/debugger`}>debugger</Link> shows them), or write one below.
          </small>
        )}
      </div>
      <Field id={props.id} label="Event JSON" error={props.error} errorId={errorId}>
        <textarea
          id={props.id}
          className="code-input event-json"
          rows={14}
          spellCheck={false}
          aria-invalid={!!props.error || undefined}
          {...(props.error && { 'aria-describedby': errorId })}
          value={props.text}
          onChange={(e) => props.onTextChange(e.target.value)}
        />
        <small className="hint">A Segment message: edit it or paste your own.</small>
      </Field>
    </div>
  )
}

/** A mapping to test as edited (saved or not). */
export interface EventTestMapping {
  actionId: string
  name: string
  settings: Record<string, unknown>
}

/**
 * A test of the destination on one event: the event (until one is chosen or typed, the newest
 * recent one; with none and `example`, EXAMPLE_EVENT), sending it to the destination's
 * `/event-tests`, and the answer. `input` is for EventInput; `otherError`, a problem not about the
 * event, shows under it.
 */
export function useEventTest(destination: Destination, recent: Loaded<ArchivedMessage[]>, example = false) {
  const [chosenId, setChosenId] = useState<string>()
  const [text, setText] = useState<string>()
  const [jsonError, setJsonError] = useState<string>()
  const [error, setError] = useState<unknown>()
  const [answer, setAnswer] = useState<EventTestAnswer>()
  const [sending, setSending] = useState(false)
  const newest = recent.data?.[0]
  const shownText =
    text ??
    (newest
      ? eventJson(newest.message)
      : example && (recent.data || recent.error)
        ? eventJson(EXAMPLE_EVENT)
        : '')

  /** Sends the event, through `mapping` (as edited, its trigger ignored) when given. */
  const send = async (mapping?: EventTestMapping) => {
    setError(undefined)
    setAnswer(undefined)
    const read = readEventJson(shownText)
    if (!read.ok) return setJsonError(read.error)
    setJsonError(undefined)
    setSending(true)
    try {
      setAnswer(
        await api<EventTestAnswer>(`/destinations/${destination.id}/event-tests`, {
          method: 'POST',
          body: { message: read.message, ...(mapping && { mapping }) },
        }),
      )
    } catch (e) {
      setError(e)
    } finally {
      setSending(false)
    }
  }
  const errors = fieldErrors(error)
  return {
    answer,
    sending,
    send,
    input: {
      recent: recent.data,
      recentLoading: recent.loading,
      chosenId: text === undefined ? newest?.id : chosenId,
      onChoose: (m: ArchivedMessage) => {
        setChosenId(m.id)
        setText(eventJson(m.message))
        setJsonError(undefined)
      },
      text: shownText,
      onTextChange: (t: string) => {
        setText(t)
        setChosenId(undefined)
        setJsonError(undefined)
      },
      error: jsonError ?? errors.message,
      sourceId: destination.sourceId,
    },
    otherError: error && !errors.message ? errorMessage(error) : undefined,
  }
}
