import type { FormEvent } from 'react'
import type { Destination } from '../api/models.ts'
import { Link } from '../app/router.tsx'
import { DestinationFrame } from '../components/destination-frame.tsx'
import { EventInput, useEventTest } from '../components/event-tester-event-input.tsx'
import { EventTestResults } from '../components/event-tester-result.tsx'
import { useRecentEvents } from '../components/mapping-paths.ts'
import { EmptyState, ErrorNote, Loading, Panel } from '../components/ui.tsx'

/**
 * Segment's Event Tester: sends one event (a recent one from the source, or JSON typed in) to the
 * destination now, past its queue and filters, and shows what happened: the mappings that
 * matched, the requests sent and the answers, or why nothing was sent.
 */
export function DestinationEventTesterPage({ destinationId }: { destinationId: string }) {
  return (
    <DestinationFrame destinationId={destinationId} tab="event-tester">
      {(d) => <EventTester destination={d} />}
    </DestinationFrame>
  )
}

function EventTester({ destination }: { destination: Destination }) {
  const recent = useRecentEvents(destination.sourceId)
  const test = useEventTest(destination, recent, true)
  const isActions = (destination.metadata.actions ?? []).length > 0
  const send = (event: FormEvent) => {
    event.preventDefault()
    void test.send()
  }
  return (
    <div className="event-tester">
      <Panel title="Event">
        <form className="form" onSubmit={send}>
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
          <EventInput id="event-tester-event" {...test.input} />
          <ErrorNote error={test.otherError} />
          <div className="actions">
            <button type="submit" className="button primary" disabled={test.sending}>
              {test.sending ? 'Sending…' : 'Send test event'}
            </button>
          </div>
        </form>
      </Panel>
      <Panel title="Result" className="event-tester-output">
        {test.answer ? (
          <EventTestResults
            answer={test.answer}
            destinationId={destination.id}
            destinationName={destination.name}
          />
        ) : test.sending ? (
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
