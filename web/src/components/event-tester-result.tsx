import type { AttemptOutcome, EventTestAnswer, EventTestResult } from '../api/models.ts'
import { Link } from '../app/router.tsx'
import { Badge, EmptyState } from './ui.tsx'

/**
 * What the event tester did with an event: for each mapping that matched (or the classic
 * destination), how it ended, the requests sent (method, URL, headers, body; credentials masked)
 * and the answers received; or why nothing was sent.
 */
export function EventTestResults(props: {
  answer: EventTestAnswer
  destinationId: string
  destinationName: string
}) {
  const { answer } = props
  if (answer.results.length === 0) {
    return (
      <EmptyState title="Not sent: no mapping matched this event">
        {answer.error ?? 'No enabled mapping’s trigger matches this event.'} Check the triggers on the{' '}
        <Link to={`/destinations/${props.destinationId}/mappings`}>Mappings</Link> tab, and that the mapping
        is enabled.
      </EmptyState>
    )
  }
  return (
    <div className="event-test-results">
      {answer.results.map((result, i) => (
        <ResultCard
          key={`${result.mappingId ?? 'destination'}-${i}`}
          result={result}
          destinationName={props.destinationName}
        />
      ))}
    </div>
  )
}

/** The outcome in a word or two, coloured. */
export function OutcomeBadge({ outcome }: { outcome: AttemptOutcome }) {
  if (outcome.kind === 'delivered')
    return <Badge tone="good">Delivered · {outcome.status ?? outcome.code}</Badge>
  if (outcome.kind === 'retry') return <Badge tone="warn">Failed, would retry · {outcome.code}</Badge>
  return <Badge tone="bad">Not delivered · {outcome.code}</Badge>
}

function ResultCard({ result, destinationName }: { result: EventTestResult; destinationName: string }) {
  const title = result.mappingName ? `Mapping “${result.mappingName}”` : destinationName
  return (
    <article className="event-test-result" aria-label={`Result of ${title}`}>
      <header className="event-test-head">
        <div>
          <span className="muted small">{result.mappingId ? 'Matched mapping' : 'Sent by'}</span>
          <h3>{result.mappingName ?? destinationName}</h3>
        </div>
        <OutcomeBadge outcome={result.outcome} />
      </header>
      {result.outcome.detail && <p className="event-test-detail">{result.outcome.detail}</p>}
      {result.requests.length === 0 && (
        <p className="muted">No request was sent{result.outcome.detail ? '' : `: ${result.outcome.code}`}.</p>
      )}
      {result.requests.map((exchange, i) => (
        <div className="event-test-exchange" key={i}>
          <section aria-label="Request sent">
            <h4>Request</h4>
            <p className="event-test-line">
              <code>
                {exchange.request.method} {exchange.request.url}
              </code>
            </p>
            <Headers headers={exchange.request.headers} />
            <Body
              text={exchange.request.body}
              truncated={exchange.request.bodyTruncated}
              label="Request body"
            />
          </section>
          <section aria-label="Response received">
            <h4>Response</h4>
            {exchange.response ? (
              <>
                <p className="event-test-line">
                  <Badge
                    tone={
                      exchange.response.status < 300
                        ? 'good'
                        : exchange.response.status < 500
                          ? 'bad'
                          : 'warn'
                    }
                  >
                    HTTP {exchange.response.status}
                  </Badge>{' '}
                  <span className="muted small">in {Math.round(exchange.response.durationMs)} ms</span>
                </p>
                <Headers headers={exchange.response.headers} />
                <Body
                  text={exchange.response.body}
                  truncated={exchange.response.bodyTruncated}
                  label="Response body"
                />
              </>
            ) : (
              <p className="muted">No answer: {exchange.outcome.detail ?? exchange.outcome.code}</p>
            )}
          </section>
        </div>
      ))}
    </article>
  )
}

function Headers({ headers }: { headers: Record<string, string> }) {
  const entries = Object.entries(headers)
  if (entries.length === 0) return null
  return (
    <details className="event-test-headers">
      <summary>
        {entries.length} header{entries.length === 1 ? '' : 's'}
      </summary>
      <dl className="settings-list">
        {entries.map(([name, value]) => (
          <div key={name}>
            <dt>{name}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
    </details>
  )
}

/** A body, pretty-printed when it is JSON. */
function Body({ text, truncated, label }: { text: string; truncated: boolean; label: string }) {
  if (text === '') return <p className="muted small">Empty body.</p>
  let shown = text
  try {
    shown = JSON.stringify(JSON.parse(text), null, 2)
  } catch {
    // Not JSON: shown as it is.
  }
  return (
    <>
      <pre className="raw-json event-test-body" aria-label={label}>
        {shown}
      </pre>
      {truncated && <small className="hint">Cut short: only the start of the body is kept.</small>}
    </>
  )
}
