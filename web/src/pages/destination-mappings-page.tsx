import { useState } from 'react'
import { api, errorMessage, listAll } from '../api/client.ts'
import type { ActionPreset, Destination, DestinationAction, DestinationSubscription } from '../api/models.ts'
import { Link } from '../app/router.tsx'
import { useApi } from '../app/use-api.ts'
import { DestinationFrame } from '../components/destination-frame.tsx'
import { MappingEditor } from '../components/mapping-editor.tsx'
import { directiveText, useRecentEvents } from '../components/mapping-paths.ts'
import { EmptyState, ErrorNote, Loading, Panel, Toggle } from '../components/ui.tsx'

/**
 * An Actions destination's mappings (Segment's "Mappings" tab): which events go out (each
 * mapping's trigger), through which action, with which fields. Enable, edit, delete, add one, or
 * add the destination's default mappings (its presets).
 */
export function DestinationMappingsPage({ destinationId }: { destinationId: string }) {
  return (
    <DestinationFrame destinationId={destinationId} tab="mappings">
      {(d) => {
        const actions = d.metadata.actions ?? []
        return actions.length === 0 ? (
          <Panel>
            <EmptyState
              title="Mappings apply to Actions destinations"
              action={
                <Link className="button" to="/destinations/catalog">
                  Browse the catalog
                </Link>
              }
            >
              {d.metadata.name} is a classic destination: it sends every event it receives as it is, with no
              mappings. To choose which events go out and what each request holds, connect an Actions
              destination (such as Webhook, or any destination whose catalog entry lists actions).
            </EmptyState>
          </Panel>
        ) : (
          <Mappings destination={d} actions={actions} />
        )
      }}
    </DestinationFrame>
  )
}

type Editing = { kind: 'new' } | { kind: 'edit'; subscription: DestinationSubscription } | undefined

function Mappings({ destination, actions }: { destination: Destination; actions: DestinationAction[] }) {
  const subscriptions = useApi(
    () => listAll<DestinationSubscription>(`/destinations/${destination.id}/subscriptions`, 'subscriptions'),
    `subscriptions-${destination.id}`,
  )
  const recent = useRecentEvents(destination.sourceId)
  const [editing, setEditing] = useState<Editing>()
  const [notice, setNotice] = useState<string>()

  if (editing) {
    return (
      <MappingEditor
        key={editing.kind === 'edit' ? editing.subscription.id : 'new'}
        destination={destination}
        actions={actions}
        {...(editing.kind === 'edit' && { subscription: editing.subscription })}
        recent={recent}
        onSaved={(s) => {
          setNotice(`Saved “${s.name}”${s.enabled ? '' : ' (disabled: enable it to send events with it)'}.`)
          setEditing(undefined)
          subscriptions.reload()
        }}
        onCancel={() => setEditing(undefined)}
      />
    )
  }
  const list = subscriptions.data
  const actionOf = (s: DestinationSubscription) =>
    actions.find((a) => a.id === s.actionId || a.slug === s.actionSlug)
  const actionName = (s: DestinationSubscription) => actionOf(s)?.name ?? s.actionSlug
  const fieldOrder = (s: DestinationSubscription) =>
    [...(actionOf(s)?.fields ?? [])]
      .sort((a, b) => Number(b.required) - Number(a.required) || a.sortOrder - b.sortOrder)
      .map((f) => f.fieldKey)
  return (
    <Panel
      title="Mappings"
      actions={
        <div className="actions">
          <DefaultMappings
            destination={destination}
            presets={destination.metadata.presets ?? []}
            existing={list}
            onAdded={(n) => {
              setNotice(
                `Added ${n} default mapping${n === 1 ? '' : 's'}, disabled: review and enable those you want.`,
              )
              subscriptions.reload()
            }}
          />
          <button
            type="button"
            className="button primary"
            onClick={() => {
              setNotice(undefined)
              setEditing({ kind: 'new' })
            }}
          >
            New mapping
          </button>
        </div>
      }
    >
      {notice && (
        <p className="mapping-notice" role="status">
          {notice}
        </p>
      )}
      {!list ? (
        subscriptions.error ? (
          <ErrorNote error={subscriptions.error} />
        ) : (
          <Loading what="the mappings" />
        )
      ) : list.length === 0 ? (
        <EmptyState title="No mappings yet">
          Nothing is sent to {destination.name} until a mapping matches an event. Add one with “New mapping”:
          pick an action, the events that trigger it and what to send
          {(destination.metadata.presets ?? []).length > 0 && ', or start from the default mappings'}.
        </EmptyState>
      ) : (
        <table className="table mappings-table">
          <thead>
            <tr>
              <th>Enabled</th>
              <th>Mapping</th>
              <th>Trigger</th>
              <th>Fields</th>
              <th aria-label="Actions" />
            </tr>
          </thead>
          <tbody>
            {list.map((s) => (
              <MappingRow
                key={s.id}
                subscription={s}
                actionName={actionName(s)}
                fieldOrder={fieldOrder(s)}
                destinationId={destination.id}
                onEdit={() => {
                  setNotice(undefined)
                  setEditing({ kind: 'edit', subscription: s })
                }}
                onChanged={subscriptions.reload}
              />
            ))}
          </tbody>
        </table>
      )}
    </Panel>
  )
}

function MappingRow(props: {
  subscription: DestinationSubscription
  actionName: string
  /** The action's field keys, required first. */
  fieldOrder: string[]
  destinationId: string
  onEdit(): void
  onChanged(): void
}) {
  const s = props.subscription
  const [confirming, setConfirming] = useState(false)
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string>()
  const path = `/destinations/${props.destinationId}/subscriptions/${s.id}`
  const run = async (call: () => Promise<unknown>) => {
    setError(undefined)
    setBusy(true)
    try {
      await call()
      props.onChanged()
    } catch (e) {
      setError(errorMessage(e))
    } finally {
      setBusy(false)
    }
  }
  // In the action's field order (required first), then anything else the mapping holds.
  const order = (key: string) => {
    const i = props.fieldOrder.indexOf(key)
    return i === -1 ? props.fieldOrder.length : i
  }
  const fields = Object.entries(s.settings).sort(([a], [b]) => order(a) - order(b))
  return (
    <tr>
      <td>
        <Toggle
          checked={s.enabled}
          disabled={busy}
          label={s.enabled ? 'On' : 'Off'}
          onChange={(enabled) => void run(() => api(path, { method: 'PATCH', body: { input: { enabled } } }))}
        />
      </td>
      <td>
        <strong>{s.name}</strong>
        <div className="muted small">{props.actionName}</div>
        {error && <p className="field-error">{error}</p>}
      </td>
      <td>
        <code className="mapping-trigger">{s.trigger}</code>
      </td>
      <td className="mapping-summary">
        {fields.slice(0, 4).map(([key, value]) => (
          <div key={key} className="small">
            <span className="muted">{key}</span> ← <code>{directiveText(value)}</code>
          </div>
        ))}
        {fields.length > 4 && <div className="muted small">and {fields.length - 4} more</div>}
      </td>
      <td className="nowrap">
        {confirming ? (
          <span className="actions">
            <button
              type="button"
              className="button small danger"
              disabled={busy}
              onClick={() => void run(() => api(path, { method: 'DELETE' }))}
            >
              Delete “{s.name}”
            </button>
            <button type="button" className="button small" onClick={() => setConfirming(false)}>
              Keep
            </button>
          </span>
        ) : (
          <span className="actions">
            <button
              type="button"
              className="button small"
              onClick={props.onEdit}
              aria-label={`Edit ${s.name}`}
            >
              Edit
            </button>
            <button
              type="button"
              className="button small ghost danger"
              onClick={() => setConfirming(true)}
              aria-label={`Delete ${s.name}`}
            >
              Delete
            </button>
          </span>
        )}
      </td>
    </tr>
  )
}

/**
 * "Add the default mappings": the destination type's presets as mappings, disabled, skipping those
 * already there (same name and action).
 */
function DefaultMappings(props: {
  destination: Destination
  presets: ActionPreset[]
  existing: DestinationSubscription[] | undefined
  onAdded(count: number): void
}) {
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string>()
  if (props.presets.length === 0) return null
  const missing = props.presets.filter(
    (p) => !props.existing?.some((s) => s.name === p.name && s.actionId === p.actionId),
  )
  const add = async () => {
    setError(undefined)
    setBusy(true)
    let added = 0
    try {
      for (const preset of missing) {
        await api(`/destinations/${props.destination.id}/subscriptions`, {
          method: 'POST',
          body: {
            name: preset.name,
            actionId: preset.actionId,
            trigger: preset.trigger,
            enabled: false,
            settings: preset.fields,
          },
        })
        added++
      }
    } catch (e) {
      setError(errorMessage(e))
    } finally {
      setBusy(false)
      if (added) props.onAdded(added)
    }
  }
  return (
    <>
      {error && <span className="field-error">{error}</span>}
      <button
        type="button"
        className="button"
        disabled={busy || !props.existing || missing.length === 0}
        title={`The destination’s suggested mappings: ${props.presets.map((p) => p.name).join(', ')}`}
        onClick={() => void add()}
      >
        {busy
          ? 'Adding…'
          : missing.length === 0
            ? 'Every default mapping is here'
            : `Add the default mappings (${missing.length})`}
      </button>
    </>
  )
}
