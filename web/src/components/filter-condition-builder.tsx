import { useState } from 'react'
import { api } from '../api/client.ts'
import { useApi } from '../app/use-api.ts'
import { fqlComparison, joinCondition, OPERATORS, type BuilderOperator } from './filter-fql.ts'

type Subject = 'type' | 'event' | 'field'

const EVENT_TYPES = ['track', 'identify', 'page', 'screen', 'group', 'alias']
const NAME_OPERATORS: BuilderOperator[] = ['equals', 'not_equals', 'matches', 'contains']

/**
 * Helps write a filter's condition: pick the event type, an event name (from the source's schema)
 * or a field (suggested from the sample event) with an operator and a value; "Add to condition"
 * writes the FQL into the condition, joined to what is there with `and` or `or`.
 */
export function FilterConditionBuilder(props: {
  sourceId: string
  condition: string
  /** Field paths to suggest: those of the event the preview runs on. */
  samplePaths: string[]
  onChange(condition: string): void
}) {
  const [subject, setSubject] = useState<Subject>('type')
  const [operator, setOperator] = useState<BuilderOperator>('equals')
  const [eventType, setEventType] = useState('track')
  const [eventName, setEventName] = useState('')
  const [path, setPath] = useState('')
  const [value, setValue] = useState('')
  const [join, setJoin] = useState<'and' | 'or'>('and')
  const [problem, setProblem] = useState<string>()
  const eventNames = useApi(
    async () =>
      (
        await api<{ events: Array<{ name: string }> }>(`/sources/${props.sourceId}/schema/events`, {
          query: { type: 'track', 'pagination[count]': 200 },
        })
      ).events.map((e) => e.name),
    `schema-events-${props.sourceId}`,
  )
  const operators =
    subject === 'type'
      ? OPERATORS.filter((o) => o.value === 'equals' || o.value === 'not_equals')
      : subject === 'event'
        ? OPERATORS.filter((o) => NAME_OPERATORS.includes(o.value))
        : OPERATORS
  const chosen = operators.find((o) => o.value === operator) ?? operators[0]!
  const current = props.condition.trim()
  const joining = current !== '' && current !== 'all'

  const add = () => {
    const comparison =
      subject === 'type'
        ? fqlComparison('type', chosen.value, eventType, true)
        : subject === 'event'
          ? fqlComparison('event', chosen.value, eventName, true)
          : fqlComparison(path, chosen.value, value)
    if ('problem' in comparison) return setProblem(comparison.problem)
    if (subject === 'event' && eventName.trim() === '') return setProblem('Pick or type an event name.')
    setProblem(undefined)
    props.onChange(joinCondition(props.condition, comparison.fql, join))
  }

  return (
    <fieldset className="filter-builder">
      <legend>Build a condition</legend>
      <div className="filter-builder-row">
        {joining && (
          <label className="filter-builder-join">
            <span className="field-label">Join with</span>
            <select aria-label="Join with" value={join} onChange={(e) => setJoin(e.target.value as 'and')}>
              <option value="and">and</option>
              <option value="or">or</option>
            </select>
          </label>
        )}
        <label>
          <span className="field-label">Match on</span>
          <select
            aria-label="Match on"
            value={subject}
            onChange={(e) => {
              setSubject(e.target.value as Subject)
              setOperator('equals')
              setProblem(undefined)
            }}
          >
            <option value="type">Event type</option>
            <option value="event">Event name</option>
            <option value="field">A field</option>
          </select>
        </label>
        {subject === 'field' && (
          <label className="grow">
            <span className="field-label">Field</span>
            <input
              aria-label="Field"
              list="filter-builder-paths"
              placeholder="properties.plan"
              value={path}
              onChange={(e) => setPath(e.target.value)}
            />
            <datalist id="filter-builder-paths">
              {props.samplePaths.map((p) => (
                <option key={p} value={p} />
              ))}
            </datalist>
          </label>
        )}
        <label>
          <span className="field-label">Operator</span>
          <select
            aria-label="Operator"
            value={chosen.value}
            onChange={(e) => setOperator(e.target.value as BuilderOperator)}
          >
            {operators.map((o) => (
              <option key={o.value} value={o.value}>
                {o.label}
              </option>
            ))}
          </select>
        </label>
        {subject === 'type' && (
          <label>
            <span className="field-label">Event type</span>
            <select aria-label="Event type" value={eventType} onChange={(e) => setEventType(e.target.value)}>
              {EVENT_TYPES.map((t) => (
                <option key={t}>{t}</option>
              ))}
            </select>
          </label>
        )}
        {subject === 'event' && (
          <label className="grow">
            <span className="field-label">Event name</span>
            <input
              aria-label="Event name"
              list="filter-builder-events"
              placeholder={chosen.value === 'matches' ? 'Checkout *' : 'Order Completed'}
              value={eventName}
              onChange={(e) => setEventName(e.target.value)}
            />
            <datalist id="filter-builder-events">
              {(eventNames.data ?? []).map((name) => (
                <option key={name} value={name} />
              ))}
            </datalist>
          </label>
        )}
        {subject === 'field' && chosen.needsValue && (
          <label className="grow">
            <span className="field-label">Value</span>
            <input
              aria-label="Value"
              placeholder={chosen.value === 'matches' ? '*@example.com' : "pro, 42, true or '42'"}
              value={value}
              onChange={(e) => setValue(e.target.value)}
            />
          </label>
        )}
        <button type="button" className="button" onClick={add}>
          Add to condition
        </button>
      </div>
      {problem ? (
        <span className="field-error" role="alert">
          {problem}
        </span>
      ) : (
        <span className="hint">
          Values: numbers, <code>true</code>, <code>false</code> and <code>null</code> are written as they
          are; anything else as text. Patterns use <code>*</code> and <code>?</code>.
        </span>
      )}
    </fieldset>
  )
}
