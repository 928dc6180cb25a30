import { useMemo, useState, type FormEvent } from 'react'
import { api, fieldErrors } from '../api/client.ts'
import type {
  ArchivedMessage,
  Destination,
  DestinationAction,
  DestinationSubscription,
} from '../api/models.ts'
import type { Loaded } from '../app/use-api.ts'
import { EventInput, useEventTest, type EventTestMapping } from './event-tester-event-input.tsx'
import { EventTestResults } from './event-tester-result.tsx'
import { MappingFieldInput } from './mapping-field-input.tsx'
import { collectPaths, defaultMapping, triggerSuggestions, visibleFields } from './mapping-paths.ts'
import { TriggerBuilder } from './trigger-builder.tsx'
import { ErrorNote, Field, FieldError, Panel } from './ui.tsx'

/**
 * Adds or edits one mapping of an Actions destination (Segment's subscription): the action, the
 * trigger, each field's mapping (suggested from the source's recent events), its name and whether
 * it is enabled; and tests it on an event before saving. The API's problems show by their fields.
 */
export function MappingEditor(props: {
  destination: Destination
  actions: DestinationAction[]
  /** The mapping to edit; a new one without. */
  subscription?: DestinationSubscription
  recent: Loaded<ArchivedMessage[]>
  onSaved(subscription: DestinationSubscription): void
  onCancel(): void
}) {
  const { subscription } = props
  const choosable = props.actions.filter((a) => !a.hidden || a.id === subscription?.actionId)
  const [actionId, setActionId] = useState(subscription?.actionId ?? choosable[0]?.id ?? '')
  const action = props.actions.find((a) => a.id === actionId)
  const [name, setName] = useState(subscription?.name ?? action?.name ?? '')
  const [trigger, setTrigger] = useState(subscription?.trigger ?? action?.defaultTrigger ?? 'type = "track"')
  const [settings, setSettings] = useState<Record<string, unknown>>(
    () => subscription?.settings ?? (action ? defaultMapping(action) : {}),
  )
  const [enabled, setEnabled] = useState(subscription?.enabled ?? true)
  const [invalid, setInvalid] = useState<Record<string, string>>({})
  const [missing, setMissing] = useState<Record<string, string>>({})
  const [error, setError] = useState<unknown>()
  const [saving, setSaving] = useState(false)

  const messages = useMemo(() => (props.recent.data ?? []).map((m) => m.message), [props.recent.data])
  const paths = useMemo(() => collectPaths(messages), [messages])
  const suggestions = useMemo(() => triggerSuggestions(messages, paths), [messages, paths])

  const chooseAction = (id: string) => {
    const next = props.actions.find((a) => a.id === id)
    if (!next) return
    if (!subscription && (name === '' || name === action?.name)) setName(next.name)
    if (trigger === (action?.defaultTrigger ?? 'type = "track"') && next.defaultTrigger)
      setTrigger(next.defaultTrigger)
    setActionId(id)
    setSettings(defaultMapping(next))
    setInvalid({})
    setMissing({})
  }
  const setField = (key: string, value: unknown) => {
    setSettings((s) => {
      const next = { ...s }
      if (value === undefined) delete next[key]
      else next[key] = value
      return next
    })
    setMissing((m) => {
      if (!m[key]) return m
      const { [key]: _gone, ...rest } = m
      return rest
    })
  }

  const save = async (event: FormEvent) => {
    event.preventDefault()
    setError(undefined)
    const unset = Object.fromEntries(
      (action ? visibleFields(action) : [])
        .filter((f) => f.required && (settings[f.fieldKey] === undefined || settings[f.fieldKey] === ''))
        .map((f) => [f.fieldKey, `${f.label} is required: pick an event field or type a value`]),
    )
    setMissing(unset)
    if (Object.keys(unset).length || Object.keys(invalid).length) return
    setSaving(true)
    try {
      const saved = subscription
        ? (
            await api<{ subscription: DestinationSubscription }>(
              `/destinations/${props.destination.id}/subscriptions/${subscription.id}`,
              { method: 'PATCH', body: { input: { name, trigger, enabled, settings } } },
            )
          ).subscription
        : (
            await api<{ destinationSubscription: DestinationSubscription }>(
              `/destinations/${props.destination.id}/subscriptions`,
              { method: 'POST', body: { name, actionId, trigger, enabled, settings } },
            )
          ).destinationSubscription
      props.onSaved(saved)
    } catch (e) {
      setError(e)
    } finally {
      setSaving(false)
    }
  }

  const prefix = subscription ? 'input.' : ''
  const errors = fieldErrors(error, prefix)
  const settingsErrors = fieldErrors(error, `${prefix}settings.`)
  const shownElsewhere = ['name', 'trigger', 'actionId', 'settings'].some((k) => errors[k])
  const fields = action ? visibleFields(action) : []

  return (
    <Panel
      title={subscription ? `Edit mapping “${subscription.name}”` : 'New mapping'}
      className="mapping-editor"
    >
      <form className="form" onSubmit={(e) => void save(e)} noValidate>
        <section className="mapping-step">
          <h3>1 · Action</h3>
          <Field id="mapping-action" label="Action" error={errors.actionId}>
            <select
              id="mapping-action"
              value={actionId}
              disabled={!!subscription}
              onChange={(e) => chooseAction(e.target.value)}
            >
              {choosable.map((a) => (
                <option key={a.id} value={a.id}>
                  {a.name}
                </option>
              ))}
            </select>
            {action?.description && <small className="hint">{action.description}</small>}
            {subscription && (
              <small className="hint">
                A saved mapping keeps its action: add another mapping for another action.
              </small>
            )}
          </Field>
        </section>

        <section className="mapping-step">
          <h3>2 · Which events</h3>
          <TriggerBuilder
            trigger={trigger}
            onChange={setTrigger}
            error={errors.trigger}
            suggestions={suggestions}
          />
        </section>

        <section className="mapping-step">
          <h3>3 · What to send</h3>
          <p className="hint block mapping-fields-hint">
            {props.recent.loading && !props.recent.data
              ? 'Loading the source’s recent events for suggestions…'
              : paths.length
                ? `Pick an event field (suggested from the source’s ${messages.length} most recent events, with sample values) or type a fixed value. Fields marked * are required.`
                : 'The source has no recent events to suggest fields from: type a path such as $.properties.revenue, or a fixed value. Fields marked * are required.'}
          </p>
          {fields.length === 0 && <p className="muted">This action has no fields to map.</p>}
          {fields.map((f) => (
            <MappingFieldInput
              key={`${actionId}-${f.fieldKey}`}
              field={f}
              value={settings[f.fieldKey]}
              onChange={(v) => setField(f.fieldKey, v)}
              onInvalid={(message) =>
                setInvalid((all) => {
                  const { [f.fieldKey]: _old, ...rest } = all
                  return message ? { ...rest, [f.fieldKey]: message } : rest
                })
              }
              error={invalid[f.fieldKey] ?? missing[f.fieldKey] ?? settingsErrors[f.fieldKey]}
              paths={paths}
            />
          ))}
          <FieldError
            message={errors.settings && !Object.keys(settingsErrors).length ? errors.settings : undefined}
          />
        </section>

        <section className="mapping-step">
          <h3>4 · Name and save</h3>
          <Field id="mapping-name" label="Mapping name" error={errors.name}>
            <input id="mapping-name" type="text" value={name} onChange={(e) => setName(e.target.value)} />
          </Field>
          <label className="check">
            <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} />
            Enabled: send matching events with this mapping
          </label>
        </section>
        <ErrorNote
          error={error && !shownElsewhere && !Object.keys(settingsErrors).length ? error : undefined}
        />
        {(Object.keys(missing).length > 0 || Object.keys(invalid).length > 0) && (
          <p className="field-error" role="alert">
            Some fields need attention (see above).
          </p>
        )}
        <div className="actions">
          <button type="submit" className="button primary" disabled={saving || !action}>
            {saving ? 'Saving…' : subscription ? 'Save mapping' : 'Create mapping'}
          </button>
          <button type="button" className="button" onClick={props.onCancel}>
            Cancel
          </button>
        </div>
      </form>
      {action && (
        <MappingTest
          destination={props.destination}
          recent={props.recent}
          mapping={{ actionId, name, settings }}
          blocked={Object.keys(invalid).length > 0}
        />
      )}
    </Panel>
  )
}

/** Sends an event through the mapping as edited (saved or not, its trigger ignored): a real request. */
function MappingTest(props: {
  destination: Destination
  recent: Loaded<ArchivedMessage[]>
  mapping: EventTestMapping
  blocked: boolean
}) {
  const test = useEventTest(props.destination, props.recent)
  return (
    <details className="mapping-test">
      <summary>Test this mapping on an event</summary>
      <p className="hint block">
        Sends the event through this mapping as it is now (saved or not, whatever its trigger): a real request
        to the destination.
      </p>
      <EventInput id="mapping-test-event" {...test.input} />
      <ErrorNote error={test.otherError} />
      <div className="actions">
        <button
          type="button"
          className="button"
          disabled={test.sending || props.blocked}
          onClick={() => void test.send(props.mapping)}
        >
          {test.sending ? 'Sending…' : 'Send test event'}
        </button>
      </div>
      {test.answer && (
        <EventTestResults
          answer={test.answer}
          destinationId={props.destination.id}
          destinationName={props.destination.name}
        />
      )}
    </details>
  )
}
