import { useState, type FormEvent } from 'react'
import { api, errorMessage, fieldErrors } from '../api/client.ts'
import type { Destination, EventTestAnswer } from '../api/models.ts'
import { Link } from '../app/router.tsx'
import { useApi } from '../app/use-api.ts'
import { DestinationTabs } from '../components/destination-tabs.tsx'
import {
  EXAMPLE_EVENT,
  EventInput,
  eventJson,
  readEventJson,
} from '../components/event-tester-event-input.tsx'
import { EventTestResults } from '../components/event-tester-result.tsx'
import { useRecentEvents } from '../components/mapping-paths.ts'
import { EmptyState, EnabledBadge, ErrorNote, Loading, PageHeader, Panel } from '../components/ui.tsx'

/**
 * Segment's Event Tester: sends one event (a recent one from the source, or JSON typed in) to the
 * destination now, past its queue and filters, and shows what happened: the mappings that
 * matched, the requests sent and the answers, or why nothing was sent.
 */
export function DestinationEventTesterPage({ destinationId }: { destinationId: string }) {
  const destination = useApi(
    async () => (await api<{ destination: Destination }>(`/destinations/${destinationId}`)).destination,
    `destination-${destinationId}`,
  )
  if (!destination.data)
    return destination.error ? <ErrorNote error={destination.error} /> : <Loading what="the destination" />
  const d = destination.data
  return (
    <>
      <PageHeader
        title={d.name}
        subtitle={
          <>
            {d.metadata.name} · event tester · <EnabledBadge enabled={d.enabled} />
          </>
        }
        back={{ to: '/destinations', label: 'Destinations' }}
      />
      <DestinationTabs
        destinationId={destinationId}
        current={`/destinations/${destinationId}/event-tester`}
      />
      <EventTester destination={d} />
    </>
  )
}

function EventTester({ destination }: { destination: Destination }) {
  const recent = useRecentEvents(destination.sourceId)
  const [chosenId, setChosenId] = useState<string>()
  const [text, setText] = useState<string>()
  const [jsonError, setJsonError] = useState<string>()
  const [error, setError] = useState<unknown>()
  const [answer, setAnswer] = useState<EventTestAnswer>()
  const [sending, setSending] = useState(false)
  const newest = recent.data?.[0]
  // Until something is chosen or typed: the newest event, or an example when there is none to read.
  const shownText =
    text ?? (newest ? eventJson(newest.message) : recent.data || recent.error ? eventJson(EXAMPLE_EVENT) : '')
  const shownChosen = text === undefined ? newest?.id : chosenId
  const isActions = (destination.metadata.actions ?? []).length > 0

  const send = async (event: FormEvent) => {
    event.preventDefault()
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
          body: { message: read.message },
        }),
      )
    } catch (e) {
      setError(e)
    } finally {
      setSending(false)
    }
  }
  const errors = fieldErrors(error)
  return (
    <div className="event-tester">
      <Panel title="Event">
        <form className="form" onSubmit={(e) => void send(e)}>
          <p className="hint block">
            {isActions ? (
              <>
                The event goes to every enabled mapping whose trigger matches it (see{' '}
                <Link to={`/destinations/${destination.id}/mappings`}>Mappings</Link>), now: no queue, no
                retries, no destination filters.
              </>
            ) : (
              <>The event is sent to {destination.name} now: no queue, no retries, no destination filters.</>
            )}{' '}
            The requests are real.
          </p>
          <EventInput
            id="event-tester-event"
            recent={recent.data}
            recentLoading={recent.loading}
            chosenId={shownChosen}
            onChoose={(m) => {
              setChosenId(m.id)
              setText(eventJson(m.message))
              setJsonError(undefined)
            }}
            text={shownText}
            onTextChange={(t) => {
              setText(t)
              setChosenId(undefined)
              setJsonError(undefined)
            }}
            error={jsonError ?? errors.message}
            sourceId={destination.sourceId}
          />
          <ErrorNote error={error && !errors.message ? errorMessage(error) : undefined} />
          <div className="actions">
            <button type="submit" className="button primary" disabled={sending}>
              {sending ? 'Sending…' : 'Send test event'}
            </button>
          </div>
        </form>
      </Panel>
      <Panel title="Result" className="event-tester-output">
        {answer ? (
          <EventTestResults
            answer={answer}
            destinationId={destination.id}
            destinationName={destination.name}
          />
        ) : sending ? (
          <Loading what="the answer" />
        ) : (
          <EmptyState title="Nothing sent yet">
            Pick an event and send it: the requests made and the answers received show here.
          </EmptyState>
        )}
      </Panel>
    </div>
  )
}
