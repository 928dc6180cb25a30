import { useEffect, useRef, useState } from 'react'
import type { TriggerSuggestions } from './mapping-paths.ts'
import {
  MESSAGE_TYPES,
  OPERATOR_LABELS,
  SUBJECT_LABELS,
  isNamed,
  isNumeric,
  newCondition,
  operatorsFor,
  parseTrigger,
  takesValue,
  triggerText,
  type TriggerCondition,
  type TriggerModel,
  type TriggerSubject,
} from './trigger-syntax.ts'
import { FieldError } from './ui.tsx'

/**
 * A mapping's trigger: conditions on the event type, its name, its properties, traits or context,
 * all or any of which must hold. The builder writes Segment's subscription syntax, shown below it;
 * the text can be edited directly, and the builder follows whenever it can show what was written.
 */
export function TriggerBuilder(props: {
  trigger: string
  onChange(trigger: string): void
  error: string | undefined
  suggestions: TriggerSuggestions
}) {
  const [model, setModel] = useState<TriggerModel | undefined>(() => parseTrigger(props.trigger))
  // The text this component wrote last: another value comes from outside (a new action's default).
  const written = useRef(props.trigger)
  useEffect(() => {
    if (props.trigger === written.current) return
    written.current = props.trigger
    setModel(parseTrigger(props.trigger))
  }, [props.trigger])

  const fromBuilder = (next: TriggerModel) => {
    setModel(next)
    written.current = triggerText(next)
    props.onChange(written.current)
  }
  const fromText = (text: string) => {
    written.current = text
    setModel(parseTrigger(text))
    props.onChange(text)
  }
  const setCondition = (i: number, c: TriggerCondition) =>
    model && fromBuilder({ ...model, conditions: model.conditions.map((old, j) => (j === i ? c : old)) })

  return (
    <fieldset className={`trigger-builder ${props.error ? 'has-error' : ''}`} aria-label="Trigger">
      <p className="hint block">The events this mapping sends; the others are left alone.</p>
      {model ? (
        <>
          <div className="trigger-combinator">
            Send an event when
            <select
              aria-label="Which conditions must match"
              value={model.combinator}
              onChange={(e) => fromBuilder({ ...model, combinator: e.target.value as 'and' | 'or' })}
            >
              <option value="and">all</option>
              <option value="or">any</option>
            </select>
            of these conditions match:
          </div>
          {model.conditions.length === 0 && (
            <p className="muted small">No conditions yet: add one, such as “Event type is track”.</p>
          )}
          <ol className="trigger-conditions">
            {model.conditions.map((c, i) => (
              <ConditionRow
                key={i}
                n={i + 1}
                condition={c}
                onChange={(next) => setCondition(i, next)}
                onRemove={() =>
                  fromBuilder({ ...model, conditions: model.conditions.filter((_, j) => j !== i) })
                }
                suggestions={props.suggestions}
              />
            ))}
          </ol>
          <div className="actions">
            <button
              type="button"
              className="button small"
              onClick={() =>
                fromBuilder({
                  ...model,
                  conditions: [
                    ...model.conditions,
                    newCondition(model.conditions.some((c) => c.subject === 'type') ? 'event' : 'type'),
                  ],
                })
              }
            >
              + Add condition
            </button>
          </div>
        </>
      ) : (
        <p className="notice">
          The builder can’t show this trigger (it uses parentheses, mixes “and” with “or”, or other fields):
          edit it as text.{' '}
          <button
            type="button"
            className="link-button"
            onClick={() => fromBuilder({ combinator: 'and', conditions: [newCondition('type')] })}
          >
            Start over with the builder
          </button>
        </p>
      )}
      {(
        [
          ['event', props.suggestions.events],
          ['properties', props.suggestions.properties],
          ['traits', props.suggestions.traits],
          ['context', props.suggestions.context],
        ] as const
      ).map(([kind, names]) => (
        <datalist key={kind} id={`trigger-names-${kind}`}>
          {names.map((name) => (
            <option key={name} value={name} />
          ))}
        </datalist>
      ))}
      <div className="field trigger-text">
        <label htmlFor="trigger-text">Trigger as text</label>
        <textarea
          id="trigger-text"
          className="code-input"
          rows={2}
          spellCheck={false}
          aria-invalid={!!props.error || undefined}
          {...(props.error && { 'aria-describedby': 'trigger-error' })}
          placeholder='type = "track" and event = "Order Completed"'
          value={props.trigger}
          onChange={(e) => fromText(e.target.value)}
        />
        <small className="hint">
          Segment’s subscription syntax: <code>type = "track" and event = "Order Completed"</code>,{' '}
          <code>properties.total &gt; 100</code>, <code>contains(event, "Order")</code>.
        </small>
        <FieldError message={props.error} id="trigger-error" />
      </div>
    </fieldset>
  )
}

const SUBJECTS = Object.keys(SUBJECT_LABELS) as TriggerSubject[]

function ConditionRow(props: {
  n: number
  condition: TriggerCondition
  onChange(c: TriggerCondition): void
  onRemove(): void
  suggestions: TriggerSuggestions
}) {
  const { condition: c, n } = props
  const operators = operatorsFor(c.subject)
  const setSubject = (subject: TriggerSubject) => {
    const fresh = newCondition(subject)
    props.onChange(
      operatorsFor(subject).includes(c.operator) && subject !== 'type'
        ? { ...fresh, operator: c.operator, value: c.subject === 'type' ? '' : c.value }
        : fresh,
    )
  }
  const names =
    c.subject === 'properties' || c.subject === 'traits' || c.subject === 'context'
      ? props.suggestions[c.subject]
      : []
  return (
    <li className="trigger-condition">
      <select
        aria-label={`Condition ${n} field`}
        value={c.subject}
        onChange={(e) => setSubject(e.target.value as TriggerSubject)}
      >
        {SUBJECTS.map((s) => (
          <option key={s} value={s}>
            {SUBJECT_LABELS[s]}
          </option>
        ))}
      </select>
      {isNamed(c.subject) && (
        <>
          <input
            type="text"
            aria-label={`Condition ${n} name`}
            placeholder={c.subject === 'context' ? 'page.path' : 'name'}
            list={names.length ? `trigger-names-${c.subject}` : undefined}
            value={c.name}
            onChange={(e) => props.onChange({ ...c, name: e.target.value })}
          />
        </>
      )}
      <select
        aria-label={`Condition ${n} operator`}
        value={c.operator}
        onChange={(e) => props.onChange({ ...c, operator: e.target.value as TriggerCondition['operator'] })}
      >
        {operators.map((o) => (
          <option key={o} value={o}>
            {OPERATOR_LABELS[o]}
          </option>
        ))}
      </select>
      {takesValue(c.operator) &&
        (c.subject === 'type' ? (
          <select
            aria-label={`Condition ${n} value`}
            value={c.value}
            onChange={(e) => props.onChange({ ...c, value: e.target.value })}
          >
            {MESSAGE_TYPES.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
        ) : (
          <input
            type={isNumeric(c.operator) ? 'number' : 'text'}
            aria-label={`Condition ${n} value`}
            placeholder={isNumeric(c.operator) ? '100' : c.subject === 'event' ? 'Order Completed' : 'value'}
            list={
              c.subject === 'event' && props.suggestions.events.length ? 'trigger-names-event' : undefined
            }
            value={c.value}
            onChange={(e) => props.onChange({ ...c, value: e.target.value })}
          />
        ))}
      {!takesValue(c.operator) && <span />}
      <button
        type="button"
        className="button small ghost"
        aria-label={`Remove condition ${n}`}
        onClick={props.onRemove}
      >
        ✕
      </button>
    </li>
  )
}
